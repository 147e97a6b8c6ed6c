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
  paid_amount: number;
  refunded_amount: number;
  points_redeemed: number;
  points_discount: number;
  points_earned: number;
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
  refunded_quantity: number;
}

export interface CustomerSummary {
  id: number;
  first_name: string;
  last_name: string;
  email: string | null;
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
  refunded_quantity: item.refunded_quantity ?? 0,
});

export function toOrderView(
  order: RawOrder,
  items: RawOrderItem[],
  extra: {
    customer?: CustomerSummary | null;
    cashier?: { id: number; username: string; full_name: string | null } | null;
    paymentCount?: number;
  } = {},
) {
  const net = order.paid_amount ?? 0;
  return {
    id: order.id,
    order_number: order.order_number,
    customer_id: order.customer_id,
    user_id: order.user_id,
    status: order.status,
    subtotal: toDecimal(order.subtotal),
    tax: toDecimal(order.tax),
    discount: toDecimal(order.discount),
    points_redeemed: order.points_redeemed ?? 0,
    points_discount: toDecimal(order.points_discount ?? 0),
    points_earned: order.points_earned ?? 0,
    total: toDecimal(order.total),
    notes: order.notes,
    created_at: order.created_at,
    updated_at: order.updated_at,
    completed_at: order.completed_at,
    order_items: items.map(toItemView),
    customer: extra.customer ?? null,
    cashier: extra.cashier ?? null,
    payments_summary: {
      payment_count: extra.paymentCount ?? 0,
      /** Net of refunds. */
      paid_amount: toDecimal(net),
      refunded_amount: toDecimal(order.refunded_amount ?? 0),
      remaining_amount: toDecimal(Math.max(0, order.total - net)),
    },
  };
}

export type OrderView = ReturnType<typeof toOrderView>;
