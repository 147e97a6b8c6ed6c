/**
 * The shifts table's statements. Every state change is one statement whose
 * WHERE and the table's triggers (migrations/store/0003) decide; the service
 * reads first only to answer clearly, never to decide a race.
 */
import { returningRow, runAlone, type Statement, statement } from "./batch";
import { readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { shifts } from "./schema";

export type Shift = Row<typeof shifts>;

/** A D1 error's words with its causes' (Drizzle and D1 wrap them). */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" | ");
}

/** A shift with its drawer's name and its expected cash so far (opening float + approved events). */
export type ShiftRow = Shift & { drawer_name: string; live_expected: number };

const SHIFT_SELECT = `SELECT s.*, d.name AS drawer_name,
  s.opening_float + (SELECT COALESCE(SUM(e.cash_delta), 0) FROM cash_events e
                     WHERE e.shift_id = s.id AND e.approval = 'approved') AS live_expected
  FROM shifts s JOIN cash_drawers d ON d.id = s.drawer_id`;

const decodeShift = (raw: unknown) => decodeRow<typeof shifts, ShiftRow>(shifts, raw);

/** The shift as a statement, for reads that go out in one batch with others (the shift reports). */
export const shiftRowStatement = (d1: D1Database, id: number): Statement<ShiftRow | undefined> => ({
  prepared: d1.prepare(`${SHIFT_SELECT} WHERE s.id = ?1`).bind(id),
  decode: (result) => (result.results?.[0] ? decodeShift(result.results[0]) : undefined),
});

export const findShiftRow = (d1: D1Database, id: number): Promise<ShiftRow | undefined> =>
  runAlone(shiftRowStatement(d1, id));

/** The caller's open shift at this store (one at most: shifts_one_open_per_cashier). */
export async function findOpenShiftOf(d1: D1Database, cashierId: number): Promise<ShiftRow | undefined> {
  const raw = await d1.prepare(`${SHIFT_SELECT} WHERE s.cashier_id = ?1 AND s.status = 'open'`).bind(cashierId).first();
  return raw ? decodeShift(raw) : undefined;
}

/** The drawer's shift that is not closed yet (one at most: shifts_one_unclosed_per_drawer). */
export async function unclosedShiftIdOf(d1: D1Database, drawerId: number): Promise<number | undefined> {
  const row = await d1
    .prepare("SELECT id FROM shifts WHERE drawer_id = ?1 AND status != 'closed'")
    .bind(drawerId)
    .first<{ id: number }>();
  return row?.id;
}

export interface ShiftFilters {
  skip: number;
  limit: number;
  status?: Shift["status"] | undefined;
  drawerId?: number | undefined;
  cashierId?: number | undefined;
  /** Opened at or after (an ISO date or timestamp, UTC). */
  from?: string | undefined;
  /** Opened on or before (an ISO date or timestamp, UTC: a date includes its whole day). */
  to?: string | undefined;
}

export function pageOfShifts(d1: D1Database, f: ShiftFilters) {
  const where = new Where();
  if (f.status) where.and((p) => `s.status = ${p}`, f.status);
  if (f.drawerId !== undefined) where.and((p) => `s.drawer_id = ${p}`, f.drawerId);
  if (f.cashierId !== undefined) where.and((p) => `s.cashier_id = ${p}`, f.cashierId);
  if (f.from) where.and((p) => `s.opened_at >= ${p}`, f.from);
  // Compared on the bound's own length, so "2026-11-30" takes the whole day.
  if (f.to) where.and((p) => `substr(s.opened_at, 1, length(${p})) <= ${p}`, f.to);
  return readPage(d1, {
    select: SHIFT_SELECT,
    from: "FROM shifts s",
    where,
    orderBy: "s.opened_at DESC, s.id DESC",
    skip: f.skip,
    limit: f.limit,
    decode: decodeShift,
  });
}

export interface NewShift {
  drawerId: number;
  cashierId: number;
  openingFloat: number;
  notes: string | null;
}

/**
 * Opens a shift. The drawer must exist and be active as the batch runs: an
 * inactive one makes `drawer_id` NULL and the NOT NULL refuses the batch
 * (`isInactiveDrawerRefusal`). The expected opening is what the drawer's
 * last closed shift kept in it. The partial unique indexes refuse a second
 * unclosed shift on the drawer or a second open shift of the cashier.
 */
export const insertShift = (d1: D1Database, s: NewShift, now: string, idBase: number): Statement<Shift | undefined> =>
  returningRow(
    shifts,
    d1
      .prepare(
        `WITH prev AS (SELECT kept_in_drawer AS kept FROM shifts
                       WHERE drawer_id = ?1 AND status = 'closed' ORDER BY z_number DESC LIMIT 1)
         INSERT INTO shifts (id, drawer_id, cashier_id, status, opening_float, expected_opening, opening_variance,
                             opened_at, notes, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?6) + 1 FROM shifts),
                 (SELECT id FROM cash_drawers WHERE id = ?1 AND active = 1), ?2, 'open', ?3,
                 (SELECT kept FROM prev), ?3 - (SELECT kept FROM prev), ?4, ?5, ?4, ?4)
         RETURNING *`,
      )
      .bind(s.drawerId, s.cashierId, s.openingFloat, now, s.notes, idBase),
  );

