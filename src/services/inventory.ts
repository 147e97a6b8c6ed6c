/**
 * Manual stock movements (deliveries, counts, damage, returns) through the
 * product's Durable Object, and the inventory log that explains every unit.
 */

import { claimKeyStatement as idempotencyInsert, isKeyCollision } from "../db/idempotency-keys";
import type { INVENTORY_ACTIONS } from "../db/schema";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import { readPage, Where } from "../lib/sql-page";
import type { OrderDeps } from "./orders-create";
import { type BatchOutcome, runBatch, withStockGate } from "./stock-protocol";

type InventoryAction = (typeof INVENTORY_ACTIONS)[number];

export const MANUAL_ACTIONS = ["stock_in", "stock_out", "adjustment", "damage", "return"] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

export interface MovementInput {
  action?: ManualAction | undefined;
  quantity_change?: number | undefined;
  new_quantity?: number | undefined;
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
}

export interface RawLog {
  id: number;
  product_id: number;
  user_id: number | null;
  action: InventoryAction;
  quantity_change: number;
  quantity_before: number;
  quantity_after: number;
  reference_number: string | null;
  notes: string | null;
  stock_ref: string | null;
  created_at: string;
}

export const toLogView = (log: RawLog) => ({
  id: log.id,
  product_id: log.product_id,
  user_id: log.user_id,
  action: log.action,
  quantity_change: log.quantity_change,
  quantity_before: log.quantity_before,
  quantity_after: log.quantity_after,
  reference_number: log.reference_number,
  notes: log.notes,
  created_at: log.created_at,
});
export type LogView = ReturnType<typeof toLogView>;

/**
 * The signed change a movement asks for. Removals (stock_out, damage) may be
 * sent as positive magnitudes, as older clients do; additions must be positive.
 */
export function signedDelta(input: MovementInput, currentStock: number): { action: ManualAction; delta: number } {
  const hasChange = input.quantity_change !== undefined;
  const hasCount = input.new_quantity !== undefined;
  if (hasChange === hasCount) {
    throw invalidField(["body", "quantity_change"], "Send exactly one of quantity_change or new_quantity");
  }
  if (hasCount) {
    const action = input.action ?? "adjustment";
    if (action !== "adjustment")
      throw invalidField(["body", "action"], "new_quantity (a count) goes with action 'adjustment'");
    const delta = (input.new_quantity ?? 0) - currentStock;
    if (delta === 0) throw invalidField(["body", "new_quantity"], `Stock is already ${currentStock}`);
    return { action, delta };
  }
  const change = input.quantity_change ?? 0;
  const action = input.action ?? (change > 0 ? "stock_in" : "stock_out");
  if (change === 0) throw invalidField(["body", "quantity_change"], "quantity_change must not be zero");
  if ((action === "stock_in" || action === "return") && change < 0) {
    throw invalidField(["body", "quantity_change"], `${action} adds stock; quantity_change must be positive`);
  }
  const delta = action === "stock_out" || action === "damage" ? -Math.abs(change) : change;
  return { action, delta };
}

