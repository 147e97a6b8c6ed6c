/** The count a close records (services/shifts-close.ts): a sum, denominations, or both agreeing. */
import { describe, it } from "vitest";
import { ApiError } from "../../src/lib/errors";
import { countOf, denominationTotal } from "../../src/services/shifts-close";

const refusal = (input: Parameters<typeof countOf>[0]) => {
  try {
    countOf(input);
  } catch (error) {
    if (error instanceof ApiError) return { code: error.code, detail: error.detail };
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("a shift's count", () => {
  it("totals denominations in cents, notes and coins alike", ({ expect }) => {
    expect(
      denominationTotal([
        { value: 2000, count: 3 },
        { value: 25, count: 7 },
        { value: 1, count: 0 },
      ]),
    ).toBe(6175);
    expect(denominationTotal([])).toBe(0);
  });

  it("takes the sum, or the denominations' total, stored largest first; kept defaults to null (all of it)", ({
    expect,
  }) => {
    expect(countOf({ counted_cash: 1234 })).toEqual({
      countedCash: 1234,
      denominations: null,
      varianceReason: null,
      keptInDrawer: null,
      notes: null,
    });
    const count = countOf({
      denominations: [
        { value: 25, count: 4 },
        { value: 1000, count: 2 },
      ],
      counted_cash: 2100,
      kept_in_drawer: 2100,
      variance_reason: "  ",
    });
    expect(count).toMatchObject({ countedCash: 2100, keptInDrawer: 2100, varianceReason: null });
    expect(JSON.parse(count.denominations ?? "null")).toEqual([
      { value: 1000, count: 2 },
      { value: 25, count: 4 },
    ]);
  });

  it("refuses a sum that disagrees with its denominations, a denomination twice, keeping more than counted, no count", ({
    expect,
  }) => {
    expect(refusal({ counted_cash: 2000, denominations: [{ value: 1000, count: 1 }] })).toMatchObject({
      code: "VALIDATION_ERROR",
      detail: [{ loc: ["body", "counted_cash"] }],
    });
    expect(
      refusal({
        denominations: [
          { value: 500, count: 1 },
          { value: 500, count: 2 },
        ],
      }),
    ).toMatchObject({ detail: [{ loc: ["body", "denominations", 1, "value"] }] });
    expect(refusal({ counted_cash: 100, kept_in_drawer: 101 })).toMatchObject({
      detail: [{ loc: ["body", "kept_in_drawer"] }],
    });
    expect(refusal({})).toMatchObject({ code: "VALIDATION_ERROR" });
  });
});
