/**
 * The shift reports' SQL (store database): what an X- or Z-report sums over
 * one shift's cash events, the orders those sales belong to, the late events
 * flagged on it, and the closed shifts of a period (cash variance, the daily
 * report). Raw SQL on purpose: GROUP BY in D1, never a shift's events loaded
 * into the Worker to be added up. Money in cents.
 */
import { returningShape, type Statement } from "./batch";

/**
 * The shift's events summed per kind, tender and approval: sales and refunds
 * per payment method, paid in / out, drops and no-sales per approval state.
 * `tendered` and `change` are the cash handed over and given back on cash
 * sales. (Expected cash so far is the shift row's own sum: db/shifts.ts.)
 */
export interface EventTotalRow {
  kind: "sale" | "refund" | "paid_in" | "paid_out" | "drop" | "no_sale";
  payment_method: string | null;
  approval: "approved" | "pending" | "rejected";
  count: number;
  amount: number;
  tendered: number;
  change: number;
}

export const shiftEventTotals = (d1: D1Database, shiftId: number): Statement<EventTotalRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT kind, payment_method, approval, COUNT(*) AS count, SUM(amount) AS amount,
                COALESCE(SUM(tendered), 0) AS tendered, COALESCE(SUM(change_given), 0) AS change
         FROM cash_events WHERE shift_id = ?1
         GROUP BY kind, payment_method, approval
         ORDER BY kind, payment_method, approval`,
      )
      .bind(shiftId),
  );

/** A cash movement still waiting for a manager (listed on the X-report: the close is refused until it is settled). */
export interface PendingMovementRow {
  id: number;
  kind: string;
  amount: number;
  reason: string | null;
  user_id: number;
  created_at: string;
}

export const pendingMovements = (d1: D1Database, shiftId: number): Statement<PendingMovementRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT id, kind, amount, reason, user_id, created_at FROM cash_events
         WHERE shift_id = ?1 AND approval = 'pending' ORDER BY id`,
      )
      .bind(shiftId),
  );

/** Discounts and tax of the orders a shift completed (see `shiftOrderTotals`). */
export interface ShiftOrdersRow {
  orders: number;
  subtotal: number;
  discount: number;
  points_discount: number;
  tax: number;
  total: number;
}

/**
 * The orders a shift completed: those whose completing payment (their last
 * one taken) counts on it. Each order is on one shift however its tenders
 * were split, and a completed order's figures never change (edits need a
 * pending order), so a closed shift's Z-report stays as it was printed.
 */
export const shiftOrderTotals = (d1: D1Database, shiftId: number): Statement<ShiftOrdersRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT COUNT(*) AS orders, COALESCE(SUM(subtotal), 0) AS subtotal, COALESCE(SUM(discount), 0) AS discount,
                COALESCE(SUM(points_discount), 0) AS points_discount, COALESCE(SUM(tax), 0) AS tax,
                COALESCE(SUM(total), 0) AS total
         FROM orders
         WHERE status IN ('completed', 'refunded') AND id IN (
           SELECT e.order_id FROM cash_events e
           WHERE e.shift_id = ?1 AND e.kind = 'sale'
             AND e.payment_id = (SELECT MAX(p.id) FROM payments p
                                 WHERE p.order_id = e.order_id AND p.status NOT IN ('pending', 'failed')))`,
      )
      .bind(shiftId),
  );

/**
 * Late events about the shift, both ways: those that happened on it but
 * reached the store after it stopped selling (`late_of_shift_id` = it; they
 * count on `shift_id`, or wait with none), and those counted on it that
 * belong to an earlier shift (`shift_id` = it, `late_of_shift_id` set).
 */
export interface LateEventRow {
  id: number;
  kind: string;
  payment_method: string | null;
  amount: number;
  cash_delta: number;
  shift_id: number | null;
  late_of_shift_id: number;
  payment_id: number | null;
  refund_id: number | null;
  created_at: string;
}

export const lateEventsOfShift = (d1: D1Database, shiftId: number): Statement<LateEventRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT id, kind, payment_method, amount, cash_delta, shift_id, late_of_shift_id, payment_id, refund_id, created_at
         FROM cash_events WHERE late_of_shift_id = ?1
         UNION ALL
         SELECT id, kind, payment_method, amount, cash_delta, shift_id, late_of_shift_id, payment_id, refund_id, created_at
         FROM cash_events WHERE shift_id = ?1 AND late_of_shift_id IS NOT NULL
         ORDER BY id`,
      )
      .bind(shiftId),
  );

/**
 * Closed shifts' variance over a period of close instants (`?1` start, `?2`
 * end exclusive), per cashier or for the whole store. `worst_variance` is the
 * signed variance of largest size and `worst_shift_id` its shift (SQLite
 * takes the bare columns from the row that holds the MAX).
 */
export interface VarianceGroupRow {
  cashier_id: number | null;
  shifts: number;
  expected: number;
  counted: number;
  variance: number;
  absolute_variance: number;
  shifts_with_variance: number;
  worst_variance: number;
  worst_shift_id: number;
  worst_size: number;
}

export const closedShiftVariance = (
  d1: D1Database,
  period: { start: string; end: string },
  groupBy: "cashier" | "store",
): Statement<VarianceGroupRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT ${groupBy === "cashier" ? "cashier_id" : "NULL"} AS cashier_id, COUNT(*) AS shifts,
                SUM(expected_cash) AS expected, SUM(counted_cash) AS counted, SUM(variance) AS variance,
                SUM(ABS(variance)) AS absolute_variance, SUM(variance != 0) AS shifts_with_variance,
                variance AS worst_variance, id AS worst_shift_id, MAX(ABS(variance)) AS worst_size
         FROM shifts
         WHERE status = 'closed' AND closed_at >= ?1 AND closed_at < ?2
         ${groupBy === "cashier" ? "GROUP BY cashier_id" : ""}
         ${groupBy === "cashier" ? "ORDER BY SUM(ABS(variance)) DESC, cashier_id" : ""}`,
      )
      .bind(period.start, period.end),
  );

/** A closed shift as the daily report lists it. */
export interface ClosedShiftRow {
  id: number;
  drawer_id: number;
  drawer_name: string;
  cashier_id: number;
  z_number: number;
  opened_at: string;
  closed_at: string;
  expected_cash: number;
  counted_cash: number;
  variance: number;
  variance_reason: string | null;
}

/** The shifts closed in a period (close instants, end exclusive), in Z order. */
export const closedShiftsBetween = (d1: D1Database, period: { start: string; end: string }) =>
  returningShape<ClosedShiftRow>(
    d1
      .prepare(
        `SELECT s.id, s.drawer_id, d.name AS drawer_name, s.cashier_id, s.z_number, s.opened_at, s.closed_at,
                s.expected_cash, s.counted_cash, s.variance, s.variance_reason
         FROM shifts s JOIN cash_drawers d ON d.id = s.drawer_id
         WHERE s.status = 'closed' AND s.closed_at >= ?1 AND s.closed_at < ?2
         ORDER BY s.z_number`,
      )
      .bind(period.start, period.end),
  );

/** Staff names for ids a store statement found (head office). */
export interface StaffNameRow {
  id: number;
  username: string;
  full_name: string | null;
}

export const staffNamesOf = (hq: D1Database, ids: number[]): Statement<StaffNameRow[]> =>
  returningShape(
    hq
      .prepare("SELECT id, username, full_name FROM users WHERE id IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify([...new Set(ids)])),
  );
