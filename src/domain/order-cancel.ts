/** Cancelling an order: when it may be cancelled, and what stock it gives back. */

export interface CancelledOrder {
  status: "pending" | "completed" | "cancelled" | "refunded";
  total: number;
  paidAmount: number;
  refundedAmount: number;
}

export type CancelCheck = { ok: true } | { ok: false; reason: "not_pending" | "has_payments" };

/**
 * A pending order without payments may be cancelled; so may a completed one
 * that totals 0 and never moved money (it completed when it was made, taking
 * no payment): that is how goods sold at 0 come back. One that was paid,
 * refunded and then edited down to 0 moved money: the status trigger refuses
 * its cancel, and so does this check, before any batch.
 */
export function checkCancel(order: CancelledOrder): CancelCheck {
  const completedAtZero =
    order.status === "completed" && order.total === 0 && order.paidAmount === 0 && order.refundedAmount === 0;
  if (order.status !== "pending" && !completedAtZero) return { ok: false, reason: "not_pending" };
  if (order.paidAmount > 0) return { ok: false, reason: "has_payments" };
  return { ok: true };
}

/**
 * Why the cancel's batch was refused, from the order as it stands now: a
 * payment landed since the read, or another request cancelled (or completed) it.
 */
export const cancelRefusedBecause = (now: Pick<CancelledOrder, "status" | "paidAmount"> | undefined) =>
  now?.status === "pending" && now.paidAmount > 0 ? "has_payments" : "no_longer_cancellable";

/**
 * The units the order still has out, per product (Σ quantity − refunded
 * quantity over its lines; products with none out are left out): at most
 * what a cancel will put back, since refunds only ever grow what is refunded.
 */
export function unitsOut(
  items: readonly { productId: number; quantity: number; refundedQuantity: number }[],
): { productId: number; delta: number }[] {
  const out = new Map<number, number>();
  for (const item of items) {
    out.set(item.productId, (out.get(item.productId) ?? 0) + item.quantity - item.refundedQuantity);
  }
  return [...out].filter(([, delta]) => delta > 0).map(([productId, delta]) => ({ productId, delta }));
}
