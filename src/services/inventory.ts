/**
 * Manual stock movements (deliveries, counts, damage, returns) at the acting
 * store, through the product's Durable Object there, and the store's
 * inventory log that explains every unit. The catalog (head office) is only
 * read: whether the product exists, its name, its default minimum.
 */
import { auditAt, auditStatement, inBatch } from "../audit/record";
import { Batch, runAlone, statement } from "../db/batch";
import { findLog, findLogByRef, logPage, movementTotals } from "../db/inventory";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import { findProductForStock, productExists, stockValueStatements } from "../db/products";
import { type InventoryLog, levelRowsJson, levelsOf, stockChanges } from "../db/stock";
import { toDecimal } from "../domain/money";
import { localDayBounds } from "../domain/report-range";
import { type ManualAction, type MovementProblem, planMovement } from "../domain/stock-movement";
import type { AuthUser } from "../lib/auth/current-user";
import { ApiError, invalidField, notFound } from "../lib/errors";
import type { IdempotencyContext } from "../lib/idempotency";
import { isoNow } from "../lib/time";
import type { ServiceContext } from "./context";
import { gateAndWrite } from "./stock-protocol";

export interface MovementInput {
  product_id: number;
  action?: ManualAction | undefined;
  quantity_change?: number | undefined;
  new_quantity?: number | undefined;
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
}

export const toLogView = (log: InventoryLog) => ({
  id: log.id,
  product_id: log.productId,
  user_id: log.userId,
  action: log.action,
  quantity_change: log.quantityChange,
  quantity_before: log.quantityBefore,
  quantity_after: log.quantityAfter,
  reference_number: log.referenceNumber,
  notes: log.notes,
  created_at: log.createdAt,
});
export type LogView = ReturnType<typeof toLogView>;

/** A movement's answer: its log row and the stock it left. */
const toMovementView = (log: InventoryLog) => ({ ...toLogView(log), stock_quantity: log.quantityAfter });
export type MovementView = ReturnType<typeof toMovementView>;

/** Where in the request a movement's problem lies, and what the client is told. */
function movementError(problem: MovementProblem): ApiError {
  switch (problem.kind) {
    case "change_or_count":
      return invalidField(["body", "quantity_change"], "Send exactly one of quantity_change or new_quantity");
    case "count_not_adjustment":
      return invalidField(["body", "action"], "new_quantity (a count) goes with action 'adjustment'");
    case "count_unchanged":
      return invalidField(["body", "new_quantity"], `Stock is already ${problem.stock}`);
    case "zero_change":
      return invalidField(["body", "quantity_change"], "quantity_change must not be zero");
    case "negative_addition":
      return invalidField(
        ["body", "quantity_change"],
        `${problem.action} adds stock; quantity_change must be positive`,
      );
  }
}

/**
 * Moves a product's stock by the stock protocol: gate through its Durable
 * Object, then one batch with the Idempotency-Key, the stock UPDATE and the
 * log row. After a removal, managers are told (after the response) if the
 * product is now at or below its minimum.
 */
export async function moveStock(
  ctx: ServiceContext,
  actor: AuthUser,
  input: MovementInput,
  idem: IdempotencyContext | null,
): Promise<MovementView> {
  const productId = input.product_id;
  // The catalog's row and the store's level, together: neither waits for the other.
  const [product, levels] = await Promise.all([
    findProductForStock(ctx.hq.db, productId),
    levelsOf(ctx.store.d1, [productId]),
  ]);
  if (!product) throw notFound("Product");
  const plan = planMovement(
    { action: input.action, quantity: input.quantity_change, count: input.new_quantity },
    levels.get(productId)?.quantity ?? 0,
  );
  if (!plan.ok) throw movementError(plan.problem);
  const { action, delta } = plan;

  const ref = `ADJ-${crypto.randomUUID()}`;
  const now = isoNow(ctx.now());
  const store = ctx.store;
  const batch = new Batch(store.d1);
  batch.claimKey(idem, { type: "inventory_log", ref }, now);
  // A store's first movement of a product makes its row, with the catalog's minimum.
  const { updates, logs } = stockChanges(store.d1, [{ productId, delta, minStockLevel: product.minStockLevel }], {
    idBase: store.idBase,
    userId: actor.id,
    action,
    referenceNumber: input.reference_number ?? null,
    notes: input.notes ?? null,
    stockRef: ref,
    now,
  });
  for (const update of updates) batch.add(update);
  const logged = batch.addEach(logs);
  batch.add(statement(movementEvent(ctx, productId, action, input.notes ?? null)));
  const log = await gateAndWrite(ctx, {
    ref,
    changes: [{ productId, delta, productName: product.name }],
    batch,
    read: () => onlyLog(logged.value),
    recover: async () => {
      const found = await findLogByRef(store.db, ref);
      if (!found)
        throw new ApiError("SERVICE_UNAVAILABLE", "Movement state unknown; retry with the same Idempotency-Key");
      return found;
    },
  });
  if (delta < 0) ctx.notify.lowStock([productId]);
  return toMovementView(log);
}

/** The movement's log row, just written: log ids are MAX + 1 inside the batch. */
const THIS_LOG = "FROM inventory_logs WHERE id = (SELECT MAX(id) FROM inventory_logs)";

/**
 * The movement's audit event, in its batch (the store's database, where the
 * book is): the stock before and after as the batch moved it (a sale landing
 * since the read moved it too), the kind of movement, and its notes as the reason.
 */
const movementEvent = (ctx: ServiceContext, productId: number, action: ManualAction, notes: string | null) =>
  auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
    action: "inventory.adjusted",
    entityType: "product",
    entityId: productId,
    before: { stock_quantity: inBatch(`SELECT quantity_before ${THIS_LOG}`) },
    after: { stock_quantity: inBatch(`SELECT quantity_after ${THIS_LOG}`), movement: action },
    reason: notes,
  });

