/**
 * A transfer as the API shows it, and the one read every transfer request
 * starts with: the transfer, its lines, its steps (the legs), both ends and
 * the caller's role at each, in one head-office batch. Who may see or move
 * it follows the roles per store (README "Transfers"): an end where the
 * caller holds `transfers:read` shows it; the source's `transfers:write`
 * creates, sends and cancels, the destination's receives.
 */
import { Batch } from "../db/batch";
import type { Role } from "../db/schema";
import {
  linesOf,
  rolesAtTransfer,
  type StoreRow,
  stepsOf,
  storesOfTransfer,
  type Transfer,
  type TransferLine,
  type TransferListRow,
  type TransferStep,
  transferById,
} from "../db/transfers";
import { inTransit, type LineQuantity } from "../domain/transfer";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission, type Permission } from "../lib/auth/rbac";
import { ApiError, notFound } from "../lib/errors";
import type { ServiceContext } from "./context";

/** Everything a step or a read needs about one transfer. */
export interface LoadedTransfer {
  transfer: Transfer;
  lines: TransferLine[];
  steps: TransferStep[];
  from: StoreRow;
  to: StoreRow;
  /** The caller's role at each end (null: none). */
  roles: { from: Role | null; to: Role | null };
}

/** The transfer with its lines, legs, ends and the caller's roles; undefined when there is no such transfer. */
export async function loadTransfer(
  ctx: Pick<ServiceContext, "hq">,
  userId: number,
  id: number,
): Promise<LoadedTransfer | undefined> {
  const batch = new Batch(ctx.hq.d1);
  const transfer = batch.add(transferById(ctx.hq.d1, id));
  const lines = batch.add(linesOf(ctx.hq.d1, id));
  const steps = batch.add(stepsOf(ctx.hq.d1, id));
  const ends = batch.add(storesOfTransfer(ctx.hq.d1, id));
  const roles = batch.add(rolesAtTransfer(ctx.hq.d1, userId, id));
  await batch.commit();
  const row = transfer.value;
  if (!row) return undefined;
  const from = ends.value.find((s) => s.id === row.fromStoreId);
  const to = ends.value.find((s) => s.id === row.toStoreId);
  if (!from || !to) throw new Error(`transfer ${id} names a store that does not exist`);
  const roleAt = (storeId: number) => roles.value.find((r) => r.store_id === storeId)?.role ?? null;
  return {
    transfer: row,
    lines: lines.value,
    steps: steps.value,
    from,
    to,
    roles: { from: roleAt(row.fromStoreId), to: roleAt(row.toStoreId) },
  };
}

const holds = (role: Role | null, permission: Permission) => role !== null && hasPermission(role, permission);

/** Whether the caller may see the transfer: `transfers:read` at either end. */
export const canSee = (t: Pick<LoadedTransfer, "roles">) =>
  holds(t.roles.from, "transfers:read") || holds(t.roles.to, "transfers:read");

/**
 * The transfer, for a caller who may see it (404 otherwise: a transfer of
 * stores you have no part in does not show it exists).
 */
export async function visibleTransfer(ctx: Pick<ServiceContext, "hq">, actor: AuthUser, id: number) {
  const loaded = await loadTransfer(ctx, actor.id, id);
  if (!loaded || !canSee(loaded)) throw notFound("Transfer");
  return loaded;
}

/** 403 unless the caller's role at the step's end (`source` or `destination`) holds transfers:write. */
export function assertMayMove(t: LoadedTransfer, end: "source" | "destination") {
  const store = end === "source" ? t.from : t.to;
  const role = end === "source" ? t.roles.from : t.roles.to;
  const doing = end === "source" ? "send or cancel" : "receive";
  if (holds(role, "transfers:write")) {
    // As at the acting store: an inactive store refuses everyone but admins.
    if (store.status !== "active" && role !== "admin") {
      throw new ApiError("FORBIDDEN", `Store ${store.code} is inactive; only an admin may ${doing} its transfers`);
    }
    return;
  }
  throw new ApiError(
    "FORBIDDEN",
    role
      ? `Your role at ${store.code} (${role}) may not ${doing} transfers`
      : `Only staff of the ${end} store (${store.code}) may ${doing} this transfer`,
  );
}

const storeRef = (store: Pick<StoreRow, "id" | "code" | "name">) => ({
  id: store.id,
  code: store.code,
  name: store.name,
});

const header = (t: Transfer) => ({
  id: t.id,
  transfer_number: t.transferNumber,
  status: t.status,
  note: t.note,
  created_by: t.createdBy,
  sent_by: t.sentBy,
  sent_at: t.sentAt,
  received_at: t.receivedAt,
  cancelled_by: t.cancelledBy,
  cancelled_at: t.cancelledAt,
  version: t.version,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

const lineView = (line: TransferLine) => ({
  product_id: line.productId,
  product_name: line.productName,
  product_sku: line.productSku,
  quantity: line.quantity,
  sent: line.sent,
  received: line.received,
  returned: line.returned,
  in_transit: inTransit(line),
});

const legView = (step: TransferStep) => ({
  kind: step.kind,
  step_key: step.stepKey,
  store_id: step.storeId,
  status: step.status,
  lines: JSON.parse(step.lines) as LineQuantity[],
  user_id: step.userId,
  created_at: step.createdAt,
  applied_at: step.appliedAt,
});

export const toTransferView = (t: LoadedTransfer) => ({
  ...header(t.transfer),
  from_store: storeRef(t.from),
  to_store: storeRef(t.to),
  lines: t.lines.map(lineView),
  legs: t.steps.map(legView),
});
export type TransferView = ReturnType<typeof toTransferView>;

export const toTransferListItem = (row: TransferListRow) => ({
  ...header(row),
  from_store: { id: row.fromStoreId, code: row.from_code, name: row.from_name },
  to_store: { id: row.toStoreId, code: row.to_code, name: row.to_name },
  line_count: row.line_count,
  units: {
    quantity: row.units_quantity,
    sent: row.units_sent,
    received: row.units_received,
    returned: row.units_returned,
    in_transit: row.units_sent - row.units_received - row.units_returned,
  },
});
export type TransferListItem = ReturnType<typeof toTransferListItem>;
