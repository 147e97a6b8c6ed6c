/**
 * The steps of a transfer (README "Transfers"): send, receive (any number of
 * times, partly or fully), cancel. Each reads the transfer first, so the
 * common refusals (wrong status, more than is in transit, not your store)
 * get a precise answer before anything is written; the hold batch of
 * transfers-protocol.ts is the gate that still holds when requests race.
 *
 * Each step is idempotent: its key (`send`, `cancel`, `receive:<Idempotency-Key>`)
 * is the step row's primary key, so a retried step finds the one it made and
 * answers 200 with the transfer as it is, changing nothing.
 */
import { auditAt, auditStatement } from "../audit/record";
import { Batch, statement } from "../db/batch";
import { cancelDraft, DRAFT_CHANGED, stillDraftAt } from "../db/transfers";
import {
  checkLines,
  checkReceipt,
  type LineQuantity,
  type LinesProblem,
  receiveStepKey,
  sameLines,
} from "../domain/transfer";
import { recordEventStatements } from "../events/record";
import type { AuthUser } from "../lib/auth/current-user";
import { ApiError, invalidField } from "../lib/errors";
import { isoNow } from "../lib/time";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import type { ServiceContext } from "./context";
import { transferEvent, viewOf } from "./transfers-events";
import { runStep, StepHoldRefused, type StepPlan } from "./transfers-protocol";
import {
  assertMayMove,
  type LoadedTransfer,
  type TransferView,
  toTransferView,
  visibleTransfer,
} from "./transfers-view";

const busy = () =>
  new ApiError("TRANSFER_BUSY", "Another step of this transfer is still settling; retry shortly", {
    headers: { "Retry-After": "2" },
  });

const STATUS_WORDS = {
  draft: "is a draft (not sent yet)",
  sent: "is sent",
  received: "is fully received: nothing is in transit",
  cancelled: "is cancelled",
} as const;

const wrongStatus = (t: LoadedTransfer, doing: string) =>
  new ApiError(
    "INVALID_STATE",
    `Cannot ${doing} transfer ${t.transfer.transferNumber}: it ${STATUS_WORDS[t.transfer.status]}`,
    { extra: { status: t.transfer.status } },
  );

/** The transfer as it is now, for the caller (who could see it a moment ago). */
async function current(ctx: ServiceContext, actor: AuthUser, id: number): Promise<TransferView> {
  return toTransferView(await visibleTransfer(ctx, actor, id));
}

/** A step already taken under `stepKey`: applied → the transfer as it is; still settling → 409 busy. */
async function replay(ctx: ServiceContext, actor: AuthUser, id: number, stepKey: string): Promise<TransferView> {
  const loaded = await visibleTransfer(ctx, actor, id);
  const step = loaded.steps.find((s) => s.stepKey === stepKey);
  if (step?.status === "pending") throw busy();
  return toTransferView(loaded);
}

/**
 * Runs the step and answers with the transfer after it; a refused hold is
 * answered from the transfer as it then is (a racing step changed it).
 */
async function step(
  ctx: ServiceContext,
  actor: AuthUser,
  plan: StepPlan,
  doing: string,
  overReceipt?: (loaded: LoadedTransfer) => ApiError | null,
): Promise<TransferView> {
  const id = plan.loaded.transfer.id;
  try {
    await runStep(ctx, actor, plan);
  } catch (error) {
    if (!(error instanceof StepHoldRefused)) throw error;
    if (error.reason === "same_step") return replay(ctx, actor, id, plan.stepKey);
    if (error.reason === "other_pending") throw busy();
    const now = await visibleTransfer(ctx, actor, id);
    if (error.reason === "over_in_transit") {
      throw overReceipt?.(now) ?? new ApiError("CONFLICT", `More than is in transit on ${now.transfer.transferNumber}`);
    }
    throw wrongStatus(now, doing);
  }
  return current(ctx, actor, id);
}

/** The source sends the draft: every line's quantity leaves the source's stock and is in transit. */
export async function sendTransfer(ctx: ServiceContext, actor: AuthUser, id: number): Promise<TransferView> {
  const loaded = await visibleTransfer(ctx, actor, id);
  assertMayMove(loaded, "source");
  if (loaded.steps.some((s) => s.stepKey === "send")) return replay(ctx, actor, id, "send");
  if (loaded.transfer.status !== "draft") throw wrongStatus(loaded, "send");
  const lines = loaded.lines.map((line) => ({ product_id: line.productId, quantity: line.quantity }));
  return step(ctx, actor, { loaded, kind: "send", stepKey: "send", lines }, "send");
}

function receiptProblem(problem: LinesProblem): ApiError {
  switch (problem.kind) {
    case "empty":
      return invalidField(["body", "lines"], "A receipt needs at least one line");
    case "too_many":
      return invalidField(["body", "lines"], `A transfer has at most 100 lines; got ${problem.count}`);
    case "duplicate":
      return invalidField(
        ["body", "lines", problem.index, "product_id"],
        `Product ${problem.productId} is listed twice`,
      );
    case "not_positive":
      return invalidField(["body", "lines", problem.index, "quantity"], "quantity must be a positive integer");
  }
}

