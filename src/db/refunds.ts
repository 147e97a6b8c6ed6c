/**
 * The refunds and refund_items tables' SQL, and what a refund's batch takes
 * back from the order's customer (points, spend). A refund row is found
 * within its own batch by its `stock_ref` (a fresh REF-<uuid> per refund), which
 * is also how a lost answer is looked up afterwards.
 */
import { asc, eq } from "drizzle-orm";
import { returningRow, returningRows, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { refundItems, refunds } from "./schema";

export type Refund = Row<typeof refunds>;
export type RefundItem = Row<typeof refundItems>;

export type NewRefund = Pick<Refund, "paymentId" | "orderId" | "amount" | "reason" | "userId"> & { stockRef: string };

export const insertRefund = (d1: D1Database, r: NewRefund, now: string) =>
  statement(
    d1
      .prepare(
        `INSERT INTO refunds (payment_id, order_id, amount, reason, user_id, stock_ref, points_reversed, points_unreversed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)`,
      )
      .bind(r.paymentId, r.orderId, r.amount, r.reason, r.userId, r.stockRef, now),
  );

/** One returned line of the refund inserted under `ref` in the same batch. */
export const insertRefundItem = (
  d1: D1Database,
  ref: string,
  item: Pick<RefundItem, "orderItemId" | "productId" | "quantity" | "restock">,
): Statement<RefundItem[]> =>
  returningRows(
    refundItems,
    d1
      .prepare(
        `INSERT INTO refund_items (refund_id, order_item_id, product_id, quantity, restock)
         SELECT id, ?2, ?3, ?4, ?5 FROM refunds WHERE stock_ref = ?1 RETURNING *`,
      )
      .bind(ref, item.orderItemId, item.productId, item.quantity, item.restock ? 1 : 0),
  );

export interface CustomerReversal {
  ref: string;
  customerId: number;
  /** Points the refunded money earned; the customer loses as many as they still have. */
  points: number;
  /** Cents off the customer's total spent. */
  amount: number;
  orderId: number;
  orderNumber: string;
  userId: number;
}

/**
 * Takes back the points the refunded money earned, as far as the customer
 * still has them (the refund records what was and was not taken back, and
 * the loyalty ledger the change), and the money from their total spent.
 */
export function reverseCustomer(d1: D1Database, r: CustomerReversal, now: string): Statement<D1Result>[] {
  const points =
    r.points > 0
      ? [
          // Refund and ledger first: they read the balance before the update takes what it can.
          d1
            .prepare(
              `UPDATE refunds SET points_reversed = MIN(?2, (SELECT loyalty_points FROM customers WHERE id = ?3)),
                 points_unreversed = ?2 - MIN(?2, (SELECT loyalty_points FROM customers WHERE id = ?3))
               WHERE stock_ref = ?1`,
            )
            .bind(r.ref, r.points, r.customerId),
          d1
            .prepare(
              `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
               SELECT id, -MIN(loyalty_points, ?2), loyalty_points - MIN(loyalty_points, ?2), 'Reversed: refund on ' || ?3, ?4, ?5, ?6
               FROM customers WHERE id = ?1 AND MIN(loyalty_points, ?2) > 0`,
            )
            .bind(r.customerId, r.points, r.orderNumber, r.userId, r.orderId, now),
          d1
            .prepare(
              "UPDATE customers SET loyalty_points = loyalty_points - MIN(loyalty_points, ?2), updated_at = ?3 WHERE id = ?1",
            )
            .bind(r.customerId, r.points, now),
        ]
      : [];
  const spend = d1
    .prepare("UPDATE customers SET total_spent = MAX(0, total_spent - ?2) WHERE id = ?1")
    .bind(r.customerId, r.amount);
  return [...points, spend].map(statement);
}

/** The refund inserted under `ref`, as the rest of its batch left it. */
export const refundByRef = (d1: D1Database, ref: string) =>
  returningRow(refunds, d1.prepare("SELECT * FROM refunds WHERE stock_ref = ?1").bind(ref));

/** Whether the refund under `ref` landed (the probe of a batch whose answer was lost). */
export const refundLanded = (d1: D1Database, ref: string) =>
  d1.prepare("SELECT 1 AS found FROM refunds WHERE stock_ref = ?1").bind(ref).first();

export const findRefundIdByRef = async (db: AppDatabase, ref: string) =>
  (await db.select({ id: refunds.id }).from(refunds).where(eq(refunds.stockRef, ref)).get())?.id;

/** A refund and its returned lines (in the order they were listed), in one round trip. */
export async function findRefund(db: AppDatabase, id: number): Promise<{ refund: Refund; items: RefundItem[] } | null> {
  const [found, items] = await db.batch([
    db.select().from(refunds).where(eq(refunds.id, id)),
    db.select().from(refundItems).where(eq(refundItems.refundId, id)).orderBy(asc(refundItems.id)),
  ]);
  const refund = found[0];
  return refund ? { refund, items } : null;
}

/** An order's refunds as documents print them (amount in cents, reason, when), oldest first. */
export const refundsOfOrder = (db: AppDatabase, orderId: number) =>
  db
    .select({ amount: refunds.amount, reason: refunds.reason, createdAt: refunds.createdAt })
    .from(refunds)
    .where(eq(refunds.orderId, orderId))
    .orderBy(asc(refunds.id));