export const isInactiveDrawerRefusal = (error: unknown) =>
  /NOT NULL constraint failed: shifts\.drawer_id/.test(errorText(error));

/** Which partial unique index refused an open: the drawer's or the cashier's. */
export function openShiftConflict(error: unknown): "drawer" | "cashier" | null {
  const text = errorText(error);
  if (/UNIQUE constraint failed: shifts\.drawer_id/.test(text)) return "drawer";
  if (/UNIQUE constraint failed: shifts\.cashier_id/.test(text)) return "cashier";
  return null;
}

/** The drawer's late events that waited for its next shift count on the shift just opened on it. */
export const attachWaitingEvents = (d1: D1Database, drawerId: number) =>
  statement(
    d1
      .prepare(
        `UPDATE cash_events SET shift_id = (SELECT id FROM shifts WHERE drawer_id = ?1 AND status = 'open')
         WHERE drawer_id = ?1 AND shift_id IS NULL AND late_of_shift_id IS NOT NULL`,
      )
      .bind(drawerId),
  );

/**
 * Guard: fails the batch unless the shift is still open. Setting an ended
 * shift back to open trips the status machine; touching a closed one trips
 * `shifts_closed_immutable`. An open shift is not touched.
 */
export const stillOpen = (d1: D1Database, id: number) =>
  d1.prepare("UPDATE shifts SET status = 'open' WHERE id = ?1 AND status != 'open'").bind(id);

/** Guard: fails the batch (`shifts_closed_immutable`) when the shift is closed. */
export const notClosed = (d1: D1Database, id: number) =>
  d1.prepare("UPDATE shifts SET updated_at = updated_at WHERE id = ?1 AND status = 'closed'").bind(id);

export const isShiftClosedRefusal = (error: unknown) => /SHIFT_CLOSED/.test(errorText(error));
export const isStatusMachineRefusal = (error: unknown) => /invalid shift status transition/.test(errorText(error));

export const endShiftStatement = (d1: D1Database, id: number, userId: number, now: string) =>
  returningRow(
    shifts,
    d1
      .prepare(
        `UPDATE shifts SET status = 'ended', ended_at = ?3, ended_by = ?2, updated_at = ?3
         WHERE id = ?1 AND status = 'open' RETURNING *`,
      )
      .bind(id, userId, now),
  );

export interface ShiftCount {
  /** Cents. */
  countedCash: number;
  /** JSON `[{ value, count }]`, value in cents; null when counted as one sum. */
  denominations: string | null;
  varianceReason: string | null;
  /** Cents; null: everything counted stays in the drawer. */
  keptInDrawer: number | null;
  notes: string | null;
}

/**
 * Closes a shift in one statement: expected cash frozen from the events
 * approved as it runs (a racing sale is in or out, never both), the variance,
 * and the next Z number of the store (a refused close takes none, so they
 * are gapless). Triggers refuse it without a reason above the variance
 * threshold and while a paid-out waits for approval.
 */
export const closeShiftStatement = (d1: D1Database, id: number, userId: number, count: ShiftCount, now: string) =>
  returningRow(
    shifts,
    d1
      .prepare(
        `WITH expected AS (
           SELECT s.opening_float + (SELECT COALESCE(SUM(cash_delta), 0) FROM cash_events
                                     WHERE shift_id = ?1 AND approval = 'approved') AS cash
           FROM shifts s WHERE s.id = ?1)
         UPDATE shifts SET status = 'closed', closed_at = ?3, closed_by = ?2,
           ended_at = COALESCE(ended_at, ?3), ended_by = COALESCE(ended_by, ?2),
           counted_cash = ?4, counted_denominations = ?5,
           expected_cash = (SELECT cash FROM expected), variance = ?4 - (SELECT cash FROM expected),
           variance_reason = ?6, kept_in_drawer = COALESCE(?7, ?4), notes = COALESCE(?8, notes),
           z_number = (SELECT COALESCE(MAX(z_number), 0) + 1 FROM shifts), updated_at = ?3
         WHERE id = ?1 AND status IN ('open', 'ended') RETURNING *`,
      )
      .bind(
        id,
        userId,
        now,
        count.countedCash,
        count.denominations,
        count.varianceReason,
        count.keptInDrawer,
        count.notes,
      ),
  );

/** Keeps the count of a blind close refused for a missing reason (the first one only; see `first_blind_count`). */
export const keepFirstBlindCount = (d1: D1Database, id: number, counted: number) =>
  d1
    .prepare(
      "UPDATE shifts SET first_blind_count = ?2 WHERE id = ?1 AND status != 'closed' AND first_blind_count IS NULL",
    )
    .bind(id, counted);

export const isVarianceReasonRefusal = (error: unknown) => /VARIANCE_REASON_REQUIRED/.test(errorText(error));
export const isPendingApprovalsRefusal = (error: unknown) => /PENDING_APPROVALS/.test(errorText(error));
