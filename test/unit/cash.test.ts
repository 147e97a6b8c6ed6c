import fc from "fast-check";
import { describe, it } from "vitest";
import { planTender } from "../../src/domain/cash";

describe("planTender", () => {
  it("cash above the balance settles it and hands back the rest as change", ({ expect }) => {
    expect(planTender({ method: "cash", amount: 450 }, 250)).toEqual({
      ok: true,
      tender: { applied: 250, tendered: 450, change: 200, capped: true },
    });
    expect(planTender({ method: "cash", amount: 200, tendered: 500 }, 250)).toEqual({
      ok: true,
      tender: { applied: 200, tendered: 500, change: 300, capped: false },
    });
  });

  it("refuses cash tendered below what it applies", ({ expect }) => {
    expect(planTender({ method: "cash", amount: 300, tendered: 100 }, 250)).toEqual({
      ok: false,
      refusal: { kind: "tendered_below_applied", applied: 250, tendered: 100 },
    });
  });

  it("applies other methods as sent, within the balance, with no change", ({ expect }) => {
    expect(planTender({ method: "credit_card", amount: 250 }, 250)).toEqual({
      ok: true,
      tender: { applied: 250, tendered: null, change: 0, capped: false },
    });
    expect(planTender({ method: "debit_card", amount: 100, tendered: 100 }, 250)).toEqual({
      ok: true,
      tender: { applied: 100, tendered: 100, change: 0, capped: false },
    });
    expect(planTender({ method: "debit_card", amount: 4231 }, 4230)).toEqual({
      ok: false,
      refusal: { kind: "exceeds_balance", amount: 4231, remaining: 4230 },
    });
  });

  it("refuses a payment on an order that owes nothing", ({ expect }) => {
    expect(planTender({ method: "cash", amount: 100 }, 0)).toEqual({ ok: false, refusal: { kind: "nothing_owed" } });
    expect(planTender({ method: "mobile_payment", amount: 0 }, 0)).toEqual({
      ok: false,
      refusal: { kind: "nothing_owed" },
    });
  });

  it("never applies more than is owed, and tendered = applied + change (property)", ({ expect }) => {
    fc.assert(
      fc.property(
        fc.constantFrom("cash", "credit_card", "bank_transfer"),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (method, amount, tendered, remaining) => {
          const result = planTender({ method, amount, tendered }, remaining);
          if (!result.ok) return;
          const { tender } = result;
          expect(tender.applied).toBeGreaterThan(0);
          expect(tender.applied).toBeLessThanOrEqual(remaining);
          if (method === "cash") expect(tender.tendered).toBe(tender.applied + tender.change);
          else expect(tender.change).toBe(0);
        },
      ),
    );
  });
});
