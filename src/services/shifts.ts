/**
 * Shifts on a store's cash drawers: open (counted float), read, list, end.
 * Closing is services/shifts-close.ts; cash events services/shifts-cash.ts.
 * Everything lives in the acting store's database; a shift's id names its
 * store, so /shifts/{id} needs no store hint.
 */
import { auditAt, auditStatement, inBatch } from "../audit/record";
import { Batch, statement } from "../db/batch";
import { findDrawerRow } from "../db/cash-drawers";
import { findKey, LAST_INSERTED } from "../db/idempotency-keys";
import { mapPage } from "../db/paging";
import {
  attachWaitingEvents,
  endShiftStatement,
  findOpenShiftOf,
  findShiftRow,
  insertShift,
  isInactiveDrawerRefusal,
  isShiftClosedRefusal,
  isStatusMachineRefusal,
  openShiftConflict,
  pageOfShifts,
  type ShiftFilters,
  type ShiftRow,
  stillOpen,
  unclosedShiftIdOf,
} from "../db/shifts";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, notFound } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import type { ServiceContext } from "./context";
import { maySeeShift, type ShiftView, toShiftView } from "./shifts-view";

export interface OpenShiftInput {
  drawer_id: number;
  /** Cents counted into the drawer. */
  opening_float: number;
  notes?: string | null | undefined;
}

/**
 * The shift `user` may see and act on: a manager any of the store, a cashier
 * their own (404 otherwise: a cashier does not learn that others' shifts exist).
 */
export async function readShiftFor(ctx: ServiceContext, user: AuthUser, id: number): Promise<ShiftRow> {
  const row = await findShiftRow(ctx.store.d1, id);
  if (!row || !maySeeShift(user, row)) throw notFound("Shift");
  return row;
}

export const viewFor = (ctx: ServiceContext, user: AuthUser, row: ShiftRow): ShiftView =>
  toShiftView(row, ctx.store.id, user);

export async function getShift(ctx: ServiceContext, user: AuthUser, id: number): Promise<ShiftView> {
  return viewFor(ctx, user, await readShiftFor(ctx, user, id));
}

export async function currentShift(ctx: ServiceContext, user: AuthUser): Promise<ShiftView> {
  const row = await findOpenShiftOf(ctx.store.d1, user.id);
  if (!row) throw new ApiError("NOT_FOUND", `You have no open shift at store ${ctx.store.code}`);
  return viewFor(ctx, user, row);
}

export async function listShifts(ctx: ServiceContext, user: AuthUser, filters: ShiftFilters) {
  // A cashier lists their own shifts only, whatever the filter says.
  const own = hasPermission(user.role, "shifts:manage") ? filters : { ...filters, cashierId: user.id };
  const page = await pageOfShifts(ctx.store.d1, own);
  return mapPage(page, (row) => viewFor(ctx, user, row));
}

/**
 * Whether a twin with the same Idempotency-Key committed first. A refusal
 * its effect caused (the drawer now has a shift, the shift is now closed)
 * is then the twin's answer to replay, not an error of this request.
 */
export async function twinCommitted(ctx: ServiceContext, idem: IdempotencyContext | null): Promise<boolean> {
  return idem !== null && (await findKey(ctx.store.db, idem.userId, idem.key)) !== undefined;
}

/** Why an open was refused: the shift already there (the drawer's, or the cashier's own open one). */
async function alreadyOpen(ctx: ServiceContext, user: AuthUser, drawerId: number, on: "drawer" | "cashier") {
  if (on === "drawer") {
    const shiftId = await unclosedShiftIdOf(ctx.store.d1, drawerId);
    return new ApiError("SHIFT_ALREADY_OPEN", "This drawer already has a shift that is not closed; close it first", {
      extra: { shift_id: shiftId ?? null },
    });
  }
  const mine = await findOpenShiftOf(ctx.store.d1, user.id);
  return new ApiError("SHIFT_ALREADY_OPEN", "You already have an open shift at this store; end or close it first", {
    extra: { shift_id: mine?.id ?? null },
  });
}

