/**
 * Loyalty points as an order's batch moves them: the customer's running
 * balance (`customers.loyalty_points`, through `addPoints`) and its ledger row
 * naming the order, written together. The CHECK `customers_points_non_negative`
 * refuses a balance below zero, so a racing redemption that spent the points
 * first fails the whole batch.
 */
import { type Statement, statement } from "./batch";
import { addPoints } from "./customers";

export interface OrderPoints {
  customerId: number;
  points: number;
  /** The order (inserted earlier in the same batch, for a sale). */
  orderNumber: string;
  userId: number;
  now: string;
}

/** The balance moves by `delta`, and the ledger row records it with the balance it left. */
const movePoints = (d1: D1Database, p: OrderPoints, delta: number, reason: string): Statement<D1Result>[] => [
  addPoints(d1, p.customerId, delta, p.now),
  statement(
    d1
      .prepare(
        `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
         SELECT c.id, ?2, c.loyalty_points, ?3, ?4, o.id, ?5
         FROM customers c JOIN orders o ON o.order_number = ?6 WHERE c.id = ?1`,
      )
      .bind(p.customerId, delta, reason, p.userId, p.now, p.orderNumber),
  ),
];

/** Spends `points` on the order being sold. */
export const redeemPoints = (d1: D1Database, p: OrderPoints) =>
  movePoints(d1, p, -p.points, `Redeemed on ${p.orderNumber}`);

/** Gives back the points redeemed on an order that is being cancelled. */
export const returnRedeemedPoints = (d1: D1Database, p: OrderPoints) =>
  movePoints(d1, p, p.points, `Returned: ${p.orderNumber} cancelled`);
