/**
 * What a transfer's writes tell the audit trail and the webhooks (README
 * "Audit trail", "Webhooks and the events feed"): one audit event per
 * successful request, one feed event per change (`transfer.created`,
 * `transfer.sent`, `transfer.received` per receipt, `transfer.cancelled`).
 *
 * Where each goes (transfers-protocol.ts has the batches):
 * - a create and a draft's cancel are one head-office batch: both there;
 * - a step that moves stock commits in its store's batch (the sweep reads
 *   that store's book as the truth), so its audit event is written there, in
 *   the moving store's database, exactly once (the step's move row is unique);
 *   its feed event goes into the head-office batch that marks the step
 *   applied: the request's confirm, or the sweep's when that was lost. The
 *   event's key makes the second of those write nothing.
 *
 * Payloads are the transfer as `GET /transfers/{id}` answers it, built from
 * the values the batch writes (or read in the hold's own transaction).
 */
import { type AuditEntry, changedFields } from "../audit/record";
import type { TransferStepKind } from "../db/schema";
import type { StoreRow, Transfer, TransferLine, TransferStep } from "../db/transfers";
import type { LineQuantity } from "../domain/transfer";
import type { EventRecord } from "../events/record";
import type { EventType } from "../events/types";
import { type TransferView, toTransferView } from "./transfers-view";

/** A transfer as a batch leaves it: the row, its lines and steps, both ends. */
export interface TransferState {
  transfer: Transfer;
  lines: TransferLine[];
  steps: TransferStep[];
  from: StoreRow;
  to: StoreRow;
}

export const viewOf = (state: TransferState): TransferView =>
  toTransferView({ ...state, roles: { from: null, to: null } });

const TYPE: Record<TransferStepKind | "create", EventType> = {
  create: "transfer.created",
  send: "transfer.sent",
  receive: "transfer.received",
  cancel: "transfer.cancelled",
};

/**
 * The feed event of a transfer's change. A transfer is created, sent and
 * cancelled once (`transfer.<verb>:<id>`); it may be received in several
 * receipts, each its own event, named by the version the receipt made.
 */
export function transferEvent(
  change: TransferStepKind | "create",
  view: TransferView,
  storeId: number,
  occurredAt: string,
): EventRecord {
  const type = TYPE[change];
  return {
    key: change === "receive" ? `${type}:${view.id}:v${view.version}` : `${type}:${view.id}`,
    type,
    storeId,
    resourceType: "transfer",
    resourceId: view.id,
    resourceVersion: view.version,
    payload: view,
    occurredAt,
  };
}

/** The state after a step's hold, with that step applied at `appliedAt` (what its confirm makes it). */
export const withStepApplied = (state: TransferState, stepKey: string, appliedAt: string): TransferState => ({
  ...state,
  steps: state.steps.map((s) =>
    s.stepKey === stepKey && s.status === "pending" ? { ...s, status: "applied", appliedAt } : s,
  ),
});

/** The line column each kind of step moves. */
const COLUMN: Record<TransferStepKind, "sent" | "received" | "returned"> = {
  send: "sent",
  receive: "received",
  cancel: "returned",
};

/** Where each step starts (the hold's status trigger refuses any other). */
const STARTS_AT: Record<TransferStepKind, Transfer["status"]> = { send: "draft", receive: "sent", cancel: "sent" };

const ACTION: Record<TransferStepKind, string> = {
  send: "transfer.sent",
  receive: "transfer.received",
  cancel: "transfer.cancelled",
};

/**
 * A step's audit event: the status it changed and, per line it moved, the
 * column it moved (sent, received or returned) before and after, from the
 * transfer as the hold left it and the quantities the step row holds.
 */
export function stepAudit(kind: TransferStepKind, after: TransferState, moved: LineQuantity[]): AuditEntry {
  const column = COLUMN[kind];
  const now = new Map(after.lines.map((line) => [line.productId, line[column]]));
  const valueAfter = (m: LineQuantity) => now.get(m.product_id) ?? 0;
  const status = changedFields({ status: STARTS_AT[kind] }, { status: after.transfer.status });
  return {
    action: ACTION[kind],
    entityType: "transfer",
    entityId: after.transfer.id,
    before: {
      ...status.before,
      lines: moved.map((m) => ({ product_id: m.product_id, [column]: valueAfter(m) - m.quantity })),
    },
    after: { ...status.after, lines: moved.map((m) => ({ product_id: m.product_id, [column]: valueAfter(m) })) },
  };
}
