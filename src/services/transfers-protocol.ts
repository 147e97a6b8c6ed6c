/**
 * One step of a transfer across two kinds of database (DESIGN.md "Holds
 * across databases"): hold where the invariant lives, write the store batch,
 * then confirm.
 *
 *   1. Head-office hold batch: the step row (pending, with the lines it moves
 *      and a deadline), its line changes and the status it leads to. The
 *      status trigger, the one-pending-step index, the step's primary key and
 *      the lines' CHECK (received + returned ≤ sent) make two racing steps
 *      fail here rather than both move stock.
 *   2. Store batch through the stock protocol (`gateAndWrite`): the objects
 *      reserve (a send) or credit (a receipt, a return), then one batch of
 *      stock rows, inventory log rows naming the transfer and the step's
 *      transfer_moves row, whose trigger refuses the batch after the deadline.
 *   3. Confirm: the step becomes applied, its feed event (`transfer.sent`,
 *      `transfer.received`, `transfer.cancelled`) recorded in the same
 *      batch. A refused store batch undoes the hold instead (one batch); an
 *      unknown outcome leaves the step pending for `settlePendingTransferSteps`
 *      (transfers-settle.ts), which looks its stock ref up in the store once
 *      no batch can land any more, and confirms (with the event) or undoes.
 *
 * The store batch decides whether the step happened, so the request's audit
 * event is written there, in the moving store's database (transfers-events.ts).
 *
 * The hold is taken first, then the objects reserve, so the objects' holds
 * (HOLD_MS from the reservation) outlive the step's deadline: an object's
 * alarm that asks the store's log about the ref always gets the final answer.
 */
import { type AuditEntry, auditAt, auditStatement } from "../audit/record";
import { Batch, statement } from "../db/batch";
import type { TransferStepKind } from "../db/schema";
import { stockChanges } from "../db/stock";
import {
  confirmStep,
  holdStatements,
  insertMove,
  isOtherStepPending,
  isSameStepTaken,
  isStepExpired,
  isStepOutOfStatus,
  linesOf,
  moveByRef,
  type StoreRow,
  stepsOf,
  type TransferStep,
  transferById,
  undoStepStatements,
} from "../db/transfers";
import { type LineQuantity, stepStockRef } from "../domain/transfer";
import { recordEventStatements } from "../events/record";
import type { AuthUser } from "../lib/auth/current-user";
import { isCheckViolation, isD1Refusal } from "../lib/db-errors";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { isoNow } from "../lib/time";
import { type StoreScope, scopeOf } from "../stores/scope";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import type { ServiceContext } from "./context";
import { gateAndWrite } from "./stock-protocol";
import { stepAudit, type TransferState, transferEvent, viewOf, withStepApplied } from "./transfers-events";
import type { LoadedTransfer } from "./transfers-view";

/**
 * How long a step's store batch may land after its hold: shorter than the
 * objects' HOLD_MS (60 s: their alarm settles the units from the store's log
 * at that point), with ten seconds to spare for clocks that disagree. A
 * number rather than HOLD_MS − 10 s: this module runs in scripts (the seed),
 * which cannot load the Durable Object's module; test/unit/transfer.test.ts
 * holds the two together.
 */
export const TRANSFER_STEP_MS = 50_000;

const ACTION: Record<TransferStepKind, "transfer_out" | "transfer_in" | "transfer_return"> = {
  send: "transfer_out",
  receive: "transfer_in",
  cancel: "transfer_return",
};

export interface StepPlan {
  loaded: LoadedTransfer;
  kind: TransferStepKind;
  stepKey: string;
  /** What the step moves; absent for a cancel (the hold computes what is in transit when it runs). */
  lines?: LineQuantity[] | undefined;
}

/** Why a hold batch was refused, for the service to answer (each case re-reads the transfer). */
export type HoldRefusal = "same_step" | "other_pending" | "out_of_status" | "over_in_transit";

export class StepHoldRefused extends Error {
  constructor(readonly reason: HoldRefusal) {
    super(`transfer step hold refused: ${reason}`);
  }
}

function classifyHoldRefusal(error: unknown): HoldRefusal | null {
  if (isSameStepTaken(error)) return "same_step";
  if (isOtherStepPending(error)) return "other_pending";
  if (isStepOutOfStatus(error)) return "out_of_status";
  if (isCheckViolation(error, "transfer_lines_within_sent")) return "over_in_transit";
  return null;
}

