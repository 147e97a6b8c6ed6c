import { describe, it } from "vitest";
import { cancelRefusedBecause, checkCancel, unitsOut } from "../../src/domain/order-cancel";

describe("cancelling an order", () => {
  it("cancels a pending order without money, and a completed one that cost nothing", ({ expect }) => {
    expect(checkCancel({ status: "pending", total: 1_000, paidAmount: 0, refundedAmount: 0 })).toEqual({ ok: true });
    expect(checkCancel({ status: "completed", total: 0, paidAmount: 0, refundedAmount: 0 })).toEqual({ ok: true });
  });

  it("refuses any other completed, cancelled or refunded order, and one holding money", ({ expect }) => {
    const notPending = { ok: false, reason: "not_pending" };
    expect(checkCancel({ status: "completed", total: 1_000, paidAmount: 1_000, refundedAmount: 0 })).toEqual(
      notPending,
    );
    expect(checkCancel({ status: "cancelled", total: 0, paidAmount: 0, refundedAmount: 0 })).toEqual(notPending);
    expect(checkCancel({ status: "refunded", total: 1_000, paidAmount: 0, refundedAmount: 0 })).toEqual(notPending);
    // Paid, refunded, then edited down to 0: it moved money, so it is not a sale at 0 (the status trigger agrees).
    expect(checkCancel({ status: "completed", total: 0, paidAmount: 0, refundedAmount: 2 })).toEqual(notPending);
    expect(checkCancel({ status: "pending", total: 1_000, paidAmount: 1, refundedAmount: 0 })).toEqual({
      ok: false,
      reason: "has_payments",
    });
  });

  it("explains a refused batch from the order as it stands now", ({ expect }) => {
    expect(cancelRefusedBecause({ status: "pending", paidAmount: 500 })).toBe("has_payments");
    expect(cancelRefusedBecause({ status: "cancelled", paidAmount: 0 })).toBe("no_longer_cancellable");
    expect(cancelRefusedBecause(undefined)).toBe("no_longer_cancellable");
  });

  it("gives back per product what is still out, leaving out what refunds took back", ({ expect }) => {
    expect(
      unitsOut([
        { productId: 2, quantity: 3, refundedQuantity: 1 },
        { productId: 1, quantity: 4, refundedQuantity: 4 },
        { productId: 2, quantity: 5, refundedQuantity: 0 },
      ]),
    ).toEqual([{ productId: 2, delta: 7 }]);
    expect(unitsOut([])).toEqual([]);
  });
});
