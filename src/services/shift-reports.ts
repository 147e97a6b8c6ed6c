/**
 * X- and Z-reports of a shift: the shift so far (open or ended: X) or as it
 * closed (Z). One store batch reads the shift, its events summed per kind and
 * tender, the orders its sales belong to, its pending movements and the late
 * events about it; the cashier's name comes from the head office in the same
 * breath. Expected cash is the close's frozen figure on a Z, and opening
 * float + Σ approved cash deltas so far on an X, the very sum the close
 * freezes.
 *
 * Who sees what is the shift view's rule (services/shifts-view.ts):
 * shifts:manage sees every shift of its store; shifts:operate alone (a
 * cashier) sees their own shifts only (another's is a 404), and gets no
 * X-report (its figures add up to expected cash: the count is blind), only
 * the Z-report once the shift is closed.
 */
import { Batch, runAlone } from "../db/batch";
import {
  type EventTotalRow,
  lateEventsOfShift,
  pendingMovements,
  shiftEventTotals,
  shiftOrderTotals,
  staffNamesOf,
} from "../db/shift-reports";
import { type ShiftRow, shiftRowStatement } from "../db/shifts";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { ApiError, notFound } from "../lib/errors";
import type { ServiceContext } from "./context";
import { maySeeShift, seesExpected } from "./shifts-view";

type Ctx = Pick<ServiceContext, "store" | "hq" | "now">;

export type ReportKind = "X" | "Z";

interface Totals {
  count: number;
  amount: number;
}

const money = (cents: number | null) => (cents === null ? null : toDecimal(cents));

/** Sales or refunds per tender (methods with any), and their sum. */
function byTender(rows: EventTotalRow[], kind: "sale" | "refund") {
  const lines = rows
    .filter((r) => r.kind === kind)
    .map((r) => ({ payment_method: r.payment_method ?? "", count: r.count, amount: toDecimal(r.amount) }));
  const count = lines.reduce((n, l) => n + l.count, 0);
  const cents = rows.filter((r) => r.kind === kind).reduce((n, r) => n + r.amount, 0);
  return { by_tender: lines, count, amount: toDecimal(cents) };
}

/** A movement kind's approved count and sum (pending and rejected ones move nothing). */
function movement(rows: EventTotalRow[], kind: EventTotalRow["kind"]): Totals {
  const approved = rows.filter((r) => r.kind === kind && r.approval === "approved");
  return {
    count: approved.reduce((n, r) => n + r.count, 0),
    amount: toDecimal(approved.reduce((n, r) => n + r.amount, 0)),
  };
}

const rejectedCount = (rows: EventTotalRow[]) =>
  rows.filter((r) => r.approval === "rejected").reduce((n, r) => n + r.count, 0);

/** Reads the shift and everything its report prints; 404 when it is not the actor's to read. */
async function loadShift(ctx: Ctx, actor: AuthUser, shiftId: number) {
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const shift = batch.add(shiftRowStatement(d1, shiftId));
  const totals = batch.add(shiftEventTotals(d1, shiftId));
  const orders = batch.add(shiftOrderTotals(d1, shiftId));
  const pending = batch.add(pendingMovements(d1, shiftId));
  const late = batch.add(lateEventsOfShift(d1, shiftId));
  await batch.commit();
  const row = shift.value;
  if (!row || !maySeeShift(actor, row)) throw notFound("Shift");
  return { row, totals: totals.value, orders: orders.value[0], pending: pending.value, late: late.value };
}

/**
 * The shift's X-report (open or ended; managers and admins) or Z-report
 * (closed; also its cashier); the other kind is a 409 naming the right one.
 */
export async function shiftReport(ctx: Ctx, actor: AuthUser, shiftId: number, kind: ReportKind) {
  const loaded = await loadShift(ctx, actor, shiftId);
  const { row } = loaded;
  if (kind === "X" && row.status === "closed") {
    throw new ApiError(
      "INVALID_STATE",
      `Shift ${shiftId} is closed (Z ${row.zNumber}): read GET /api/v1/shifts/${shiftId}/z-report`,
    );
  }
  if (kind === "Z" && row.status !== "closed") {
    throw new ApiError(
      "INVALID_STATE",
      `Shift ${shiftId} is ${row.status}, not closed: a Z-report is made at close; read GET /api/v1/shifts/${shiftId}/x-report for the figures so far`,
    );
  }
  // Every cash figure of a shift so far adds up to its expected cash, so a
  // blind closer (a cashier) gets no X-report: their count stays blind.
  if (kind === "X" && !seesExpected(actor, row.status)) {
    throw new ApiError(
      "FORBIDDEN",
      `The count of shift ${shiftId} is blind: its X-report is for managers; once it is closed, read its z-report`,
    );
  }
  const ids = [row.cashierId, ...(row.closedBy === null ? [] : [row.closedBy])];
  const staff = new Map((await runAlone(staffNamesOf(ctx.hq.d1, ids))).map((u) => [u.id, u]));
  return buildReport(ctx, kind, loaded, staff);
}