/** The store whose stock the step moves, as a scope: the context's own when it already acts there (a test's scripted database). */
function scopeFor(ctx: ServiceContext, store: StoreRow): StoreScope {
  const acting = actingStore(ctx);
  return acting?.id === store.id ? acting : scopeOf(ctx.env, store);
}

/**
 * Runs a step: hold, store batch, confirm (see the header). Throws
 * `StepHoldRefused` when the hold was refused (nothing written), the
 * protocol's error when the store refused (the hold undone), its 503 when
 * nobody knows (the step left pending for the sweep).
 */
export async function runStep(ctx: ServiceContext, actor: AuthUser, plan: StepPlan): Promise<void> {
  const { transfer, from, to } = plan.loaded;
  const store = plan.kind === "receive" ? to : from;
  const now = ctx.now();
  const nowIso = isoNow(now);
  const deadline = now.getTime() + TRANSFER_STEP_MS;

  const hold = holdStatements(
    ctx.hq.d1,
    {
      transferId: transfer.id,
      stepKey: plan.stepKey,
      kind: plan.kind,
      storeId: store.id,
      userId: actor.id,
      now: nowIso,
      expiresAt: new Date(deadline).toISOString(),
    },
    plan.lines === undefined ? undefined : JSON.stringify(plan.lines),
  );
  const hq = new Batch(ctx.hq.d1);
  const step = hq.add(hold.step);
  hq.add(hold.lines);
  hq.add(hold.status);
  // The transfer as the hold leaves it, read in its transaction: the step's audit event and feed payload.
  const after = {
    transfer: hq.add(transferById(ctx.hq.d1, transfer.id)),
    lines: hq.add(linesOf(ctx.hq.d1, transfer.id)),
    steps: hq.add(stepsOf(ctx.hq.d1, transfer.id)),
  };
  try {
    await hq.commit();
  } catch (error) {
    const reason = classifyHoldRefusal(error);
    if (reason) throw new StepHoldRefused(reason);
    // Refused for a reason no step should meet: a bug, answered as one.
    if (isD1Refusal(error)) throw error;
    // The hold may have landed: then its step waits for the sweep, which undoes it (its store never saw it).
    log(ctx.env, "warn", "transfer step hold failed", { transferId: transfer.id, error: String(error) });
    throw new ApiError("SERVICE_UNAVAILABLE", "The head office did not answer; nothing moved yet, please retry", {
      headers: { "Retry-After": "2" },
    });
  }
  const held = step.value;
  const heldTransfer = after.transfer.value;
  if (!held || !heldTransfer) throw new Error("The hold batch wrote no step row");
  const state: TransferState = {
    transfer: heldTransfer,
    lines: after.lines.value,
    steps: after.steps.value,
    from,
    to,
  };
  const audit = stepAudit(plan.kind, state, JSON.parse(held.lines) as LineQuantity[]);

  let outcome: "committed" | "refused" | "unknown" | undefined;
  let storeWritten = false;
  try {
    storeWritten = await writeStore(ctx, actor, plan, held, store, { nowIso, deadline, audit }, (o) => {
      outcome = o;
    });
  } catch (error) {
    // Refused by the gate or the store (or failed before the protocol ran): nothing moved, so the hold goes.
    if (outcome !== "unknown" && outcome !== "committed") await undoStep(ctx.hq.d1, held, nowIso, ctx);
    throw error;
  }
  // A lost confirm is the sweep's: it finds the step's move in the store and marks it applied.
  await confirm(ctx, plan.kind, withStepApplied(state, plan.stepKey, nowIso), {
    stepKey: plan.stepKey,
    storeId: store.id,
    nowIso,
    // A step with nothing to move had no store batch: its audit event goes with the confirm.
    audit: storeWritten ? null : audit,
  });
}

/**
 * Marks the step applied and records its feed event, in one head-office
 * batch; the event's deliveries are enqueued after it. A failure is left to
 * the sweep, which confirms with the same event (its key makes it once).
 */
async function confirm(
  ctx: ServiceContext,
  kind: TransferStep["kind"],
  applied: TransferState,
  step: { stepKey: string; storeId: number; nowIso: string; audit: AuditEntry | null },
) {
  const hq = ctx.hq.d1;
  const event = transferEvent(kind, viewOf(applied), step.storeId, step.nowIso);
  const statements = [
    confirmStep(hq, applied.transfer.id, step.stepKey, step.nowIso),
    ...(step.audit ? [auditStatement(hq, auditAt(ctx, "hq"), { ...step.audit, onlyIfChanged: true })] : []),
    ...recordEventStatements(hq, event, step.nowIso),
  ];
  try {
    await hq.batch(statements);
    ctx.defer(enqueueDeliveriesOf(ctx.env, hq, [event.key]));
  } catch (error) {
    log(ctx.env, "warn", "transfer step left pending for the sweep: its confirm failed", {
      transferId: applied.transfer.id,
      stepKey: step.stepKey,
      error: String(error),
    });
  }
}

