/**
 * Stock levels and their log (the products.stock_quantity column and
 * inventory_logs), as the stock protocol writes them and as the product's
 * Durable Object and reconciliation read them back.
 *
 * Set-based SQL for stock changes: one UPDATE and one log INSERT per chunk of
 * products rather than two statements per product, so a batch's size (and
 * D1's work) barely grows with the number of lines. Chunks keep every
 * statement under D1's 100 bound parameters.
 */
import { eq } from "drizzle-orm";
import { returningRows, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { dbFor } from "./client";
import type { Row } from "./rows";
import { inventoryLogs, products } from "./schema";

export interface StockLine {
  productId: number;
  /** Signed change (negative for a sale). */
  delta: number;
}

export interface LogMeta {
  userId: number | null;
  action: "sale" | "return" | "stock_in" | "stock_out" | "adjustment" | "damage";
  referenceNumber: string | null;
  notes: string | null;
  stockRef: string;
  now: string;
}

export type InventoryLog = Row<typeof inventoryLogs>;

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The statements of a stock change, for a `Batch`: the UPDATEs, then the log INSERTs (each RETURNING its rows). */
export interface StockChangeStatements {
  updates: Statement<D1Result>[];
  logs: Statement<InventoryLog[]>[];
}

/**
 * UPDATE products by each line's delta, then INSERT one log row per line
 * whose before/after come from the updated row (the INSERTs run after the
 * UPDATEs in the same batch, so `stock_quantity` is already the "after").
 * Add `updates` before `logs`.
 */
export function stockChanges(d1: D1Database, lines: StockLine[], meta: LogMeta): StockChangeStatements {
  const parts = chunk(lines, 40);
  const pairs = (part: StockLine[]) => part.flatMap((line) => [line.productId, line.delta]);
  const updates = parts.map((part) => {
    const cases = part.map((_, i) => `WHEN ?${i * 2 + 2} THEN ?${i * 2 + 3}`).join(" ");
    const ids = part.map((_, i) => `?${i * 2 + 2}`).join(", ");
    return statement(
      d1
        .prepare(
          `UPDATE products SET stock_quantity = stock_quantity + CASE id ${cases} END, updated_at = ?1 WHERE id IN (${ids})`,
        )
        .bind(meta.now, ...pairs(part)),
    );
  });
  const logs = parts.map((part) => {
    const values = part.map((_, i) => `(?${i * 2 + 7}, ?${i * 2 + 8})`).join(", ");
    return returningRows(
      inventoryLogs,
      d1
        .prepare(
          `WITH v(product_id, delta) AS (VALUES ${values})
           INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT p.id, ?1, ?2, v.delta, p.stock_quantity - v.delta, p.stock_quantity, ?3, ?4, ?5, ?6
           FROM v JOIN products p ON p.id = v.product_id
           RETURNING *`,
        )
        .bind(meta.userId, meta.action, meta.referenceNumber, meta.notes, meta.stockRef, meta.now, ...pairs(part)),
    );
  });
  return { updates, logs };
}

/** What an order return put back, per product (the units the stock objects must be credited with). */
export type ReturnedStock = Pick<InventoryLog, "productId" | "quantityChange">;

/**
 * Puts back what an order still has out: per product, Σ (quantity −
 * refunded_quantity) of its lines, read from `order_items` when the batch
 * runs, so a refund that committed first (restocked or not) is never counted
 * twice, whatever the caller read before. Products with nothing left out get
 * no log row. The INSERT returns `product_id, quantity_change` per row: what
 * the batch actually put back. Add `update` before `logs`.
 */
export function orderReturns(
  d1: D1Database,
  orderId: number,
  meta: Omit<LogMeta, "action">,
): { update: Statement<D1Result>; logs: Statement<ReturnedStock[]> } {
  const out = `out(product_id, delta) AS (
    SELECT product_id, SUM(quantity - refunded_quantity) FROM order_items WHERE order_id = ?1
    GROUP BY product_id HAVING SUM(quantity - refunded_quantity) > 0)`;
  return {
    update: statement(
      d1
        .prepare(
          `WITH ${out}
           UPDATE products SET stock_quantity = stock_quantity + (SELECT delta FROM out WHERE out.product_id = products.id),
             updated_at = ?2
           WHERE id IN (SELECT product_id FROM out)`,
        )
        .bind(orderId, meta.now),
    ),
    logs: returningRows<typeof inventoryLogs, ReturnedStock>(
      inventoryLogs,
      d1
        .prepare(
          `WITH ${out}
           INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT p.id, ?2, 'return', out.delta, p.stock_quantity - out.delta, p.stock_quantity, ?3, ?4, ?5, ?6
           FROM out JOIN products p ON p.id = out.product_id
           RETURNING product_id, quantity_change`,
        )
        .bind(orderId, meta.userId, meta.referenceNumber, meta.notes, meta.stockRef, meta.now),
    ),
  };
}

/**
 * The `stock_in` log row of a new product's opening stock, for the batch that
 * inserts the product (found by its SKU, which that batch just wrote).
 */
export const openingStock = (d1: D1Database, sku: string, userId: number, quantity: number, now: string) =>
  statement(
    d1
      .prepare(
        `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
         SELECT id, ?2, 'stock_in', ?3, 0, ?3, 'Opening stock', ?4 FROM products WHERE sku = ?1`,
      )
      .bind(sku, userId, quantity, now),
  );

/** Whether a batch that changed stock under `ref` landed: it wrote at least one log row naming it. */
export const stockRefLanded = (d1: D1Database, ref: string) =>
  d1.prepare("SELECT 1 AS found FROM inventory_logs WHERE stock_ref = ?1 LIMIT 1").bind(ref).first();

/** The product's stock in the book (0 for a product that does not exist), as its Durable Object loads it. */
export async function bookStock(d1: D1Database, productId: number): Promise<number> {
  const row = await dbFor(d1)
    .select({ stockQuantity: products.stockQuantity })
    .from(products)
    .where(eq(products.id, productId))
    .get();
  return row?.stockQuantity ?? 0;
}

/**
 * For each of `refs` that wrote log rows for the product, the units they
 * changed (Σ quantity_change): what the product's Durable Object reads to
 * settle holds whose outcome it never heard. A ref missing from the map wrote nothing.
 */
export async function unitsLoggedUnder(
  d1: D1Database,
  productId: number | null,
  refs: string[],
): Promise<Map<string, number>> {
  const { results } = await d1
    .prepare(
      `SELECT stock_ref AS ref, COALESCE(SUM(quantity_change), 0) AS qty FROM inventory_logs
       WHERE product_id = ?1 AND stock_ref IN (SELECT value FROM json_each(?2)) GROUP BY stock_ref`,
    )
    .bind(productId, JSON.stringify(refs))
    .all<{ ref: string; qty: number }>();
  return new Map(results.map((row) => [row.ref, row.qty]));
}

/** Per product, by id: the book (`stock_quantity`) and the sum of its log's changes (reconciliation). */
export type BookAndLog = { product_id: number; book: number; log_sum: number };

export async function bookAndLog(
  d1: D1Database,
  page: { skip: number; limit: number; productId?: number | undefined },
): Promise<BookAndLog[]> {
  const { results } = await d1
    .prepare(
      `SELECT p.id AS product_id, p.stock_quantity AS book,
              (SELECT COALESCE(SUM(l.quantity_change), 0) FROM inventory_logs l WHERE l.product_id = p.id) AS log_sum
       FROM products p WHERE (?3 IS NULL OR p.id = ?3) ORDER BY p.id LIMIT ?1 OFFSET ?2`,
    )
    .bind(page.limit, page.skip, page.productId ?? null)
    .all<BookAndLog>();
  return results;
}

/** What a cancel whose answer was lost put back, per product: the log rows it wrote under its stock ref. */
export async function unitsReturnedUnder(db: AppDatabase, ref: string): Promise<Map<number, number>> {
  const rows = await db
    .select({ productId: inventoryLogs.productId, quantityChange: inventoryLogs.quantityChange })
    .from(inventoryLogs)
    .where(eq(inventoryLogs.stockRef, ref));
  return new Map(rows.map((row) => [row.productId, row.quantityChange]));
}
