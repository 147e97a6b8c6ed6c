/**
 * Loyalty points as an order's batch moves them: the customer's running
 * balance (`customers.loyalty_points`) and its ledger row, written together.
 * The CHECK `customers_points_non_negative` refuses a balance below zero, so a
 * racing redemption that spent the points first fails the whole batch.
 */
import { type Statement, statement } from "./batch";

export interface Redemption {
  customerId: number;
  points: number;
  /** The order being inserted earlier in the same batch. */
  orderNumber: string;
  userId: number;
  now: string;
}

/** Spends `points` on the order `orderNumber` (inserted before these in the batch). */
export const redeemPoints = (d1: D1Database, r: Redemption): Statement<D1Result>[] => [
  statement(
    d1
      .prepare("UPDATE customers SET loyalty_points = loyalty_points - ?2, updated_at = ?3 WHERE id = ?1")
      .bind(r.customerId, r.points, r.now),
  ),
  statement(
    d1
      .prepare(
        `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
         SELECT c.id, -?2, c.loyalty_points, 'Redeemed on ' || ?3, ?4, o.id, ?5
         FROM customers c JOIN orders o ON o.order_number = ?3 WHERE c.id = ?1`,
      )
      .bind(r.customerId, r.points, r.orderNumber, r.userId, r.now),
  ),
];

/** Gives back the points redeemed on an order that is being cancelled. */
export const returnRedeemedPoints = (d1: D1Database, r: Redemption & { orderId: number }): Statement<D1Result>[] => [
  statement(
    d1
      .prepare("UPDATE customers SET loyalty_points = loyalty_points + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(r.customerId, r.points, r.now),
  ),
  statement(
    d1
      .prepare(
        `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
         SELECT id, ?2, loyalty_points, 'Returned: ' || ?3 || ' cancelled', ?4, ?5, ?6 FROM customers WHERE id = ?1`,
      )
      .bind(r.customerId, r.points, r.orderNumber, r.userId, r.orderId, r.now),
  ),
];
