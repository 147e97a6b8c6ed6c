/**
 * The tender a payment or refund puts on a shift, written in that payment's
 * or refund's own batch. The shift is resolved inside the statement, at the
 * moment the batch runs, so a sale racing a close lands either before the
 * close (and is counted in it) or after (and is not): exactly once.
 *
 * Which shift (in this order):
 * - `shiftId` named: that shift while it is open. Once it has ended or closed
 *   the event is late: `late_of_shift_id` names it, and the event counts on
 *   the same drawer's open shift, or waits (`shift_id` null) for that drawer's
 *   next shift to open (services/shifts.ts picks it up).
 * - `drawerId` named: the drawer's open shift.
 * - neither: the shift the acting user has open at this store.
 *
 * No shift found and not late: nothing is written, unless the tender is cash
 * and the store requires a shift for cash (`cash_settings.requires_shift`);
 * then the row is attempted with no shift and the `cash_events_no_open_shift`
 * trigger refuses the whole batch (`NO_OPEN_SHIFT`).
 */
import { type Statement, statement } from "./batch";

export interface TenderEvent {
  kind: "sale" | "refund";
  paymentMethod: string;
  /** Cents: what the payment applied, or what the refund gave back. */
  amount: number;
  /** Cash sales: what was handed over and what went back (null otherwise). */
  tendered: number | null;
  changeGiven: number | null;
  orderId: number;
  userId: number;
  /** Where the request says the money was taken (both optional). */
  place: TenderPlace;
  now: string;
  /** The store's id base (`ctx.store.idBase`): ids come from the store's range. */
  idBase: number;
}

export interface TenderPlace {
  shiftId?: number | null | undefined;
  drawerId?: number | null | undefined;
}

/**
 * INSERT … SELECT the tender's cash event. Add it to the batch right after
 * the payment (or refund) insert: the row it names is that table's newest
 * (ids are MAX + 1 inside the batch). RETURNING the event's id, shift and
 * lateness (no row: nothing to attach to).
 */
export function insertTenderEvent(d1: D1Database, e: TenderEvent): Statement<TenderEventRow | undefined> {
  const cash = e.paymentMethod === "cash";
  const delta = cash ? (e.kind === "sale" ? e.amount : -e.amount) : 0;
  const prepared = d1
    .prepare(
      `WITH named AS (SELECT id, drawer_id, status FROM shifts WHERE id = ?1),
            mine AS (SELECT id, drawer_id FROM shifts WHERE cashier_id = ?3 AND status = 'open'),
            target AS (
              SELECT
                CASE
                  WHEN ?1 IS NOT NULL THEN
                    CASE WHEN (SELECT status FROM named) = 'open' THEN (SELECT id FROM named)
                         ELSE (SELECT id FROM shifts WHERE drawer_id = (SELECT drawer_id FROM named) AND status = 'open') END
                  WHEN ?2 IS NOT NULL THEN (SELECT id FROM shifts WHERE drawer_id = ?2 AND status = 'open')
                  ELSE (SELECT id FROM mine) END AS shift_id,
                CASE
                  WHEN ?1 IS NOT NULL THEN (SELECT drawer_id FROM named)
                  WHEN ?2 IS NOT NULL THEN ?2
                  ELSE (SELECT drawer_id FROM mine) END AS drawer_id,
                CASE WHEN ?1 IS NOT NULL AND (SELECT status FROM named) IN ('ended', 'closed') THEN ?1 END AS late_of
            )
       INSERT INTO cash_events (id, shift_id, drawer_id, kind, payment_method, amount, tendered, change_given,
                                cash_delta, payment_id, refund_id, order_id, user_id, approval, late_of_shift_id, created_at)
       SELECT (SELECT COALESCE(MAX(id), ?13) + 1 FROM cash_events), t.shift_id, t.drawer_id, ?4, ?5, ?6, ?7, ?8, ?9,
              CASE WHEN ?4 = 'sale' THEN (SELECT MAX(id) FROM payments) END,
              CASE WHEN ?4 = 'refund' THEN (SELECT MAX(id) FROM refunds) END,
              ?10, ?3, 'approved', t.late_of, ?11
       FROM target t
       WHERE t.shift_id IS NOT NULL OR t.late_of IS NOT NULL
          OR (?12 = 1 AND (SELECT requires_shift FROM cash_settings WHERE id = 1) = 1)
       RETURNING id, shift_id, drawer_id, late_of_shift_id`,
    )
    .bind(
      e.place.shiftId ?? null,
      e.place.drawerId ?? null,
      e.userId,
      e.kind,
      e.paymentMethod,
      e.amount,
      e.tendered,
      e.changeGiven,
      delta,
      e.orderId,
      e.now,
      cash ? 1 : 0,
      e.idBase,
    );
  return { prepared, decode: (r) => (r.results?.[0] as TenderEventRow | undefined) ?? undefined };
}

/** What `insertTenderEvent` RETURNs. */
export interface TenderEventRow {
  id: number;
  shift_id: number | null;
  drawer_id: number | null;
  late_of_shift_id: number | null;
}

/** The trigger's words when a cash tender found no open shift at a store that requires one. */
export const isNoOpenShift = (error: unknown) => String((error as Error)?.message ?? error).includes("NO_OPEN_SHIFT");

/** Re-exported for services that add the statement without reading its row. */
export const tenderEventStatement = (d1: D1Database, e: TenderEvent) => statement(insertTenderEvent(d1, e).prepared);
