import { describe, it } from "vitest";
import { type EditedOrder, type EditRules, planEdit } from "../../src/domain/order-edit";

const order: EditedOrder = {
  customerId: null,
  subtotal: 10_000,
  tax: 0,
  discount: 0,
  pointsRedeemed: 0,
  pointsDiscount: 0,
  paidAmount: 0,
};
const cashier: EditRules = { canOverridePrices: false, maxDiscountPercent: 20, loyalty: { pointsPerUnit: 1 } };

describe("re-totalling an edited order", () => {
  it("keeps the fields not sent and recomputes the total from the subtotal", ({ expect }) => {
    expect(planEdit({ ...order, tax: 500 }, { discount: 1_000 }, 0, cashier)).toEqual({
      ok: true,
      plan: { customerId: null, tax: 500, discount: 1_000, total: 9_500, pointsEarned: 0 },
    });
  });

  it("earns points once the order has a customer, and none once it has not", ({ expect }) => {
    expect(planEdit(order, { customerId: 4 }, 0, cashier)).toMatchObject({
      plan: { customerId: 4, pointsEarned: 100 },
    });
    expect(planEdit({ ...order, customerId: 4 }, { customerId: null }, 0, cashier)).toMatchObject({
      plan: { customerId: null, pointsEarned: 0 },
    });
  });

  it("refuses a discount that, with the points' discount, exceeds the subtotal", ({ expect }) => {
    expect(planEdit({ ...order, pointsDiscount: 500 }, { discount: 9_501 }, 0, cashier)).toEqual({
      ok: false,
      problem: { kind: "order_discount" },
    });
  });

  it("checks the cashier's limit only when the discount goes up, counting the lines' discounts", ({ expect }) => {
    // Lines' discounts of 10.00 on 100.00 net: 110.00 before discounts, at most 22.00 off.
    expect(planEdit(order, { discount: 1_200 }, 1_000, cashier)).toMatchObject({ ok: true });
    expect(planEdit(order, { discount: 1_201 }, 1_000, cashier)).toEqual({
      ok: false,
      problem: { kind: "discount_cap", requested: 2_201, cap: 2_200, maxPercent: 20, gross: 11_000 },
    });
    // Already above the limit (a manager gave it): lowering it, or leaving it, is not refused.
    expect(planEdit({ ...order, discount: 5_000 }, { discount: 4_000 }, 0, cashier)).toMatchObject({ ok: true });
    expect(planEdit({ ...order, discount: 5_000 }, { tax: 100 }, 0, cashier)).toMatchObject({ ok: true });
    expect(planEdit(order, { discount: 5_000 }, 0, { ...cashier, canOverridePrices: true })).toMatchObject({
      ok: true,
    });
  });

  it("refuses a total below what has been paid", ({ expect }) => {
    expect(planEdit({ ...order, paidAmount: 9_000 }, { discount: 1_001 }, 0, cashier)).toEqual({
      ok: false,
      problem: { kind: "below_paid", paid: 9_000 },
    });
    expect(planEdit({ ...order, paidAmount: 9_000 }, { discount: 1_000 }, 0, cashier)).toMatchObject({
      ok: true,
      plan: { total: 9_000 },
    });
  });

  it("refuses moving an order whose customer redeemed points to another customer", ({ expect }) => {
    const redeemed = { ...order, customerId: 4, pointsRedeemed: 50, pointsDiscount: 50 };
    expect(planEdit(redeemed, { customerId: 5 }, 0, cashier)).toEqual({
      ok: false,
      problem: { kind: "moves_redeemed_points" },
    });
    expect(planEdit(redeemed, { customerId: 4, tax: 10 }, 0, cashier)).toMatchObject({ ok: true });
  });
});
