/**
 * Transfers of goods between a chain's stores (README "Transfers"): the
 * head office keeps the transfer, its lines and what is in transit; each
 * step moves stock in one store's database (transfers-steps.ts,
 * transfers-protocol.ts). Here: creating a draft, listing and reading.
 *
 * A draft moves nothing, so creating one is a plain head-office batch. It
 * takes no Idempotency-Key: keys live in a store's database (lib/idempotency.ts)
 * and a draft lives at the head office; a retried create makes a second
 * draft, which the source can cancel (it never moved stock). Its audit event
 * (`transfer.created`) and feed event go out in the same batch
 * (transfers-events.ts).
 */
import { auditAt, auditStatement } from "../audit/record";
import { Batch, runAlone, statement } from "../db/batch";
import type { Page, PageRequest } from "../db/paging";
import { mapPage } from "../db/paging";
import type { TransferStatus } from "../db/schema";
import {
  type CatalogLine,
  catalogRows,
  insertTransfer,
  isTransferIdTaken,
  nextTransferId,
  rolesAtStores,
  type StoreRow,
  storesByIds,
  transferPage,
} from "../db/transfers";
import { checkLines, type LineQuantity, newTransferNumber } from "../domain/transfer";
import { recordEventStatements } from "../events/record";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission, PERMISSIONS } from "../lib/auth/rbac";
import { ApiError, invalidField } from "../lib/errors";
import { isoNow } from "../lib/time";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import type { ServiceContext } from "./context";
import { transferEvent, viewOf } from "./transfers-events";
import {
  type TransferListItem,
  type TransferView,
  toTransferListItem,
  toTransferView,
  visibleTransfer,
} from "./transfers-view";

export interface TransferInput {
  from_store_id: number;
  to_store_id: number;
  lines: LineQuantity[];
  note?: string | null | undefined;
}

function linesError(input: TransferInput): ApiError | null {
  const problem = checkLines(input.lines);
  if (!problem) return null;
  switch (problem.kind) {
    case "empty":
      return invalidField(["body", "lines"], "A transfer needs at least one line");
    case "too_many":
      return invalidField(["body", "lines"], `A transfer has at most 100 lines; got ${problem.count}`);
    case "duplicate":
      return invalidField(
        ["body", "lines", problem.index, "product_id"],
        `Product ${problem.productId} is listed twice; put its whole quantity on one line`,
      );
    case "not_positive":
      return invalidField(["body", "lines", problem.index, "quantity"], "quantity must be a positive integer");
  }
}

/**
 * A draft from one active store to another, of active products (their name
 * and SKU copied onto the lines). The caller needs transfers:write at the source.
 */
