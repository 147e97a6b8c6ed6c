import { describe, it } from "vitest";
import { formatMoney, parseMoney, toDecimal } from "../../src/domain/money";

describe("parseMoney", () => {
  it("parses numbers and numeric strings into cents without float error", ({ expect }) => {
    const cases: [number | string, number][] = [
      [999.99, 99999],
      ["999.99", 99999],
      [0.1, 10],
      [0.29, 29],
      [1.005 * 0 + 19.99, 1999],
      ["5", 500],
      ["5.5", 550],
      [15.5, 1550],
      [0, 0],
      ["  12.30 ", 1230],
      ["99999999.99", 9_999_999_999],
    ];
    for (const [input, cents] of cases) expect(parseMoney(input), String(input)).toEqual({ ok: true, cents });
  });

  it("refuses more than two places, exponents, junk and overflow", ({ expect }) => {
    for (const input of [1.234, "1.234", "1e3", 1e21, "abc", "", "12.", ".5", Number.NaN, Infinity, "100000000.00"]) {
      expect(parseMoney(input).ok, String(input)).toBe(false);
    }
    expect(parseMoney("1.234")).toMatchObject({ reason: expect.stringContaining("two decimal places") });
  });

  it("keeps the sign of negatives for callers that forbid them", ({ expect }) => {
    expect(parseMoney("-5.25")).toEqual({ ok: true, cents: -525 });
  });

  it("round-trips cents to decimals and text", ({ expect }) => {
    for (let cents = 0; cents < 2000; cents += 7) {
      const parsed = parseMoney(toDecimal(cents));
      expect(parsed).toEqual({ ok: true, cents });
      expect(parseMoney(formatMoney(cents))).toEqual({ ok: true, cents });
    }
    expect(formatMoney(-1205)).toBe("-12.05");
  });
});
