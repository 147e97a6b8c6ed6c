/**
 * Loyalty points as store events move them at the head office: each
 * customer's running balance (`customers.loyalty_points`) and its ledger row,
 * written together. Redemption at a till is a points hold (points-holds.ts);
 * what orders and refunds do to a customer arrives as store events, applied
 * by the statements below (outbox/apply.ts).
 */

// ─── Store events applied at the head office (outbox/apply.ts) ──────────────
// Each list below runs in the consumer's batch, after the statement that
// records the event id: a second delivery fails that statement, so none of
// these run twice. A customer that no longer exists is simply not touched.

/** What every store event about an order's customer names. */
export interface CustomerEvent {
  customerId: number;
  orderId: number;
  orderNumber: string;
  /** Who rang it up, for the ledger (null when the head office no longer has them). */
  userId: number | null;
  /** When it happened at the store: the ledger row's date. */
  at: string;
  /** When the head office applied it: the customer's `updated_at`. */
  now: string;
}

/**
 * A ledger row about the customer's row as it is when this statement runs
 * (`c`): SQL for its delta, the balance it leaves and its reason, with
 * parameters from ?5 on.
 */
const ledgerRow = (
  d1: D1Database,
  e: CustomerEvent,
  sql: { delta: string; balanceAfter: string; reason: string },
  ...params: unknown[]
) =>
  d1
    .prepare(
      `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
       SELECT c.id, ${sql.delta}, ${sql.balanceAfter}, ${sql.reason}, (SELECT u.id FROM users u WHERE u.id = ?2), ?3, ?4
       FROM customers c WHERE c.id = ?1`,
    )
    .bind(e.customerId, e.userId, e.orderId, e.at, ...params);

/** Written after the update that moved the balance: the row's balance is the customer's now. */
const after = (reason: string) => ({ delta: "?5", balanceAfter: "c.loyalty_points", reason });

/** A completed order: its total joins the customer's spend and its points their balance (ledger row when any). */
export function creditCompletedOrder(
  d1: D1Database,
  e: CustomerEvent & { total: number; pointsEarned: number },
): D1PreparedStatement[] {
  const credit = d1
    .prepare(
      "UPDATE customers SET total_spent = total_spent + ?2, loyalty_points = loyalty_points + ?3, updated_at = ?4 WHERE id = ?1",
    )
    .bind(e.customerId, e.total, e.pointsEarned, e.now);
  if (e.pointsEarned <= 0) return [credit];
  return [credit, ledgerRow(d1, e, after("'Earned on ' || ?6"), e.pointsEarned, e.orderNumber)];
}

/** A cancelled order gives back the points redeemed on it. */
export const returnCancelledRedemption = (d1: D1Database, e: CustomerEvent & { points: number }) => [
  d1
    .prepare("UPDATE customers SET loyalty_points = loyalty_points + ?2, updated_at = ?3 WHERE id = ?1")
    .bind(e.customerId, e.points, e.now),
  ledgerRow(d1, e, after("'Returned on cancel of ' || ?6"), e.points, e.orderNumber),
];

/**
 * A refund takes back the points its money earned, as far as the customer
 * still has them: the ledger row (written first, from the balance before)
 * says how many were taken and how many could not be, having been spent.
 * With `reversesSpend` (the order had completed, so its money was counted)
 * the amount leaves the total spent, never below zero.
 */
export function reverseRefund(
  d1: D1Database,
  e: CustomerEvent & { amount: number; points: number; reversesSpend: boolean },
): D1PreparedStatement[] {
  // Written before the update, from the balance it will take the points from.
  // D1 binds numbers as REAL: cast, or the reason would print "90.0 points".
  const points = "CAST(?5 AS INTEGER)";
  const taken = `MIN(c.loyalty_points, ${points})`;
  const ledger =
    e.points > 0
      ? [
          ledgerRow(
            d1,
            e,
            {
              delta: `-${taken}`,
              balanceAfter: `c.loyalty_points - ${taken}`,
              reason: `'Reversed: refund on ' || ?6 || CASE WHEN c.loyalty_points < ${points}
                THEN ' (' || (${points} - c.loyalty_points) || ' of ' || ${points} || ' points not reversed: already spent)'
                ELSE '' END`,
            },
            e.points,
            e.orderNumber,
          ),
        ]
      : [];
  const customer = d1
    .prepare(
      `UPDATE customers SET loyalty_points = loyalty_points - MIN(loyalty_points, ?2),
         total_spent = total_spent - MIN(total_spent, ?3), updated_at = ?4 WHERE id = ?1`,
    )
    .bind(e.customerId, e.points, e.reversesSpend ? e.amount : 0, e.now);
  return [...ledger, customer];
}
