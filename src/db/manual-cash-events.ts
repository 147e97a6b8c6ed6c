/**
 * The cash events a person records on a shift (paid in, paid out, drop,
 * no-sale) and the approval of a paid-out. Tenders (sales, refunds) are
 * written by db/cash-events.ts in their payment's batch.
 */
import { returningRow } from "./batch";
import { readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { cashEvents } from "./schema";

export type CashEvent = Row<typeof cashEvents>;
export type ManualKind = "paid_in" | "paid_out" | "drop" | "no_sale";

const SIGN: Record<ManualKind, number> = { paid_in: 1, paid_out: -1, drop: -1, no_sale: 0 };

export interface NewManualEvent {
  shiftId: number;
  kind: ManualKind;
  /** Cents (0 for a no-sale). */
  amount: number;
  reason: string | null;
  userId: number;
  /** The recorder's role may let a paid-out of any size count at once (shifts:manage). */
  approvesOwnPaidOut: boolean;
}

/**
 * Records the event on the shift while it is open. A shift that has ended or
 * closed never changes: an event for it (an offline till catching up, a
 * retry after the close) is late, like a late tender (db/cash-events.ts): it
 * counts on the drawer's open shift as an adjustment, `late_of_shift_id`
 * naming the shift it happened in, or waits (`shift_id` null) for the
 * drawer's next shift to open. Both are resolved as the statement runs, so an
 * event racing the end lands on the shift or late for it, never on an ended
 * shift. A paid-out above the store's threshold by someone who cannot approve
 * it waits (`pending`) and does not count until a manager approves it; the
 * threshold is read as the statement runs. No row: no such shift.
 */
export const insertManualEvent = (d1: D1Database, e: NewManualEvent, now: string, idBase: number) =>
  returningRow(
    cashEvents,
    d1
      .prepare(
        `WITH named AS (SELECT id, drawer_id, status FROM shifts WHERE id = ?1)
         INSERT INTO cash_events (id, shift_id, drawer_id, kind, amount, cash_delta, user_id, reason, approval,
                                  late_of_shift_id, created_at)
         SELECT (SELECT COALESCE(MAX(id), ?8) + 1 FROM cash_events),
                CASE WHEN n.status = 'open' THEN n.id
                     ELSE (SELECT id FROM shifts WHERE drawer_id = n.drawer_id AND status = 'open') END,
                n.drawer_id, ?2, ?3, ?4, ?5, ?6,
                CASE WHEN ?2 = 'paid_out' AND ?7 = 0
                      AND ?3 > (SELECT paid_out_approval_threshold FROM cash_settings WHERE id = 1)
                     THEN 'pending' ELSE 'approved' END,
                CASE WHEN n.status = 'open' THEN NULL ELSE n.id END,
                ?9
         FROM named n
         RETURNING *`,
      )
      .bind(
        e.shiftId,
        e.kind,
        e.amount,
        SIGN[e.kind] * e.amount,
        e.userId,
        e.reason,
        e.approvesOwnPaidOut ? 1 : 0,
        idBase,
        now,
      ),
  );

/**
 * Fails the batch (through the amount's CHECK) when the event is no longer
 * pending: a racing decision committed first, and this one's
 * Idempotency-Key must not be claimed for a decision it did not make.
 */
export const stillPending = (d1: D1Database, eventId: number) =>
  d1.prepare("UPDATE cash_events SET amount = -1 WHERE id = ?1 AND approval != 'pending'").bind(eventId);

/** The CHECK `stillPending` trips. */
export const NO_LONGER_PENDING = "cash_events_amount_non_negative";

/** Approves or rejects a pending event of the shift, counted on it or late for it (no row: it was not pending, or is not the shift's). */
export const decidePending = (
  d1: D1Database,
  shiftId: number,
  eventId: number,
  decision: "approved" | "rejected",
  userId: number,
  now: string,
) =>
  returningRow(
    cashEvents,
    d1
      .prepare(
        `UPDATE cash_events SET approval = ?3, approved_by = ?4, approved_at = ?5
         WHERE id = ?2 AND (shift_id = ?1 OR late_of_shift_id = ?1) AND approval = 'pending' RETURNING *`,
      )
      .bind(shiftId, eventId, decision, userId, now),
  );

export async function findShiftEvent(d1: D1Database, shiftId: number, eventId: number): Promise<CashEvent | undefined> {
  const raw = await d1
    .prepare("SELECT * FROM cash_events WHERE id = ?1 AND (shift_id = ?2 OR late_of_shift_id = ?2)")
    .bind(eventId, shiftId)
    .first();
  return raw ? decodeRow(cashEvents, raw) : undefined;
}

/**
 * The events counted on a shift and those that happened in it but arrived
 * late, oldest first; with `onlyMovementsOf`, only the paid-ins, paid-outs,
 * drops and no-sales that user recorded (a blind closer's view).
 */
export function pageOfShiftEvents(
  d1: D1Database,
  shiftId: number,
  page: { skip: number; limit: number },
  onlyMovementsOf?: number,
) {
  const where = new Where().and((p) => `(e.shift_id = ${p} OR e.late_of_shift_id = ${p})`, shiftId);
  if (onlyMovementsOf !== undefined) {
    where.and((p) => `e.kind NOT IN ('sale', 'refund') AND e.user_id = ${p}`, onlyMovementsOf);
  }
  return readPage(d1, {
    select: "SELECT e.* FROM cash_events e",
    from: "FROM cash_events e",
    where,
    orderBy: "e.id",
    skip: page.skip,
    limit: page.limit,
    decode: (raw) => decodeRow(cashEvents, raw),
  });
}
