/**
 * What a refund may give back, in integer cents: never more than its payment
 * still holds, never more of a line than is still out, and, for returned
 * items, their value after the line's discount, pro rata. Also how many of the
 * points the order earned the refunded money takes back. Pure: the service
 * maps a refusal to its HTTP answer (and the request path it names).
 */

/** Payment statuses a refund can start from. */
export const canRefund = (paymentStatus: string) =>
  paymentStatus === "completed" || paymentStatus === "partially_refunded";

export interface RefundableLine {
  id: number;
  productId: number;
  quantity: number;
  refundedQuantity: number;
  /** The line's value after its discount, in cents. */
  subtotal: number;
}

export interface RefundOrder {
  status: string;
  customerId: number | null;
  total: number;
  pointsEarned: number;
  lines: RefundableLine[];
}

export interface RefundRequest {
  /** Cents; default: all that remains refundable, or the returned items' value. */
  amount?: number | undefined;
  items?: { orderItemId: number; quantity: number; restock?: boolean | undefined }[] | undefined;
}

export interface PlannedLine {
  orderItemId: number;
  productId: number;
  quantity: number;
  restock: boolean;
}

export interface RefundPlan {
  amount: number;
  lines: PlannedLine[];
  /** Points the refunded money takes back from the customer (0 unless the order completed with a customer). */
  points: number;
  /** Whether the customer's points and spend are reversed (the order completed with a customer). */
  reversesCustomer: boolean;
}

export type RefundRefusal =
  /** `index` is the position of the offending entry in `items`. */
  | { kind: "unknown_item"; index: number; orderItemId: number }
  | { kind: "item_twice"; index: number }
  | { kind: "quantity_above_left"; index: number; left: number }
  | { kind: "nothing_refundable" }
  | { kind: "exceeds_refundable"; refundable: number };

export type RefundPlanResult = { ok: true; plan: RefundPlan } | { ok: false; refusal: RefundRefusal };

/** The value of `quantity` units of a line: its subtotal (after discount), pro rata, rounded to the cent. */
export const returnedValue = (line: Pick<RefundableLine, "quantity" | "subtotal">, quantity: number) =>
  Math.round((line.subtotal * quantity) / line.quantity);

function planLines(
  order: RefundOrder,
  items: NonNullable<RefundRequest["items"]>,
): { ok: true; lines: PlannedLine[]; value: number } | { ok: false; refusal: RefundRefusal } {
  const byId = new Map(order.lines.map((line) => [line.id, line]));
  const seen = new Set<number>();
  const lines: PlannedLine[] = [];
  let value = 0;
  for (const [index, item] of items.entries()) {
    const line = byId.get(item.orderItemId);
    if (!line) return { ok: false, refusal: { kind: "unknown_item", index, orderItemId: item.orderItemId } };
    if (seen.has(item.orderItemId)) return { ok: false, refusal: { kind: "item_twice", index } };
    seen.add(item.orderItemId);
    const left = line.quantity - line.refundedQuantity;
    if (item.quantity > left) return { ok: false, refusal: { kind: "quantity_above_left", index, left } };
    value += returnedValue(line, item.quantity);
    lines.push({
      orderItemId: line.id,
      productId: line.productId,
      quantity: item.quantity,
      restock: item.restock ?? false,
    });
  }
  return { ok: true, lines, value };
}

/**
 * Plans a refund of a payment that took `payment.amount` and has given back
 * `payment.refundedAmount`, on `order` as read.
 */
export function planRefund(
  payment: { amount: number; refundedAmount: number },
  order: RefundOrder,
  request: RefundRequest,
): RefundPlanResult {
  const refundable = payment.amount - payment.refundedAmount;
  const items = request.items ?? [];
  const planned = planLines(order, items);
  if (!planned.ok) return planned;
  const amount = request.amount ?? (items.length ? Math.min(refundable, planned.value) : refundable);
  if (amount <= 0) return { ok: false, refusal: { kind: "nothing_refundable" } };
  if (amount > refundable) return { ok: false, refusal: { kind: "exceeds_refundable", refundable } };
  const reversesCustomer = order.status === "completed" && order.customerId !== null;
  const points = reversesCustomer && order.total > 0 ? Math.floor((order.pointsEarned * amount) / order.total) : 0;
  return { ok: true, plan: { amount, lines: planned.lines, points, reversesCustomer } };
}
