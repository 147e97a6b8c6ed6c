/**
 * Closing a shift: the count (a sum, or notes and coins by denomination),
 * then one statement that freezes expected cash, the variance and the Z
 * number (db/shifts.ts closeShiftStatement). Closing a closed shift again
 * with the same count answers it unchanged, so a retried close is harmless;
 * another count is a conflict, because a Z-report never changes.
 */
import { type AuditEntry, auditAt, auditStatement, inBatch } from "../audit/record";
import { Batch, statement } from "../db/batch";
import {
  closeShiftStatement,
  findShiftRow,
  isPendingApprovalsRefusal,
  isShiftClosedRefusal,
  isVarianceReasonRefusal,
  keepFirstBlindCount,
  notClosed,
  type ShiftCount,
  type ShiftRow,
} from "../db/shifts";
import { formatMoney, MAX_CENTS, toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, invalidField } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import type { ServiceContext } from "./context";
import { readShiftFor, twinCommitted, viewFor } from "./shifts";
import type { ShiftView } from "./shifts-view";

/** One kind of note or coin, in cents, and how many were counted. */
export interface CountedDenomination {
  value: number;
  count: number;
}

export interface CloseShiftInput {
  /** Cents. */
  counted_cash?: number | undefined;
  denominations?: CountedDenomination[] | undefined;
  variance_reason?: string | null | undefined;
  /** Cents left in the drawer for the next shift (default: all that was counted). */
  kept_in_drawer?: number | undefined;
  notes?: string | null | undefined;
}

/** Cents in a count by denomination. */
export const denominationTotal = (list: readonly CountedDenomination[]): number =>
  list.reduce((sum, d) => sum + d.value * d.count, 0);

/**
 * The count a close records: the sum given, or the denominations' total
 * (both given: they must agree), and what stays in the drawer (at most what
 * was counted). A 422 names the field.
 */
export function countOf(input: CloseShiftInput): ShiftCount {
  const { counted_cash: counted, denominations } = input;
  let total = counted;
  if (denominations) {
    const seen = new Set<number>();
    denominations.forEach((d, i) => {
      if (seen.has(d.value)) {
        throw invalidField(
          ["body", "denominations", i, "value"],
          `Denomination ${formatMoney(d.value)} is listed twice`,
        );
      }
      seen.add(d.value);
    });
    const sum = denominationTotal(denominations);
    if (sum > MAX_CENTS) {
      throw invalidField(["body", "denominations"], `The denominations add up to more than ${formatMoney(MAX_CENTS)}`);
    }
    if (counted !== undefined && counted !== sum) {
      throw invalidField(
        ["body", "counted_cash"],
        `counted_cash (${formatMoney(counted)}) differs from the denominations' total (${formatMoney(sum)})`,
      );
    }
    total = sum;
  }
  if (total === undefined) throw invalidField(["body"], "Give counted_cash or denominations");
  if (input.kept_in_drawer !== undefined && input.kept_in_drawer > total) {
    throw invalidField(
      ["body", "kept_in_drawer"],
      `kept_in_drawer (${formatMoney(input.kept_in_drawer)}) is more than was counted (${formatMoney(total)})`,
    );
  }
  const sorted = denominations ? [...denominations].sort((a, b) => b.value - a.value) : null;
  return {
    countedCash: total,
    denominations: sorted ? JSON.stringify(sorted.map((d) => ({ value: d.value, count: d.count }))) : null,
    varianceReason: input.variance_reason?.trim() || null,
    keptInDrawer: input.kept_in_drawer ?? null,
    notes: input.notes ?? null,
  };
}

/** A close of a closed shift: the same count answers it as it is, another is a conflict. */
function closedAgain(ctx: ServiceContext, user: AuthUser, row: ShiftRow, count: ShiftCount): ShiftView {
  if (row.countedCash === count.countedCash) return viewFor(ctx, user, row);
  throw new ApiError(
    "INVALID_STATE",
    `Shift ${row.id} is already closed (Z ${row.zNumber}) with another count; a closed shift never changes`,
  );
}

/**
 * The refusal for a variance above the threshold. A cashier learns only that
 * a reason is needed (the count stays blind), and their count is kept: the
 * refusal is itself a clue, so a cashier who could retry with other counts
 * could search for expected cash. A manager also sees the amounts.
 *
 * Keeping the count writes no audit event: the request is refused (422), and
 * the audit trail records successful writes only. The kept count is part of
 * the refusal, not a change anyone asked for; it shows in the shift's
 * `first_blind_count` and in the close's own event once the shift closes.
 */