/**
 * Opens a shift on a drawer with the counted float. One batch: the shift (the
 * partial unique indexes refuse a second one on the drawer, and a second
 * open one of the cashier, however many race), the key, the drawer's late
 * events that waited for its next shift, and the audit event (`shift.opened`).
 */
export async function openShift(
  ctx: ServiceContext,
  user: AuthUser,
  input: OpenShiftInput,
  idem: IdempotencyContext | null,
): Promise<ShiftView> {
  const { d1, idBase } = ctx.store;
  const drawer = await findDrawerRow(d1, input.drawer_id);
  if (!drawer) throw notFound("Cash drawer");
  if (!drawer.active) throw new ApiError("INVALID_STATE", `Cash drawer ${drawer.name} is inactive`);
  const now = ctx.now().toISOString();
  const batch = new Batch(d1);
  const shift = batch.add(
    insertShift(
      d1,
      {
        drawerId: drawer.id,
        cashierId: user.id,
        openingFloat: input.opening_float,
        notes: input.notes ?? null,
      },
      now,
      idBase,
    ),
  );
  batch.claimKey(idem, { type: "shift", ref: LAST_INSERTED }, now);
  batch.add(attachWaitingEvents(d1, drawer.id));
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: "shift.opened",
        entityType: "shift",
        // The key's claim took last_insert_rowid(); shift ids are MAX(id) + 1, so the newest is this one.
        entityId: inBatch("SELECT MAX(id) FROM shifts"),
        after: { drawer_id: drawer.id, cashier_id: user.id, opening_float: input.opening_float },
      }),
    ),
  );
  batch.refuseOn(
    isInactiveDrawerRefusal,
    () => new ApiError("INVALID_STATE", `Cash drawer ${drawer.name} is inactive`),
  );
  batch.refuseOn(
    (error) => openShiftConflict(error) !== null,
    async (error) =>
      (await twinCommitted(ctx, idem))
        ? new KeyCollision()
        : alreadyOpen(ctx, user, drawer.id, openShiftConflict(error) ?? "drawer"),
  );
  await batch.commit();
  const id = shift.value?.id;
  if (id === undefined) throw new Error("shift missing from a committed open");
  return getShift(ctx, user, id);
}

/**
 * Ends a shift: no more sales on it; it still takes its count. Ending an
 * ended shift answers it as it is (nothing written, so no audit event); a
 * closed one is 409.
 */
export async function endShift(
  ctx: ServiceContext,
  user: AuthUser,
  id: number,
  idem: IdempotencyContext | null,
): Promise<ShiftView> {
  const { d1 } = ctx.store;
  const before = await readShiftFor(ctx, user, id);
  if (before.status === "ended") return viewFor(ctx, user, before);
  if (before.status === "closed") throw new ApiError("INVALID_STATE", `Shift ${id} is closed`);
  const now = ctx.now().toISOString();
  const batch = new Batch(d1);
  batch.guard("shift still open", stillOpen(d1, id));
  batch.add(endShiftStatement(d1, id, user.id, now));
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: "shift.ended",
        entityType: "shift",
        entityId: id,
        before: { status: "open" },
        after: { status: "ended" },
        onlyIfChanged: true,
      }),
    ),
  );
  batch.claimKey(idem, { type: "shift", ref: String(id) }, now);
  batch.refuseOn(
    (error) => isStatusMachineRefusal(error) || isShiftClosedRefusal(error),
    async () => {
      if (await twinCommitted(ctx, idem)) return new KeyCollision();
      const after = await findShiftRow(d1, id);
      return after?.status === "ended" ? new AlreadyEnded() : new ApiError("INVALID_STATE", `Shift ${id} is closed`);
    },
  );
  try {
    await batch.commit();
  } catch (error) {
    // A twin ended it meanwhile: the end is done, answer the shift as it is.
    if (!(error instanceof AlreadyEnded)) throw error;
  }
  return getShift(ctx, user, id);
}

class AlreadyEnded extends Error {}