/** 409 naming the product and what is still in transit (the lines as `loaded` has them). */
function overReceipt(loaded: LoadedTransfer, receipt: LineQuantity[]): ApiError | null {
  const problem = checkReceipt(
    loaded.lines.map((l) => ({ ...l })),
    receipt,
  );
  if (problem?.kind !== "more_than_in_transit") return null;
  return new ApiError(
    "CONFLICT",
    `Cannot receive ${receipt[problem.index]?.quantity} of ${problem.productName} on ${loaded.transfer.transferNumber}: ${problem.inTransit} in transit`,
    { extra: { product_id: problem.productId, in_transit: problem.inTransit } },
  );
}

/**
 * The destination receives some or all of what is in transit. `idempotencyKey`
 * names the receipt: a retry with the same key (and the same lines) answers
 * the transfer as it is; none given, every call is a new receipt.
 */
export async function receiveTransfer(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  receipt: LineQuantity[],
  idempotencyKey: string | undefined,
): Promise<TransferView> {
  const problem = checkLines(receipt);
  if (problem) throw receiptProblem(problem);
  const loaded = await visibleTransfer(ctx, actor, id);
  assertMayMove(loaded, "destination");
  const stepKey = receiveStepKey(idempotencyKey ?? crypto.randomUUID());
  const earlier = loaded.steps.find((s) => s.stepKey === stepKey);
  if (earlier) {
    if (!sameLines(JSON.parse(earlier.lines) as LineQuantity[], receipt)) {
      throw new ApiError(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key already received other lines on this transfer; use a new key for a new receipt",
      );
    }
    return replay(ctx, actor, id, stepKey);
  }
  if (loaded.transfer.status !== "sent") throw wrongStatus(loaded, "receive");
  const offLine = checkReceipt(loaded.lines, receipt);
  if (offLine?.kind === "not_on_transfer") {
    throw invalidField(
      ["body", "lines", offLine.index, "product_id"],
      `Product ${offLine.productId} is not on transfer ${loaded.transfer.transferNumber}`,
    );
  }
  const over = overReceipt(loaded, receipt);
  if (over) throw over;
  return step(ctx, actor, { loaded, kind: "receive", stepKey, lines: receipt }, "receive", (now) =>
    overReceipt(now, receipt),
  );
}

/**
 * The source cancels: a draft simply becomes cancelled; a sent transfer's
 * units still in transit go back to the source's stock (what arrived stays
 * arrived). A cancelled transfer answers as it is.
 */
export async function cancelTransfer(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  attempt = 1,
): Promise<TransferView> {
  const loaded = await visibleTransfer(ctx, actor, id);
  assertMayMove(loaded, "source");
  switch (loaded.transfer.status) {
    case "cancelled":
      return replay(ctx, actor, id, "cancel");
    case "received":
      throw wrongStatus(loaded, "cancel");
    case "draft": {
      if (await cancelDraftOf(ctx, actor, loaded)) return current(ctx, actor, id);
      // A send took it meanwhile: cancel from where that left it (a send undone since: a draft again, try once more).
      if (attempt >= 3) throw busy();
      return cancelTransfer(ctx, actor, id, attempt + 1);
    }
    case "sent":
      return cancelSent(ctx, actor, loaded);
  }
}

/** The draft changed since it was read (a send took it, or one was undone): read it again. */
class DraftChanged extends Error {}

/**
 * Cancels the draft as it was read, with its audit event and its
 * `transfer.cancelled` event (built from that read: the guard refuses the
 * batch when the draft changed since). False when it changed.
 */
async function cancelDraftOf(ctx: ServiceContext, actor: AuthUser, loaded: LoadedTransfer): Promise<boolean> {
  const hq = ctx.hq.d1;
  const { transfer } = loaded;
  const nowIso = isoNow(ctx.now());
  const cancelled = {
    ...transfer,
    status: "cancelled" as const,
    cancelledBy: actor.id,
    cancelledAt: nowIso,
    version: transfer.version + 1,
    updatedAt: nowIso,
  };
  const event = transferEvent("cancel", viewOf({ ...loaded, transfer: cancelled }), loaded.from.id, nowIso);
  const batch = new Batch(hq);
  batch.guard("still the draft as read", stillDraftAt(hq, transfer.id, transfer.version));
  batch.add(cancelDraft(hq, transfer.id, actor.id, nowIso));
  batch.add(
    statement(
      auditStatement(hq, auditAt(ctx, "hq"), {
        action: "transfer.cancelled",
        entityType: "transfer",
        entityId: transfer.id,
        before: { status: "draft" },
        after: { status: "cancelled" },
        onlyIfChanged: true,
      }),
    ),
  );
  for (const s of recordEventStatements(hq, event, nowIso)) batch.add(statement(s));
  batch.refuseOn(DRAFT_CHANGED, () => new DraftChanged());
  try {
    await batch.commit();
  } catch (error) {
    if (error instanceof DraftChanged) return false;
    throw error;
  }
  ctx.defer(enqueueDeliveriesOf(ctx.env, hq, [event.key]));
  return true;
}

function cancelSent(ctx: ServiceContext, actor: AuthUser, loaded: LoadedTransfer) {
  if (loaded.steps.some((s) => s.stepKey === "cancel")) return replay(ctx, actor, loaded.transfer.id, "cancel");
  return step(ctx, actor, { loaded, kind: "cancel", stepKey: "cancel" }, "cancel");
}
