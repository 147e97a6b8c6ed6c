/** The public shapes of orders and their items (money as decimals). */
import { toDecimal } from "../domain/money";

export interface RawOrder {
  id: number;
  order_number: string;
  customer_id: number | null;
  user_id: number;
  status: "pending" | "completed" | "cancelled" | "refunded";
  subtotal: number;
  tax: number;
  discount: number;
  total: number;
  notes: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface RawOrderItem {
  id: number;
  order_id: number;
  product_id: number;
  product_name: string;
  product_sku: string;
  quantity: number;
  unit_price: number;
  discount: number;
  subtotal: number;
}

export interface CustomerSummary {
  id: number;
  first_name: string;
  last_name: string;
  email: string | null;
}

export interface PaymentSummary {
  /** Cents taken by completed (or partly refunded) payments. */
  paid: number;
  refunded: number;
  count: number;
}

export const toItemView = (item: RawOrderItem) => ({
  id: item.id,
  product_id: item.product_id,
  product_name: item.product_name,
  product_sku: item.product_sku,
  quantity: item.quantity,
  unit_price: toDecimal(item.unit_price),
  discount: toDecimal(item.discount),
  subtotal: toDecimal(item.subtotal),
});

export function toOrderView(
  order: RawOrder,
  items: RawOrderItem[],
  extra: {
    customer?: CustomerSummary | null;
    cashier?: { id: number; username: string; full_name: string | null } | null;
    payments?: PaymentSummary;
  } = {},
) {
  const payments = extra.payments ?? { paid: 0, refunded: 0, count: 0 };
  const netPaid = payments.paid - payments.refunded;
  return {
    id: order.id,
    order_number: order.order_number,
    customer_id: order.customer_id,
    user_id: order.user_id,
    status: order.status,
    subtotal: toDecimal(order.subtotal),
    tax: toDecimal(order.tax),
    discount: toDecimal(order.discount),
    total: toDecimal(order.total),
    notes: order.notes,
    created_at: order.created_at,
    updated_at: order.updated_at,
    completed_at: order.completed_at,
    order_items: items.map(toItemView),
    customer: extra.customer ?? null,
    cashier: extra.cashier ?? null,
    payments_summary: {
      payment_count: payments.count,
      paid_amount: toDecimal(payments.paid),
      refunded_amount: toDecimal(payments.refunded),
      remaining_amount: toDecimal(Math.max(0, order.total - payments.paid)),
      net_paid: toDecimal(netPaid),
    },
  };
}

export type OrderView = ReturnType<typeof toOrderView>;
