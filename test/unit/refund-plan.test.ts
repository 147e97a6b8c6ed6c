import fc from "fast-check";
import { describe, it } from "vitest";
import { canRefund, planRefund, type RefundOrder, returnedValue } from "../../src/domain/refund-plan";

const order = (over: Partial<RefundOrder> = {}): RefundOrder => ({
  status: "completed",
  customerId: 7,
  total: 10_000,
  pointsEarned: 100,
  lines: [
    { id: 1, productId: 11, quantity: 2, refundedQuantity: 0, subtotal: 4_000 },
    { id: 2, productId: 12, quantity: 3, refundedQuantity: 1, subtotal: 6_000 },
  ],
  ...over,
});
const payment = { amount: 10_000, refundedAmount: 0 };

describe("planRefund", () => {
  it("refunds all that remains by default, and takes back points in proportion", ({ expect }) => {
    expect(planRefund({ amount: 10_000, refundedAmount: 2_500 }, order(), {})).toEqual({
      ok: true,
      plan: { amount: 7_500, lines: [], points: 75, reversesCustomer: true },
    });
  });

  it("values returned items after their line discount, pro rata, capped at what the payment holds", ({ expect }) => {
    const items = [
      { orderItemId: 2, quantity: 2, restock: true },
      { orderItemId: 1, quantity: 1 },
    ];
    expect(planRefund(payment, order(), { items })).toEqual({
      ok: true,
      plan: {
        amount: 6_000,
        lines: [
          { orderItemId: 2, productId: 12, quantity: 2, restock: true },
          { orderItemId: 1, productId: 11, quantity: 1, restock: false },
        ],
        points: 60,
        reversesCustomer: true,
      },
    });
    const capped = planRefund({ amount: 5_000, refundedAmount: 0 }, order(), { items });
    expect(capped.ok && capped.plan.amount).toBe(5_000);
    // An amount sent with the items wins over their value.
    const sent = planRefund(payment, order(), { amount: 100, items });
    expect(sent.ok && sent.plan.amount).toBe(100);
  });

  it("rounds a line's share to the cent in integers", ({ expect }) => {
    expect(returnedValue({ quantity: 3, subtotal: 1_000 }, 1)).toBe(333);
    expect(returnedValue({ quantity: 3, subtotal: 1_000 }, 2)).toBe(667);
    expect(returnedValue({ quantity: 3, subtotal: 1_000 }, 3)).toBe(1_000);
  });

  it("names the entry it refuses", ({ expect }) => {
    expect(planRefund(payment, order(), { items: [{ orderItemId: 9, quantity: 1 }] })).toEqual({
      ok: false,
      refusal: { kind: "unknown_item", index: 0, orderItemId: 9 },
    });
    const twice = [
      { orderItemId: 1, quantity: 1 },
      { orderItemId: 1, quantity: 1 },
    ];
    expect(planRefund(payment, order(), { items: twice })).toEqual({
      ok: false,
      refusal: { kind: "item_twice", index: 1 },
    });
    expect(
      planRefund(payment, order(), {
        items: [
          { orderItemId: 1, quantity: 1 },
          { orderItemId: 2, quantity: 3 },
        ],
      }),
    ).toEqual({ ok: false, refusal: { kind: "quantity_above_left", index: 1, left: 2 } });
  });

  it("refuses a refund above what the payment holds, or of nothing", ({ expect }) => {
    expect(planRefund({ amount: 3_000, refundedAmount: 500 }, order(), { amount: 2_501 })).toEqual({
      ok: false,
      refusal: { kind: "exceeds_refundable", refundable: 2_500 },
    });
    expect(planRefund({ amount: 3_000, refundedAmount: 3_000 }, order(), {})).toEqual({
      ok: false,
      refusal: { kind: "nothing_refundable" },
    });
  });

  it("reverses nothing on a pending order or one without a customer, and no points on a zero total", ({ expect }) => {
    const pending = planRefund(payment, order({ status: "pending" }), { amount: 1_000 });
    expect(pending.ok && pending.plan).toMatchObject({ points: 0, reversesCustomer: false });
    const anonymous = planRefund(payment, order({ customerId: null }), { amount: 1_000 });
    expect(anonymous.ok && anonymous.plan).toMatchObject({ points: 0, reversesCustomer: false });
    const free = planRefund(payment, order({ total: 0 }), { amount: 1_000 });
    expect(free.ok && free.plan).toMatchObject({ points: 0, reversesCustomer: true });
  });

  it("never plans more than the payment still holds (property)", ({ expect }) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined }),
        (amount, refundedShare, asked) => {
          const refundedAmount = Math.min(amount, refundedShare);
          const result = planRefund({ amount, refundedAmount }, order(), { amount: asked });
          if (result.ok) {
            expect(result.plan.amount).toBeGreaterThan(0);
            expect(result.plan.amount).toBeLessThanOrEqual(amount - refundedAmount);
          }
        },
      ),
    );
  });
});

describe("canRefund", () => {
  it("takes completed and partially refunded payments only", ({ expect }) => {
    expect(["completed", "partially_refunded", "pending", "failed", "refunded"].filter(canRefund)).toEqual([
      "completed",
      "partially_refunded",
    ]);
  });
});
