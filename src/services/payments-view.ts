/** Public shapes of payments and refunds (money as decimals). */
import type { PAYMENT_METHODS, PAYMENT_STATUSES } from "../db/schema";
import { toDecimal } from "../domain/money";

export interface RawPayment {
  id: number;
  order_id: number;
  payment_method: (typeof PAYMENT_METHODS)[number];
  status: (typeof PAYMENT_STATUSES)[number];
  amount: number;
  amount_tendered: number | null;
  change_due: number;
  refunded_amount: number;
  transaction_id: string | null;
  reference_number: string | null;
  notes: string | null;
  user_id: number | null;
  created_at: string;
  updated_at: string;
}

export const toPaymentView = (p: RawPayment) => ({
  id: p.id,
  order_id: p.order_id,
  payment_method: p.payment_method,
  status: p.status,
  amount: toDecimal(p.amount),
  amount_tendered: p.amount_tendered === null ? null : toDecimal(p.amount_tendered),
  change_due: toDecimal(p.change_due),
  refunded_amount: toDecimal(p.refunded_amount),
  refundable_amount: toDecimal(p.status === "pending" || p.status === "failed" ? 0 : p.amount - p.refunded_amount),
  transaction_id: p.transaction_id,
  reference_number: p.reference_number,
  notes: p.notes,
  user_id: p.user_id,
  created_at: p.created_at,
  updated_at: p.updated_at,
});
export type PaymentView = ReturnType<typeof toPaymentView>;

export interface RawRefund {
  id: number;
  payment_id: number;
  order_id: number;
  amount: number;
  reason: string;
  user_id: number | null;
  stock_ref: string | null;
  points_reversed: number;
  points_unreversed: number;
  created_at: string;
}

export interface RawRefundItem {
  id: number;
  refund_id: number;
  order_item_id: number;
  product_id: number;
  quantity: number;
  restock: number;
}

export const toRefundView = (r: RawRefund, items: RawRefundItem[]) => ({
  id: r.id,
  payment_id: r.payment_id,
  order_id: r.order_id,
  amount: toDecimal(r.amount),
  reason: r.reason,
  user_id: r.user_id,
  points_reversed: r.points_reversed,
  points_unreversed: r.points_unreversed,
  items: items.map((item) => ({
    order_item_id: item.order_item_id,
    product_id: item.product_id,
    quantity: item.quantity,
    restock: item.restock === 1,
  })),
  created_at: r.created_at,
});
export type RefundView = ReturnType<typeof toRefundView>;
