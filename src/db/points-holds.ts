/**
 * Points holds (head office): loyalty points a till redeems are taken from
 * the customer's balance before the store's batch, so that racing
 * redemptions in two stores (two databases, no shared transaction) cannot
 * overdraw it. A hold is pending until the store's batch is known to have
 * committed (confirmed) or not (released: the points go back). Every move of
 * the balance has its loyalty_ledger row, so the ledger still sums to it.
 *
 * `ref` is the order number the points were redeemed on.
 */
import { and, asc, eq, lte } from "drizzle-orm";
import { returningRow, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { pointsHolds } from "./schema";

export type PointsHold = Row<typeof pointsHolds>;

export interface NewPointsHold {
  ref: string;
  customerId: number;
  storeId: number;
  points: number;
  userId: number;
  now: string;
  expiresAt: string;
}

/**
 * The hold as statements of a head-office batch that also reads (the sale's
 * first batch), so none of them may fail it: the INSERT happens only when the
 * customer is active and holds the points as the batch runs (nothing is
 * inserted otherwise, and the hold's handle reads undefined); the debit and
 * its ledger row follow only a hold inserted here. The CHECK
 * `customers_points_non_negative` stays the last line of defence.
 */
export function holdPoints(
  d1: D1Database,
  h: NewPointsHold,
): { hold: Statement<PointsHold | undefined>; effects: Statement<D1Result>[] } {
  const hold = returningRow(
    pointsHolds,
    d1
      .prepare(
        `INSERT INTO points_holds (ref, customer_id, store_id, points, status, expires_at, created_at)
         SELECT ?1, c.id, ?3, ?4, 'pending', ?5, ?6 FROM customers c
         WHERE c.id = ?2 AND c.is_active = 1 AND c.loyalty_points >= ?4
         RETURNING *`,
      )
      .bind(h.ref, h.customerId, h.storeId, h.points, h.expiresAt, h.now),
  );
  const debit = statement(
    d1
      .prepare(
        `UPDATE customers SET loyalty_points = loyalty_points - ?3, updated_at = ?4
         WHERE id = ?2 AND EXISTS (SELECT 1 FROM points_holds h WHERE h.ref = ?1 AND h.status = 'pending' AND h.created_at = ?4)`,
      )
      .bind(h.ref, h.customerId, h.points, h.now),
  );
  const ledger = statement(
    d1
      .prepare(
        `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
         SELECT c.id, -h.points, c.loyalty_points, 'Held for ' || h.ref, ?2, NULL, ?3
         FROM points_holds h JOIN customers c ON c.id = h.customer_id
         WHERE h.ref = ?1 AND h.status = 'pending' AND h.created_at = ?3`,
      )
      .bind(h.ref, h.userId, h.now),
  );
  return { hold, effects: [debit, ledger] };
}

/** The store's batch committed: the points are spent for good. Nothing when the hold is no longer pending. */
export const confirmHoldStatement = (d1: D1Database, ref: string, now: string) =>
  returningRow(
    pointsHolds,
    d1
      .prepare(
        "UPDATE points_holds SET status = 'confirmed', settled_at = ?2 WHERE ref = ?1 AND status = 'pending' RETURNING *",
      )
      .bind(ref, now),
  );

/**
 * The store never wrote the sale: the points go back to the customer, with
 * their ledger row, then the hold is marked released. Every statement acts
 * only on a pending hold, so releasing twice (or after a confirm) does nothing.
 */
export function releaseHoldStatements(d1: D1Database, ref: string, now: string): Statement<unknown>[] {
  const pending = "SELECT customer_id, points FROM points_holds WHERE ref = ?1 AND status = 'pending'";
  return [
    statement(
      d1
        .prepare(
          `UPDATE customers SET loyalty_points = loyalty_points + (SELECT points FROM (${pending})), updated_at = ?2
           WHERE id = (SELECT customer_id FROM (${pending}))`,
        )
        .bind(ref, now),
    ),
    statement(
      d1
        .prepare(
          `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
           SELECT c.id, h.points, c.loyalty_points, 'Released: ' || h.ref || ' not sold', NULL, NULL, ?2
           FROM points_holds h JOIN customers c ON c.id = h.customer_id
           WHERE h.ref = ?1 AND h.status = 'pending'`,
        )
        .bind(ref, now),
    ),
    returningRow(
      pointsHolds,
      d1
        .prepare(
          "UPDATE points_holds SET status = 'released', settled_at = ?2 WHERE ref = ?1 AND status = 'pending' RETURNING *",
        )
        .bind(ref, now),
    ),
  ];
}

/** Pending holds whose store batch should long have answered, oldest first (points_holds_pending_idx). */
export const expiredHolds = (db: AppDatabase, now: string, limit: number): Promise<PointsHold[]> =>
  db
    .select()
    .from(pointsHolds)
    .where(and(eq(pointsHolds.status, "pending"), lte(pointsHolds.expiresAt, now)))
    .orderBy(asc(pointsHolds.expiresAt))
    .limit(limit);
