import { describe, it } from "vitest";
import { checkDiscount } from "../../src/domain/order-discount";

describe("the cashier's discount limit", () => {
  const cashier = { canOverride: false, maxPercent: 20 };

  it("allows up to the cap (rounded down to the cent) and refuses a cent more, saying by how much", ({ expect }) => {
    expect(checkDiscount(cashier, 10_000, 2_000)).toEqual({ ok: true });
    expect(checkDiscount(cashier, 10_000, 2_001)).toEqual({
      ok: false,
      refusal: { requested: 2_001, cap: 2_000, maxPercent: 20, gross: 10_000 },
    });
    // 20% of 9.99 is 1.998: the cap is 1.99.
    expect(checkDiscount(cashier, 999, 199)).toEqual({ ok: true });
    expect(checkDiscount(cashier, 999, 200)).toMatchObject({ ok: false, refusal: { cap: 199 } });
  });

  it("sets no limit for a user who may override prices", ({ expect }) => {
    expect(checkDiscount({ canOverride: true, maxPercent: 20 }, 1_000, 1_000)).toEqual({ ok: true });
  });

  it("allows no discount at all when the limit is 0%", ({ expect }) => {
    expect(checkDiscount({ canOverride: false, maxPercent: 0 }, 1_000, 0)).toEqual({ ok: true });
    expect(checkDiscount({ canOverride: false, maxPercent: 0 }, 1_000, 1)).toMatchObject({
      ok: false,
      refusal: { cap: 0 },
    });
  });
});
