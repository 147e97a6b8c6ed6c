/**
 * The refunds and refund_items tables' SQL (a store's database). What a
 * refund takes back from the order's customer (points, spend) travels to the
 * head office through the store's outbox. A refund row is found
 * within its own batch by its `stock_ref` (a fresh REF-<uuid> per refund), which
 * is also how a lost answer is looked up afterwards.
 */
import { asc, eq } from "drizzle-orm";
import { returningRow, returningRows, type Statement, statement } from "./batch";
import { type TenderShift, tenderShiftOf } from "./cash-events";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { cashEvents, refundItems, refunds } from "./schema";

export type Refund = Row<typeof refunds>;
export type RefundItem = Row<typeof refundItems>;

export type NewRefund = Pick<Refund, "paymentId" | "orderId" | "amount" | "reason" | "userId" | "pointsReversed"> & {
  stockRef: string;
};

/**
 * Inserts a refund with the next id of the store's range (`idBase`). Its
 * `points_reversed` is what the refund plan takes back; the store's
 * `refunds_outbox` trigger turns the row into a `refund.created` event, and
 * the head office takes back what the customer still has (outbox/apply.ts),
 * recording in the loyalty ledger what had already been spent.
 */
export const insertRefund = (d1: D1Database, r: NewRefund, now: string, idBase: number) =>
  statement(
    d1
      .prepare(
        `INSERT INTO refunds (id, payment_id, order_id, amount, reason, user_id, stock_ref, points_reversed, points_unreversed, created_at)
         VALUES ((SELECT COALESCE(MAX(id), ?9) + 1 FROM refunds), ?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)`,
      )
      .bind(r.paymentId, r.orderId, r.amount, r.reason, r.userId, r.stockRef, r.pointsReversed, now, idBase),
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

/** The refund inserted under `ref`, as the rest of its batch left it. */
export const refundByRef = (d1: D1Database, ref: string) =>
  returningRow(refunds, d1.prepare("SELECT * FROM refunds WHERE stock_ref = ?1").bind(ref));

/** Whether the refund under `ref` landed (the probe of a batch whose answer was lost). */
export const refundLanded = (d1: D1Database, ref: string) =>
  d1.prepare("SELECT 1 AS found FROM refunds WHERE stock_ref = ?1").bind(ref).first();

export const findRefundIdByRef = async (db: AppDatabase, ref: string) =>
  (await db.select({ id: refunds.id }).from(refunds).where(eq(refunds.stockRef, ref)).get())?.id;

/** A refund, its returned lines (in the order they were listed) and the shift its tender counted on, in one round trip. */
export async function findRefund(
  db: AppDatabase,
  id: number,
): Promise<{ refund: Refund; items: RefundItem[]; tender: TenderShift } | null> {
  const [found, items, events] = await db.batch([
    db.select().from(refunds).where(eq(refunds.id, id)),
    db.select().from(refundItems).where(eq(refundItems.refundId, id)).orderBy(asc(refundItems.id)),
    // One event per refund at most (unique index on refund_id).
    db
      .select({ shift_id: cashEvents.shiftId, late_of_shift_id: cashEvents.lateOfShiftId })
      .from(cashEvents)
      .where(eq(cashEvents.refundId, id)),
  ]);
  const refund = found[0];
  return refund ? { refund, items, tender: tenderShiftOf(events[0]) } : null;
}

/** An order's refunds as documents print them (amount in cents, reason, when), oldest first. */
export const refundsOfOrder = (db: AppDatabase, orderId: number) =>
  db
    .select({ amount: refunds.amount, reason: refunds.reason, createdAt: refunds.createdAt })
    .from(refunds)
    .where(eq(refunds.orderId, orderId))
    .orderBy(asc(refunds.id));