/** Undoes a held step; a failure is logged, not thrown (the sweep undoes it: its store never saw the step). */
async function undoStep(hq: D1Database, held: TransferStep, nowIso: string, ctx: ServiceContext) {
  try {
    await hq.batch(undoStepStatements(hq, held, nowIso).map((s) => s.prepared));
  } catch (error) {
    log(ctx.env, "warn", "transfer step left pending for the sweep: its undo failed", {
      transferId: held.transferId,
      stepKey: held.stepKey,
      error: String(error),
    });
  }
}

/** The store batch of a step through the stock protocol: log rows naming the transfer, stock rows, the move row. */
async function writeStore(
  ctx: ServiceContext,
  actor: AuthUser,
  plan: StepPlan,
  held: TransferStep,
  store: StoreRow,
  time: { nowIso: string; deadline: number; audit: AuditEntry },
  settled: (outcome: "committed" | "refused" | "unknown") => void,
): Promise<boolean> {
  const { transfer, lines: transferLines, from, to } = plan.loaded;
  const moved = JSON.parse(held.lines) as LineQuantity[];
  if (moved.length === 0) {
    settled("committed");
    return false;
  }
  const scope = scopeFor(ctx, store);
  const stepCtx = scope === actingStore(ctx) ? ctx : ctx.forStore(scope);
  const sign = plan.kind === "send" ? -1 : 1;
  const ref = stepStockRef(held);
  const byProduct = new Map(transferLines.map((line) => [line.productId, line]));
  const notes =
    plan.kind === "send"
      ? `Transfer to ${to.code} (${to.name})`
      : plan.kind === "receive"
        ? `Transfer from ${from.code} (${from.name})`
        : `Transfer to ${to.code} cancelled: back from transit`;

  const batch = new Batch(scope.d1);
  const { updates, logs } = stockChanges(
    scope.d1,
    moved.map((line) => ({
      productId: line.product_id,
      delta: sign * line.quantity,
      minStockLevel: byProduct.get(line.product_id)?.minStockLevel ?? 0,
    })),
    {
      idBase: scope.idBase,
      userId: actor.id,
      action: ACTION[plan.kind],
      referenceNumber: transfer.transferNumber,
      notes,
      stockRef: ref,
      now: time.nowIso,
    },
  );
  for (const update of updates) batch.add(update);
  batch.addEach(logs);
  batch.add(
    insertMove(scope.d1, {
      stockRef: ref,
      transferId: transfer.id,
      stepKey: plan.stepKey,
      kind: plan.kind,
      expiresAtMs: time.deadline,
      now: time.nowIso,
    }),
  );
  // The request's one audit event, in the batch that decides whether the step happened.
  batch.add(statement(auditStatement(scope.d1, auditAt(stepCtx, "store"), time.audit)));
  batch.refuseOn(
    isStepExpired,
    () => new ApiError("CONFLICT", "The transfer step took too long and was not applied; nothing moved, please retry"),
  );
  batch.refuseOn(
    "stock_levels_non_negative",
    () =>
      new ApiError(
        "INSUFFICIENT_STOCK",
        `Insufficient stock at ${store.code} to send transfer ${transfer.transferNumber}`,
      ),
  );
  await gateAndWrite(stepCtx, {
    ref,
    changes: moved.map((line) => ({
      productId: line.product_id,
      delta: sign * line.quantity,
      productName: byProduct.get(line.product_id)?.productName,
    })),
    batch,
    read: () => undefined,
    recover: async () => undefined,
    probe: () => moveByRef(scope.d1, ref).prepared.first(),
    settled,
  });
  // Units left the source: its managers hear if that took a product to its minimum (after the response).
  if (plan.kind === "send") stepCtx.notify.lowStock(moved.map((line) => line.product_id));
  return true;
}

/** The store the context acts on, if any (a job's context acts on none). */
function actingStore(ctx: ServiceContext): StoreScope | undefined {
  try {
    return ctx.store;
  } catch {
    return undefined;
  }
}