async function reasonRequired(ctx: ServiceContext, user: AuthUser, id: number, counted: number) {
  const detail = "The count is too far from the expected cash for this store: give a variance_reason";
  if (!hasPermission(user.role, "shifts:manage")) {
    await keepFirstBlindCount(ctx.store.d1, id, counted).run();
    return new ApiError(
      "VARIANCE_REASON_REQUIRED",
      `${detail}. Your count is kept: close again with the same count and a reason, or ask a manager to recount`,
    );
  }
  const row = await findShiftRow(ctx.store.d1, id);
  const expected = row?.live_expected ?? 0;
  return new ApiError(
    "VARIANCE_REASON_REQUIRED",
    `${detail} (expected ${formatMoney(expected)}, counted ${formatMoney(counted)})`,
  );
}

class AlreadyClosed extends Error {}

/**
 * The close's audit event. Expected cash, the variance and the Z number are
 * frozen by the close statement as it runs (a racing sale is in or out), so
 * the event reads them from the closed row in the same batch. Written only
 * when that statement closed the shift; a refused close (no reason above the
 * threshold, a pending paid-out) fails the batch and takes it down too.
 */
function closedEvent(id: number, before: ShiftRow, count: ShiftCount): AuditEntry {
  const closedRow = (column: string) => inBatch(`SELECT ${column} FROM shifts WHERE id = ${Number(id)}`);
  return {
    action: "shift.closed",
    entityType: "shift",
    entityId: id,
    before: { status: before.status },
    after: {
      status: "closed",
      counted_cash: count.countedCash,
      expected_cash: closedRow("expected_cash"),
      variance: closedRow("variance"),
      z_number: closedRow("z_number"),
    },
    reason: count.varianceReason,
    onlyIfChanged: true,
  };
}

export async function closeShift(
  ctx: ServiceContext,
  user: AuthUser,
  id: number,
  input: CloseShiftInput,
  idem: IdempotencyContext | null,
): Promise<ShiftView> {
  const count = countOf(input);
  const { d1 } = ctx.store;
  const before = await readShiftFor(ctx, user, id);
  if (before.status === "closed") return closedAgain(ctx, user, before, count);
  if (
    !hasPermission(user.role, "shifts:manage") &&
    before.firstBlindCount !== null &&
    before.firstBlindCount !== count.countedCash
  ) {
    throw new ApiError(
      "INVALID_STATE",
      `This drawer was counted at ${formatMoney(before.firstBlindCount)} and that close needed a reason: close with that count and a variance_reason, or ask a manager to recount and close`,
      { extra: { first_count: toDecimal(before.firstBlindCount) } },
    );
  }
  const now = ctx.now().toISOString();
  const batch = new Batch(d1);
  batch.guard("shift not closed", notClosed(d1, id));
  const closed = batch.add(closeShiftStatement(d1, id, user.id, count, now));
  batch.add(statement(auditStatement(d1, auditAt(ctx, "store"), closedEvent(id, before, count))));
  batch.claimKey(idem, { type: "shift", ref: String(id) }, now);
  batch.refuseOn(isShiftClosedRefusal, async () =>
    (await twinCommitted(ctx, idem)) ? new KeyCollision() : new AlreadyClosed(),
  );
  batch.refuseOn(isVarianceReasonRefusal, () => reasonRequired(ctx, user, id, count.countedCash));
  batch.refuseOn(
    isPendingApprovalsRefusal,
    () =>
      new ApiError("PENDING_APPROVALS", "A paid-out on this shift waits for a manager: approve or reject it first", {
        extra: { shift_id: id },
      }),
  );
  try {
    await batch.commit();
  } catch (error) {
    if (!(error instanceof AlreadyClosed)) throw error;
    const after = await findShiftRow(d1, id);
    if (!after) throw error;
    return closedAgain(ctx, user, after, count);
  }
  if (!closed.value) throw new Error("shift missing from a committed close");
  const after = await findShiftRow(d1, id);
  if (!after) throw new Error("shift missing after its close");
  return viewFor(ctx, user, after);
}
