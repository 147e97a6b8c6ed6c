/** A till receipt as plain text for an 80 mm printer: 42 columns, monospace. */
import type { OrderView } from "../services/orders-view";
import type { PaymentView } from "../services/payments-view";

export const RECEIPT_WIDTH = 42;

const center = (text: string) => {
  const t = text.slice(0, RECEIPT_WIDTH);
  return " ".repeat(Math.floor((RECEIPT_WIDTH - t.length) / 2)) + t;
};
const row = (left: string, right: string) => {
  const room = RECEIPT_WIDTH - right.length - 1;
  const l = left.length > room ? `${left.slice(0, room - 1)}…` : left;
  return `${l}${" ".repeat(RECEIPT_WIDTH - l.length - right.length)}${right}`;
};
const rule = "-".repeat(RECEIPT_WIDTH);

export function renderReceipt(
  order: OrderView,
  payments: PaymentView[],
  shop: { name: string; address: string[]; phone?: string | null; currency?: string },
  when: Intl.DateTimeFormat,
): string {
  const m = (value: number) => value.toFixed(2);
  const lines = [
    center(shop.name),
    ...shop.address.map(center),
    ...(shop.phone ? [center(`Tel. ${shop.phone}`)] : []),
    ...(shop.currency ? [center(`Amounts in ${shop.currency}`)] : []),
    rule,
    row("Order", order.order_number),
    row("Date", when.format(new Date(order.created_at))),
  ];
  if (order.cashier) lines.push(row("Cashier", order.cashier.full_name ?? order.cashier.username));
  if (order.customer) lines.push(row("Customer", `${order.customer.first_name} ${order.customer.last_name}`));
  lines.push(rule);
  for (const item of order.order_items) {
    lines.push(row(item.product_name, m(item.subtotal)));
    const detail = `  ${item.quantity} x ${m(item.unit_price)}${item.discount ? ` -${m(item.discount)}` : ""}`;
    lines.push(detail.slice(0, RECEIPT_WIDTH));
  }
  lines.push(rule, row("Subtotal", m(order.subtotal)));
  if (order.discount) lines.push(row("Discount", `-${m(order.discount)}`));
  if (order.points_discount) lines.push(row(`Points (${order.points_redeemed})`, `-${m(order.points_discount)}`));
  lines.push(row("Tax", m(order.tax)), row("TOTAL", m(order.total)), rule);
  for (const p of payments) {
    lines.push(row(p.payment_method.replace("_", " ").toUpperCase(), m(p.amount)));
    if (p.amount_tendered !== null && p.change_due) {
      lines.push(row("  Tendered", m(p.amount_tendered)), row("  Change", m(p.change_due)));
    }
    if (p.refunded_amount) lines.push(row("  Refunded", `-${m(p.refunded_amount)}`));
  }
  lines.push(
    row("Balance due", m(order.payments_summary.remaining_amount)),
    rule,
    center("Thank you for shopping with us"),
    "",
  );
  return lines.join("\n");
}
