/** The public shapes of orders and their items (snake_case, money as decimals), from their rows. */
import type { Order, OrderItem } from "../db/orders";
import type { CashierSummary, CustomerSummary } from "../db/sale-facts";
import { toDecimal } from "../domain/money";

export const toItemView = (item: OrderItem) => ({
  id: item.id,
  product_id: item.productId,
  product_name: item.productName,
  product_sku: item.productSku,
  quantity: item.quantity,
  unit_price: toDecimal(item.unitPrice),
  discount: toDecimal(item.discount),
  subtotal: toDecimal(item.subtotal),
  refunded_quantity: item.refundedQuantity ?? 0,
});

export const toCustomerView = (customer: CustomerSummary) => ({
  id: customer.id,
  first_name: customer.firstName,
  last_name: customer.lastName,
  email: customer.email,
});

export const toCashierView = (cashier: CashierSummary) => ({
  id: cashier.id,
  username: cashier.username,
  full_name: cashier.fullName,
});

export function toOrderView(
  order: Order,
  items: OrderItem[],
  extra: { customer?: CustomerSummary | null; cashier?: CashierSummary | null; paymentCount?: number } = {},
) {
  const net = order.paidAmount ?? 0;
  return {
    id: order.id,
    order_number: order.orderNumber,
    customer_id: order.customerId,
    user_id: order.userId,
    status: order.status,
    subtotal: toDecimal(order.subtotal),
    tax: toDecimal(order.tax),
    discount: toDecimal(order.discount),
    points_redeemed: order.pointsRedeemed ?? 0,
    points_discount: toDecimal(order.pointsDiscount ?? 0),
    points_earned: order.pointsEarned ?? 0,
    total: toDecimal(order.total),
    notes: order.notes,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    completed_at: order.completedAt,
    order_items: items.map(toItemView),
    customer: extra.customer ? toCustomerView(extra.customer) : null,
    cashier: extra.cashier ? toCashierView(extra.cashier) : null,
    payments_summary: {
      payment_count: extra.paymentCount ?? 0,
      /** Net of refunds. */
      paid_amount: toDecimal(net),
      refunded_amount: toDecimal(order.refundedAmount ?? 0),
      remaining_amount: toDecimal(Math.max(0, order.total - net)),
    },
  };
}

export type OrderView = ReturnType<typeof toOrderView>;
