/**
 * Cash a person moves on a shift: paid in, paid out, drops to the safe and
 * no-sale openings, and a manager's approval of a large paid-out. An event
 * for a shift that has ended or closed is late: it counts on the drawer's
 * open shift (or waits for its next one) and both shifts' reports flag it
 * (db/manual-cash-events.ts). A paid-out above the store's threshold by a
 * role without shifts:manage waits (`pending`, not in expected cash) for a
 * manager, and the shift it counts on cannot close while it waits.
 */
import { auditAt, auditStatement, inBatch } from "../audit/record";
import { Batch, statement } from "../db/batch";
import { LAST_INSERTED } from "../db/idempotency-keys";
import {
  type CashEvent,
  decidePending,
  findShiftEvent,
  insertManualEvent,
  type ManualKind,
  NO_LONGER_PENDING,
  pageOfShiftEvents,
  stillPending,
} from "../db/manual-cash-events";
import { mapPage } from "../db/paging";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, notFound } from "../lib/errors";
import type { IdempotencyContext } from "../lib/idempotency";
import type { ServiceContext } from "./context";
import { readShiftFor } from "./shifts";
import { seesExpected } from "./shifts-view";

export interface CashEventInput {
  kind: ManualKind;
  /** Cents. */
  amount: number;
  reason?: string | null | undefined;
}

export interface CashEventView {
  id: number;
  shift_id: number | null;
  drawer_id: number | null;
  kind: CashEvent["kind"];
  payment_method: CashEvent["paymentMethod"];
  amount: number;
  tendered: number | null;
  change_given: number | null;
  cash_delta: number;
  payment_id: number | null;
  refund_id: number | null;
  order_id: number | null;
  user_id: number;
  reason: string | null;
  approval: CashEvent["approval"];
  approved_by: number | null;
  approved_at: string | null;
  late_of_shift_id: number | null;
  created_at: string;
}

const money = (cents: number | null) => (cents === null ? null : toDecimal(cents));

export const toCashEventView = (e: CashEvent): CashEventView => ({
  id: e.id,
  shift_id: e.shiftId,
  drawer_id: e.drawerId,
  kind: e.kind,
  payment_method: e.paymentMethod,
  amount: toDecimal(e.amount),
  tendered: money(e.tendered),
  change_given: money(e.changeGiven),
  cash_delta: toDecimal(e.cashDelta),
  payment_id: e.paymentId,
  refund_id: e.refundId,
  order_id: e.orderId,
  user_id: e.userId,
  reason: e.reason,
  approval: e.approval,
  approved_by: e.approvedBy,
  approved_at: e.approvedAt,
  late_of_shift_id: e.lateOfShiftId,
  created_at: e.createdAt,
});

export async function addCashEvent(
  ctx: ServiceContext,
  user: AuthUser,
  shiftId: number,
  input: CashEventInput,
  idem: IdempotencyContext | null,
): Promise<CashEventView> {
  const { d1, idBase } = ctx.store;
  await readShiftFor(ctx, user, shiftId);
  const now = ctx.now().toISOString();
  const batch = new Batch(d1);
  const event = batch.add(
    insertManualEvent(
      d1,
      {
        shiftId,
        kind: input.kind,
        amount: input.amount,
        reason: input.reason?.trim() || null,
        userId: user.id,
        approvesOwnPaidOut: hasPermission(user.role, "shifts:manage"),
      },
      now,
      idBase,
    ),
  );
  batch.claimKey(idem, { type: "cash_event", ref: LAST_INSERTED }, now);
  // After the key's claim (it takes last_insert_rowid()): the event is the newest row, its
  // shift and approval as the insert resolved them (late for an ended shift, pending above the threshold).
  const newest = "(SELECT MAX(id) FROM cash_events)";
  const recorded = (column: string) => inBatch(`SELECT ${column} FROM cash_events WHERE id = ${newest}`);
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: "cash_event.recorded",
        entityType: "cash_event",
        entityId: inBatch(`SELECT MAX(id) FROM cash_events`),
        after: {
          kind: input.kind,
          amount: input.amount,
          shift_id: recorded("shift_id"),
          late_of_shift_id: recorded("late_of_shift_id"),
          approval: recorded("approval"),
        },
        reason: input.reason?.trim() || null,
      }),
    ),
  );
  await batch.commit();
  if (!event.value) throw new Error("cash event missing from a committed insert");
  return toCashEventView(event.value);
}

/** A cash event of a shift the caller may see (replays re-read it). */
export async function getCashEvent(ctx: ServiceContext, user: AuthUser, shiftId: number, eventId: number) {
  await readShiftFor(ctx, user, shiftId);
  const event = await findShiftEvent(ctx.store.d1, shiftId, eventId);
  if (!event) throw notFound("Cash event");
  return toCashEventView(event);
}

export async function listCashEvents(
  ctx: ServiceContext,
  user: AuthUser,
  shiftId: number,
  page: { skip: number; limit: number },
) {
  const shift = await readShiftFor(ctx, user, shiftId);
  // Tenders add up to expected cash: a blind closer sees only the movements they recorded until the close.
  const onlyMovementsOf = seesExpected(user, shift.status) ? undefined : user.id;
  return mapPage(await pageOfShiftEvents(ctx.store.d1, shiftId, page, onlyMovementsOf), toCashEventView);
}

/** A racing decision on the same event committed first (nothing of this one was written). */
class DecidedMeanwhile extends Error {}

/**
 * A manager's decision on a pending paid-out. Deciding the same again answers
 * the event as it is; the other decision, once one was made, is 409.
 */
export async function decideCashEvent(
  ctx: ServiceContext,
  user: AuthUser,
  shiftId: number,
  eventId: number,
  decision: "approved" | "rejected",
  idem: IdempotencyContext | null,
): Promise<CashEventView> {
  const { d1 } = ctx.store;
  await readShiftFor(ctx, user, shiftId);
  const before = await findShiftEvent(d1, shiftId, eventId);
  if (!before) throw notFound("Cash event");
  if (before.approval === "pending") {
    const now = ctx.now().toISOString();
    const batch = new Batch(d1);
    batch.guard("event still pending", stillPending(d1, eventId));
    const updated = batch.add(decidePending(d1, shiftId, eventId, decision, user.id, now));
    // The actor is the deciding manager; an approval also names them as the approver.
    batch.add(
      statement(
        auditStatement(d1, auditAt(ctx, "store"), {
          action: decision === "approved" ? "cash_event.approved" : "cash_event.rejected",
          entityType: "cash_event",
          entityId: eventId,
          before: { approval: "pending" },
          after: { approval: decision },
          approvedBy: decision === "approved" ? user.id : null,
          onlyIfChanged: true,
        }),
      ),
    );
    batch.claimKey(idem, { type: "cash_event", ref: String(eventId) }, now);
    batch.refuseOn(NO_LONGER_PENDING, () => new DecidedMeanwhile());
    try {
      await batch.commit();
      if (updated.value) return toCashEventView(updated.value);
    } catch (error) {
      if (!(error instanceof DecidedMeanwhile)) throw error;
    }
  }
  // Not pending any more (now, or by the time the batch ran): the same decision is answered, the other refused.
  const decided = before.approval === "pending" ? await findShiftEvent(d1, shiftId, eventId) : before;
  if (!decided) throw notFound("Cash event");
  if (decided.approval === decision) return toCashEventView(decided);
  throw new ApiError("INVALID_STATE", `Cash event ${eventId} is already ${decided.approval}; a decision never flips`);
}
