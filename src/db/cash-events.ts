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
import type { Statement } from "./batch";

export interface TenderEvent {
  kind: "sale" | "refund";
  paymentMethod: string;
  /** Cents: what the payment applied, or what the refund gave back. */
  amount: number;
  /** Cash sales: what was handed over and what went back (null otherwise). */
  tendered: number | null;
  changeGiven: number | null;
  orderId: number;
  /**
   * A sale's payment, named when it was inserted by an earlier request (a
   * pending payment confirmed later). Omitted: the payments table's newest
   * row, which right after the payment's insert in the same batch is that
   * payment (ids are MAX + 1, and the batch is one transaction).
   */
  paymentId?: number | undefined;
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
 * INSERT … SELECT the tender's cash event. Add it to the batch after the
 * payment (or refund) insert, before any other insert into that table: the
 * row it names is that table's newest (ids are MAX + 1 inside the batch; an
 * O(1) rowid lookup, where the refund's unindexed stock_ref would scan), or
 * the payment `paymentId` names. RETURNING the event's id, shift and
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
              CASE WHEN ?4 = 'sale' THEN COALESCE(?14, (SELECT MAX(id) FROM payments)) END,
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
      e.paymentId ?? null,
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

/** Where a tender counted: the shift, and the shift it was late for (both null: on no shift). */
export interface TenderShift {
  shiftId: number | null;
  lateOfShiftId: number | null;
}

export const NO_TENDER_SHIFT: TenderShift = { shiftId: null, lateOfShiftId: null };

export const tenderShiftOf = (row: Pick<TenderEventRow, "shift_id" | "late_of_shift_id"> | undefined): TenderShift =>
  row ? { shiftId: row.shift_id, lateOfShiftId: row.late_of_shift_id } : NO_TENDER_SHIFT;

/** A payment's tender event as the batch left it (a SELECT added after the event's insert; no row: none). */
export const paymentTenderShift = (d1: D1Database, paymentId: number): Statement<TenderShift> => ({
  prepared: d1.prepare("SELECT shift_id, late_of_shift_id FROM cash_events WHERE payment_id = ?1").bind(paymentId),
  decode: (r) => tenderShiftOf(r.results?.[0] as TenderEventRow | undefined),
});

/** What the store says about the drawer and shift a request names (nulls: not named, or not in this store). */
export interface TenderPlaceFound {
  /** The named drawer's `active` (1/0), null when no such drawer is in this store. */
  drawer_active: number | null;
  /** The named shift's drawer, null when no such shift is in this store. */
  shift_drawer_id: number | null;
}

/**
 * One read of the named drawer and shift, for a request's first round trip.
 * Every store has its own database, so another store's ids are simply absent.
 */
export const findTenderPlace = async (d1: D1Database, place: TenderPlace): Promise<TenderPlaceFound> =>
  (await d1
    .prepare(
      `SELECT (SELECT active FROM cash_drawers WHERE id = ?1) AS drawer_active,
              (SELECT drawer_id FROM shifts WHERE id = ?2) AS shift_drawer_id`,
    )
    .bind(place.drawerId ?? null, place.shiftId ?? null)
    .first<TenderPlaceFound>()) ?? { drawer_active: null, shift_drawer_id: null };

/** Whether a request names a place at all (no read is needed when it does not). */
export const namesPlace = (place: TenderPlace) => place.drawerId != null || place.shiftId != null;