export async function createTransfer(
  ctx: ServiceContext,
  actor: AuthUser,
  input: TransferInput,
): Promise<TransferView> {
  const invalid = linesError(input);
  if (invalid) throw invalid;
  if (input.from_store_id === input.to_store_id) {
    throw invalidField(["body", "to_store_id"], "A transfer goes to another store than the one it leaves");
  }
  const ends = [input.from_store_id, input.to_store_id];
  const reads = new Batch(ctx.hq.d1);
  const stores = reads.add(storesByIds(ctx.hq.d1, ends));
  const roles = reads.add(rolesAtStores(ctx.hq.d1, actor.id, ends));
  const products = reads.add(
    catalogRows(
      ctx.hq.d1,
      input.lines.map((line) => line.product_id),
    ),
  );
  await reads.commit();

  for (const [field, storeId] of [
    ["from_store_id", input.from_store_id],
    ["to_store_id", input.to_store_id],
  ] as const) {
    const store = stores.value.find((s) => s.id === storeId);
    if (!store) throw invalidField(["body", field], `Store ${storeId} does not exist`);
    if (store.status !== "active") throw invalidField(["body", field], `Store ${store.code} is inactive`);
  }
  const from = stores.value.find((s) => s.id === input.from_store_id);
  const to = stores.value.find((s) => s.id === input.to_store_id);
  if (!from || !to) throw new Error("a checked store is missing");
  const fromCode = from.code;
  const role = roles.value.find((r) => r.store_id === input.from_store_id)?.role ?? null;
  if (!role || !hasPermission(role, "transfers:write")) {
    throw new ApiError(
      "FORBIDDEN",
      role
        ? `Your role at ${fromCode} (${role}) may not create transfers`
        : `Only staff of the source store (${fromCode}) may create its transfers`,
    );
  }
  const catalog = new Map(products.value.map((p) => [p.id, p]));
  for (const [index, line] of input.lines.entries()) {
    const product = catalog.get(line.product_id);
    if (!product)
      throw invalidField(["body", "lines", index, "product_id"], `Product ${line.product_id} does not exist`);
    if (!product.is_active) {
      throw invalidField(["body", "lines", index, "product_id"], `Product ${product.name} is inactive`);
    }
  }

  const catalogOf = (id: number) => {
    const product = catalog.get(id);
    if (!product) throw new Error(`product ${id} was checked a moment ago`);
    return product;
  };
  const draft = { actor, input, from, to, catalogOf };
  // The id is named up front (its events need it). Creates racing for it: one takes it, the
  // others read the next after a short random pause (so a crowd spreads out) and try again.
  for (let attempt = 1; ; attempt++) {
    try {
      // From the primary: a replica's older MAX would name an id already taken.
      const next = await runAlone(nextTransferId(ctx.hqPrimary)).then((rows) => rows[0]?.id ?? 1);
      return await writeDraft(ctx, draft, next);
    } catch (error) {
      if (!isTransferIdTaken(error)) throw error;
      if (attempt >= CREATE_ATTEMPTS) {
        throw new ApiError("CONFLICT", "Too many transfers are being created at once; retry the request");
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** How many ids a create tries before it gives up (a crowd of creates at one instant of the whole chain). */
const CREATE_ATTEMPTS = 12;

interface Draft {
  actor: AuthUser;
  input: TransferInput;
  from: StoreRow;
  to: StoreRow;
  catalogOf: (productId: number) => CatalogLine;
}

/**
 * One head-office batch: the transfer as `id`, its lines (names and SKUs
 * copied from the catalog), its audit event and its `transfer.created` event.
 */
async function writeDraft(ctx: ServiceContext, draft: Draft, id: number): Promise<TransferView> {
  const { actor, input, from, to } = draft;
  const hq = ctx.hq.d1;
  const now = ctx.now();
  const nowIso = isoNow(now);
  const number = newTransferNumber(now, from.code);
  const note = input.note ?? null;
  const lines = input.lines.map((line) => ({ product_id: line.product_id, quantity: line.quantity }));
  const view = viewOf({
    transfer: {
      id,
      transferNumber: number,
      fromStoreId: from.id,
      toStoreId: to.id,
      status: "draft",
      note,
      createdBy: actor.id,
      sentBy: null,
      sentAt: null,
      receivedAt: null,
      cancelledBy: null,
      cancelledAt: null,
      version: 1,
      createdAt: nowIso,
      updatedAt: nowIso,
    },
    // As GET lists them: by product id.
    lines: [...lines]
      .sort((a, b) => a.product_id - b.product_id)
      .map((line) => {
        const product = draft.catalogOf(line.product_id);
        return {
          transferId: id,
          productId: line.product_id,
          productName: product.name,
          productSku: product.sku,
          quantity: line.quantity,
          sent: 0,
          received: 0,
          returned: 0,
          minStockLevel: 0,
        };
      }),
    steps: [],
    from,
    to,
  });
  const event = transferEvent("create", view, from.id, nowIso);
  const write = new Batch(hq);
  const statements = insertTransfer(hq, {
    id,
    number,
    fromStoreId: from.id,
    toStoreId: to.id,
    note,
    userId: actor.id,
    now: nowIso,
    lines,
  });
  const transfer = write.add(statements.transfer);
  write.add(statements.lines);
  write.add(
    statement(
      auditStatement(hq, auditAt(ctx, "hq"), {
        action: "transfer.created",
        entityType: "transfer",
        entityId: id,
        after: {
          transfer_number: number,
          from_store_id: from.id,
          to_store_id: to.id,
          status: "draft",
          note,
          lines,
        },
      }),
    ),
  );
  for (const s of recordEventStatements(hq, event, nowIso)) write.add(statement(s));
  await write.commit();
  ctx.defer(enqueueDeliveriesOf(ctx.env, hq, [event.key]));
  const created = transfer.value;
  if (!created) throw new Error("The transfer's INSERT returned no row");
  return toTransferView(await visibleTransfer(ctx, actor, created.id));
}

export interface TransferQuery extends PageRequest {
  status?: TransferStatus | undefined;
  from_store_id?: number | undefined;
  to_store_id?: number | undefined;
  store_id?: number | undefined;
  product_id?: number | undefined;
}

/** Newest first; admins see every transfer, others those with an end where their role reads transfers. */
export async function listTransfers(
  ctx: ServiceContext,
  actor: AuthUser,
  query: TransferQuery,
): Promise<Page<TransferListItem>> {
  const page = await transferPage(ctx.hq.d1, {
    skip: query.skip,
    limit: query.limit,
    status: query.status,
    fromStoreId: query.from_store_id,
    toStoreId: query.to_store_id,
    storeId: query.store_id,
    productId: query.product_id,
    visibleTo: actor.role === "admin" ? undefined : { userId: actor.id, roles: PERMISSIONS["transfers:read"] },
  });
  return mapPage(page, toTransferListItem);
}

/** One transfer with its lines and legs (404 when the caller may not see it). */
export async function getTransfer(ctx: ServiceContext, actor: AuthUser, id: number): Promise<TransferView> {
  return toTransferView(await visibleTransfer(ctx, actor, id));
}
