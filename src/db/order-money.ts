/**
 * The reads and statements that money protocols (payments, refunds) run on
 * an order's row and on its lines' refunded quantities. The order's own
 * statements that a payment shares with other protocols (`orderGuard`,
 * `addPaid`, `completeIfPaid`) are in ./orders.ts; what only money moves
 * is here.
 */
import { asc, eq } from "drizzle-orm";
import { returningRow, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { orderGuard } from "./orders";
import type { Row } from "./rows";
import { orderItems, orders } from "./schema";

type OrderRow = Row<typeof orders>;

/** What a payment needs to know about the order it pays. */
export type OrderMoney = Pick<OrderRow, "id" | "orderNumber" | "status" | "total" | "paidAmount" | "userId">;

const moneyColumns = {
  id: orders.id,
  orderNumber: orders.orderNumber,
  status: orders.status,
  total: orders.total,
  paidAmount: orders.paidAmount,
  userId: orders.userId,
};

export const findOrderMoney = (db: AppDatabase, orderId: number): Promise<OrderMoney | undefined> =>
  db.select(moneyColumns).from(orders).where(eq(orders.id, orderId)).get();

/** The order's money as the batch left it (its last statement on the order). */
export type OrderBalance = Pick<OrderRow, "status" | "total" | "paidAmount">;

export const orderBalanceAfter = (d1: D1Database, orderId: number): Statement<OrderBalance | undefined> =>
  returningRow<typeof orders, OrderBalance>(
    orders,
    d1.prepare("SELECT status, total, paid_amount FROM orders WHERE id = ?1").bind(orderId),
  );

/** What a refund is planned on: the order's status, customer and points, and its lines (money in cents). */
export type RefundableOrder = Pick<
  OrderRow,
  "id" | "orderNumber" | "status" | "customerId" | "total" | "pointsEarned"
> & {
  lines: Pick<Row<typeof orderItems>, "id" | "productId" | "quantity" | "refundedQuantity" | "subtotal">[];
};

/** The order and its lines in one round trip (one D1 batch). */
export async function findRefundableOrder(db: AppDatabase, orderId: number): Promise<RefundableOrder | undefined> {
  const [found, lines] = await db.batch([
    db
      .select({
        id: orders.id,
        orderNumber: orders.orderNumber,
        status: orders.status,
        customerId: orders.customerId,
        total: orders.total,
        pointsEarned: orders.pointsEarned,
      })
      .from(orders)
      .where(eq(orders.id, orderId)),
    db
      .select({
        id: orderItems.id,
        productId: orderItems.productId,
        quantity: orderItems.quantity,
        refundedQuantity: orderItems.refundedQuantity,
        subtotal: orderItems.subtotal,
      })
      .from(orderItems)
      .where(eq(orderItems.orderId, orderId))
      .orderBy(asc(orderItems.id)),
  ]);
  const order = found[0];
  return order && { ...order, lines };
}

export const findOrderStatus = async (db: AppDatabase, orderId: number) =>
  (await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get())?.status;

/*
 * Guards (for `batch.guard`): each fails the batch when the order no longer
 * holds what the money was planned on (see `orderGuard`).
 */

/** Fails unless the order is still pending (paying a completed, cancelled or refunded order). */
export const unlessPending = (d1: D1Database, orderId: number) => orderGuard(d1, orderId, "status != 'pending'");

/** Fails unless the order still owes exactly `owed` cents (cash change was worked out from it). */
export const unlessOwing = (d1: D1Database, orderId: number, owed: number) =>
  orderGuard(d1, orderId, "total - paid_amount != ?2", owed);

/** Fails unless the order's status is still `status` (what a refund reverses depends on it). */
export const unlessStatus = (d1: D1Database, orderId: number, status: string) =>
  orderGuard(d1, orderId, "status != ?2", status);

/** The refunded money leaves the paid amount and joins the refunded amount. */
export const takeBackPaid = (d1: D1Database, orderId: number, amount: number, now: string) =>
  statement(
    d1
      .prepare(
        "UPDATE orders SET paid_amount = paid_amount - ?2, refunded_amount = refunded_amount + ?2, updated_at = ?3 WHERE id = ?1",
      )
      .bind(orderId, amount, now),
  );

/** All money taken has come back: a completed order becomes refunded (the status trigger checks the transition). */
export const refundedWhenNothingPaid = (d1: D1Database, orderId: number, now: string) =>
  statement(
    d1
      .prepare(
        "UPDATE orders SET status = 'refunded', updated_at = ?2 WHERE id = ?1 AND status = 'completed' AND paid_amount = 0",
      )
      .bind(orderId, now),
  );

/** The order's status as the batch left it. */
export const orderStatusAfter = (d1: D1Database, orderId: number) =>
  returningRow<typeof orders, Pick<OrderRow, "status">>(
    orders,
    d1.prepare("SELECT status FROM orders WHERE id = ?1").bind(orderId),
  );

/** Counts units of a line as refunded (the CHECK `order_items_refunded_within_quantity` caps them). */
export const addRefundedQuantity = (d1: D1Database, orderItemId: number, quantity: number) =>
  statement(
    d1
      .prepare("UPDATE order_items SET refunded_quantity = refunded_quantity + ?2 WHERE id = ?1")
      .bind(orderItemId, quantity),
  );