function onlyLog(rows: InventoryLog[]): InventoryLog {
  const [log] = rows;
  if (!log) throw new Error("The movement's batch wrote no log row");
  return log;
}

/** The answer of the movement made under `ref`, for an Idempotency-Key replay (null if none was). */
export async function movementByRef(ctx: ServiceContext, ref: string): Promise<MovementView | null> {
  const log = await findLogByRef(ctx.store.db, ref);
  return log ? toMovementView(log) : null;
}

export interface LogQuery extends PageRequest {
  product_id?: number | undefined;
  action?: InventoryLog["action"] | undefined;
  user_id?: number | undefined;
  /** Local days (YYYY-MM-DD) in the store's time zone, both inclusive. */
  start_date?: string | undefined;
  end_date?: string | undefined;
}

/** The acting store's log, newest first, filtered by product, action, user and local days (the store's). */
export async function listLogs(ctx: ServiceContext, query: LogQuery): Promise<Page<LogView>> {
  const { start, end } = localDayBounds(ctx.store.timeZone, query.start_date, query.end_date);
  const page = await logPage(ctx.store.db, {
    skip: query.skip,
    limit: query.limit,
    productId: query.product_id,
    action: query.action,
    userId: query.user_id,
    start,
    end,
  });
  return mapPage(page, toLogView);
}

/** One product's log at the acting store, newest first (404 for a product that does not exist). */
export async function productHistory(ctx: ServiceContext, productId: number, page: PageRequest) {
  const [exists, logs] = await Promise.all([
    productExists(ctx.hq.db, productId),
    logPage(ctx.store.db, { ...page, productId }),
  ]);
  if (!exists) throw notFound("Product");
  return mapPage(logs, toLogView);
}

/** One row of the acting store's log (the route acts on the store its id names). */
export async function getLog(ctx: ServiceContext, id: number): Promise<LogView> {
  const log = await findLog(ctx.store.db, id);
  if (!log) throw notFound("Inventory log");
  return toLogView(log);
}

/** The acting store's stock against the active catalog (GET /inventory/summary's, and /reports/inventory's). */
export interface StockOnHand {
  /** Active products in the catalog. */
  total_products: number;
  /** Active products the store has no stock row for: none on hand, counted as out of stock and low. */
  not_stocked: number;
  units_on_hand: number;
  /** Cents. */
  at_cost: number;
  /** Cents, at the store's own prices where it has them. */
  at_retail: number;
  low_stock_count: number;
  out_of_stock_count: number;
}

/**
 * What the acting store holds of the active catalog: the store's level rows
 * are read, then summed against the catalog's prices at the head office (in
 * chunks, each one JSON parameter). An active product the store has no row
 * for holds nothing there: out of stock, and low (0 ≤ any minimum).
 */
export async function stockOnHand(
  ctx: Pick<ServiceContext, "hq" | "store">,
  rowsPerChunk = 20_000,
): Promise<StockOnHand> {
  const chunks = await levelRowsJson(ctx.store.d1, rowsPerChunk);
  const { active, parts } = stockValueStatements(ctx.hq.d1, ctx.store.id, chunks);
  const batch = new Batch(ctx.hq.d1);
  const activeCount = batch.add(active);
  const partHandles = parts.map((part) => batch.add(part));
  await batch.commit();
  const total = activeCount.value[0]?.n ?? 0;
  const sum = { stocked: 0, units_on_hand: 0, at_cost: 0, at_retail: 0, low_stock_count: 0, out_of_stock_count: 0 };
  for (const handle of partHandles) {
    for (const row of handle.value) {
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += row[key];
    }
  }
  const withoutRow = Math.max(0, total - sum.stocked);
  return {
    total_products: total,
    not_stocked: withoutRow,
    units_on_hand: sum.units_on_hand,
    at_cost: sum.at_cost,
    at_retail: sum.at_retail,
    low_stock_count: sum.low_stock_count + withoutRow,
    out_of_stock_count: sum.out_of_stock_count + withoutRow,
  };
}

/** Units in and out per action over optional local days at the acting store, and what its stock on hand is worth now. */
export async function inventorySummary(
  ctx: ServiceContext,
  days: { start_date?: string | undefined; end_date?: string | undefined },
) {
  const range = localDayBounds(ctx.store.timeZone, days.start_date, days.end_date);
  const [movements, onHand] = await Promise.all([
    runAlone(movementTotals(ctx.store.d1, range.start, range.end)),
    stockOnHand(ctx),
  ]);
  return {
    by_action: movements,
    active_products: onHand.total_products,
    /** The replaced API's name for the same count (and /reports/inventory's). */
    total_products: onHand.total_products,
    units_on_hand: onHand.units_on_hand,
    value_at_cost: toDecimal(onHand.at_cost),
    value_at_retail: toDecimal(onHand.at_retail),
    low_stock_count: onHand.low_stock_count,
    out_of_stock_count: onHand.out_of_stock_count,
  };
}

/** Reloads the product's Durable Object at the acting store from its book; 409 while it holds stock operations in flight. */
export async function resyncStock(ctx: ServiceContext, productId: number) {
  if (!(await productExists(ctx.hq.db, productId))) throw notFound("Product");
  const result = await ctx.stock.resync(productId);
  if (!result.ok) throw new ApiError("CONFLICT", "The product has stock operations in flight; try again in a minute");
  // The change is the object's, not D1's: its event follows it, in the store's database where the book is.
  await auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
    action: "inventory.resynced",
    entityType: "product",
    entityId: productId,
    after: { available: result.available },
  }).run();
  return result;
}