export async function moveStock(
  deps: OrderDeps,
  actor: AuthUser,
  productId: number,
  input: MovementInput,
  idem: IdempotencyContext | null,
): Promise<LogView & { stock_quantity: number }> {
  const d1 = deps.d1;
  const product = await d1
    .prepare("SELECT id, name, stock_quantity FROM products WHERE id = ?1")
    .bind(productId)
    .first<{ id: number; name: string; stock_quantity: number }>();
  if (!product) throw notFound("Product");
  const { action, delta } = signedDelta(input, product.stock_quantity);

  const ref = `ADJ-${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  const statements: D1PreparedStatement[] = [];
  if (idem) statements.push(idempotencyInsert(d1, idem, { type: "inventory_log", ref }, now));
  statements.push(
    d1
      .prepare("UPDATE products SET stock_quantity = stock_quantity + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(productId, delta, now),
    d1
      .prepare(
        `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
           reference_number, notes, stock_ref, created_at)
         SELECT id, ?2, ?3, ?4, stock_quantity - ?4, stock_quantity, ?5, ?6, ?7, ?8 FROM products WHERE id = ?1 RETURNING *`,
      )
      .bind(productId, actor.id, action, delta, input.reference_number ?? null, input.notes ?? null, ref, now),
  );
  const write = async (): Promise<BatchOutcome<RawLog>> => {
    const outcome = await runBatch(d1, statements, ref, (results) => results[results.length - 1]?.results[0] as RawLog);
    if (outcome.kind === "refused" && idem && isKeyCollision(outcome.error))
      return { kind: "refused", error: new KeyCollision() };
    return outcome;
  };
  const recover = async () => {
    const log = await findLogByRef(d1, ref);
    if (!log) throw new ApiError("SERVICE_UNAVAILABLE", "Movement state unknown; retry with the same Idempotency-Key");
    return log;
  };
  const log = await withStockGate(deps, ref, [{ productId, delta, productName: product.name }], write, recover);
  return { ...toLogView(log), stock_quantity: log.quantity_after };
}

export async function findLogByRef(d1: D1Database, ref: string): Promise<RawLog | null> {
  return d1.prepare("SELECT * FROM inventory_logs WHERE stock_ref = ?1 LIMIT 1").bind(ref).first<RawLog>();
}

export interface LogFilters {
  skip: number;
  limit: number;
  product_id?: number | undefined;
  action?: string | undefined;
  user_id?: number | undefined;
  start?: string | undefined;
  end?: string | undefined;
}

export async function listLogs(d1: D1Database, filters: LogFilters) {
  const where = new Where();
  if (filters.product_id !== undefined) where.and((p) => `product_id = ${p}`, filters.product_id);
  if (filters.action) where.and((p) => `action = ${p}`, filters.action);
  if (filters.user_id !== undefined) where.and((p) => `user_id = ${p}`, filters.user_id);
  if (filters.start) where.and((p) => `created_at >= ${p}`, filters.start);
  if (filters.end) where.and((p) => `created_at < ${p}`, filters.end);
  const page = await readPage<RawLog>(d1, {
    select: "SELECT * FROM inventory_logs",
    from: "FROM inventory_logs",
    where,
    orderBy: "id DESC",
    skip: filters.skip,
    limit: filters.limit,
  });
  return { total: page.total, data: page.rows.map(toLogView) };
}

export async function getLog(d1: D1Database, id: number) {
  const log = await d1.prepare("SELECT * FROM inventory_logs WHERE id = ?1").bind(id).first<RawLog>();
  if (!log) throw notFound("Inventory log");
  return toLogView(log);
}

/** Units in and out per action over an optional period, and what the stock on hand is worth now. */
export async function inventorySummary(d1: D1Database, start?: string, end?: string) {
  const [movements, value] = await d1.batch([
    d1
      .prepare(
        `SELECT action, COUNT(*) AS entries,
                COALESCE(SUM(CASE WHEN quantity_change > 0 THEN quantity_change ELSE 0 END), 0) AS units_in,
                COALESCE(SUM(CASE WHEN quantity_change < 0 THEN -quantity_change ELSE 0 END), 0) AS units_out
         FROM inventory_logs WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2)
         GROUP BY action ORDER BY action`,
      )
      .bind(start ?? null, end ?? null),
    d1.prepare(
      `SELECT COUNT(*) AS products, COALESCE(SUM(stock_quantity), 0) AS units,
              COALESCE(SUM(stock_quantity * cost_price), 0) AS value_at_cost,
              COALESCE(SUM(stock_quantity * price), 0) AS value_at_retail,
              COALESCE(SUM(CASE WHEN stock_quantity <= min_stock_level THEN 1 ELSE 0 END), 0) AS low_stock,
              COALESCE(SUM(CASE WHEN stock_quantity = 0 THEN 1 ELSE 0 END), 0) AS out_of_stock
       FROM products WHERE is_active = 1`,
    ),
  ]);
  const totals = (value?.results[0] ?? {}) as Record<string, number>;
  return {
    by_action: (movements?.results ?? []) as { action: string; entries: number; units_in: number; units_out: number }[],
    active_products: totals.products ?? 0,
    /** The replaced API's name for the same count (and /reports/inventory's). */
    total_products: totals.products ?? 0,
    units_on_hand: totals.units ?? 0,
    value_at_cost: toDecimal(totals.value_at_cost ?? 0),
    value_at_retail: toDecimal(totals.value_at_retail ?? 0),
    low_stock_count: totals.low_stock ?? 0,
    out_of_stock_count: totals.out_of_stock ?? 0,
  };
}