export type ShiftReport = ReturnType<typeof buildReport>;

function buildReport(
  ctx: Ctx,
  kind: ReportKind,
  loaded: Awaited<ReturnType<typeof loadShift>>,
  staff: Map<number, { id: number; username: string; full_name: string | null }>,
) {
  const { row, totals, orders, pending, late } = loaded;
  // A closed shift's expected cash is the figure the close froze; before that, the same sum so far.
  const expected = row.status === "closed" ? row.expectedCash : row.live_expected;
  const cashSales = totals.filter((t) => t.kind === "sale" && t.payment_method === "cash");
  const cashRefunds = totals.filter((t) => t.kind === "refund" && t.payment_method === "cash");
  const sum = (rows: EventTotalRow[], key: "amount" | "tendered" | "change") => rows.reduce((n, r) => n + r[key], 0);
  const person = (id: number | null) => {
    if (id === null) return null;
    const u = staff.get(id);
    return { id, username: u?.username ?? `user-${id}`, full_name: u?.full_name ?? null };
  };
  const store = ctx.store;
  return {
    report: kind,
    generated_at: ctx.now().toISOString(),
    store: { id: store.id, code: store.code, name: store.name, currency: store.currency, time_zone: store.timeZone },
    shift: {
      id: row.id,
      status: row.status,
      drawer_id: row.drawerId,
      drawer_name: row.drawer_name,
      cashier: person(row.cashierId),
      opened_at: row.openedAt,
      ended_at: row.endedAt,
      closed_at: row.closedAt,
      closed_by: person(row.closedBy),
      z_number: row.zNumber,
    },
    sales: byTender(totals, "sale"),
    refunds: byTender(totals, "refund"),
    orders: {
      count: orders?.orders ?? 0,
      subtotal: toDecimal(orders?.subtotal ?? 0),
      discounts: toDecimal(orders?.discount ?? 0),
      points_discounts: toDecimal(orders?.points_discount ?? 0),
      tax: toDecimal(orders?.tax ?? 0),
      total: toDecimal(orders?.total ?? 0),
    },
    cash: {
      opening_float: toDecimal(row.openingFloat),
      cash_sales: toDecimal(sum(cashSales, "amount")),
      tendered: toDecimal(sum(cashSales, "tendered")),
      change_given: toDecimal(sum(cashSales, "change")),
      cash_refunds: toDecimal(sum(cashRefunds, "amount")),
      paid_in: movement(totals, "paid_in"),
      paid_out: movement(totals, "paid_out"),
      drops: movement(totals, "drop"),
      no_sales: { count: movement(totals, "no_sale").count },
      rejected_movements: rejectedCount(totals),
      pending: pending.map((p) => ({
        id: p.id,
        kind: p.kind,
        amount: toDecimal(p.amount),
        reason: p.reason,
        user_id: p.user_id,
        created_at: p.created_at,
      })),
      expected_cash: money(expected),
      counted_cash: money(row.countedCash),
      variance: money(row.variance),
      variance_reason: row.varianceReason,
      kept_in_drawer: money(row.keptInDrawer),
      expected_opening: money(row.expectedOpening),
      opening_variance: money(row.openingVariance),
    },
    late: lateItems(row, late),
  };
}

/** Late events flagged both ways, each with the sentence the documents print. */
function lateItems(row: ShiftRow, late: Awaited<ReturnType<typeof loadShift>>["late"]) {
  const item = (e: (typeof late)[number]) => ({
    event_id: e.id,
    kind: e.kind,
    payment_method: e.payment_method,
    amount: toDecimal(e.amount),
    cash_delta: toDecimal(e.cash_delta),
    payment_id: e.payment_id,
    refund_id: e.refund_id,
    created_at: e.created_at,
  });
  return {
    /** Happened on this shift, reached the store after it stopped selling: counted on another shift (or waiting for the drawer's next). */
    counted_elsewhere: late
      .filter((e) => e.late_of_shift_id === row.id && e.shift_id !== row.id)
      .map((e) => ({
        ...item(e),
        counted_on_shift_id: e.shift_id,
        note:
          e.shift_id === null
            ? "arrived late, waiting for the drawer's next shift"
            : `arrived late, counted on shift ${e.shift_id}`,
      })),
    /** Counted here, belongs to an earlier shift of the drawer. */
    adjustments: late
      .filter((e) => e.shift_id === row.id && e.late_of_shift_id !== row.id)
      .map((e) => ({
        ...item(e),
        from_shift_id: e.late_of_shift_id,
        note: `adjustment from shift ${e.late_of_shift_id}`,
      })),
  };
}
