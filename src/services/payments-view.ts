/** Public shapes of payments and refunds (money as decimals, snake_case fields). */
import type { TenderShift } from "../db/cash-events";
import type { Payment } from "../db/payments";
import type { Refund, RefundItem } from "../db/refunds";
import { toDecimal } from "../domain/money";

export const toPaymentView = (p: Payment) => ({
  id: p.id,
  order_id: p.orderId,
  payment_method: p.paymentMethod,
  status: p.status,
  amount: toDecimal(p.amount),
  amount_tendered: p.amountTendered === null ? null : toDecimal(p.amountTendered),
  change_due: toDecimal(p.changeDue),
  refunded_amount: toDecimal(p.refundedAmount),
  refundable_amount: toDecimal(p.status === "pending" || p.status === "failed" ? 0 : p.amount - p.refundedAmount),
  transaction_id: p.transactionId,
  reference_number: p.referenceNumber,
  notes: p.notes,
  user_id: p.userId,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});
export type PaymentView = ReturnType<typeof toPaymentView>;

/**
 * The shift a tender counted on (null: on none, or still waiting for its
 * drawer's next shift), and the shift it arrived too late for (null: on time).
 */
export const toTenderShiftView = (t: TenderShift) => ({ shift_id: t.shiftId, late_of_shift_id: t.lateOfShiftId });
export type TenderShiftView = ReturnType<typeof toTenderShiftView>;

/** A payment as the payments endpoints show it: with the shift its tender counted on. */
export const toPaymentShiftView = (p: Payment, t: TenderShift) => ({ ...toPaymentView(p), ...toTenderShiftView(t) });
export type PaymentShiftView = ReturnType<typeof toPaymentShiftView>;

export const toRefundView = (r: Refund, items: RefundItem[]) => ({
  id: r.id,
  payment_id: r.paymentId,
  order_id: r.orderId,
  amount: toDecimal(r.amount),
  reason: r.reason,
  user_id: r.userId,
  points_reversed: r.pointsReversed,
  points_unreversed: r.pointsUnreversed,
  items: items.map((item) => ({
    order_item_id: item.orderItemId,
    product_id: item.productId,
    quantity: item.quantity,
    restock: item.restock,
  })),
  created_at: r.createdAt,
});
export type RefundView = ReturnType<typeof toRefundView>;
