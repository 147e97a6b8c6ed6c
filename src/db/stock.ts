/**
 * A store's stock levels and their log (stock_levels and inventory_logs, in
 * the store's database), as the stock protocol writes them and as the
 * product's Durable Object and reconciliation read them back.
 *
 * A product with no stock_levels row has none at that store: its first
 * movement makes the row (an upsert), with the catalog's minimum when the
 * caller knows it. Log rows take ids from the store's range (`idBase`).
 *
 * Set-based SQL for stock changes: one UPDATE and one log INSERT per chunk of
 * products rather than two statements per product, so a batch's size (and
 * D1's work) barely grows with the number of lines. Chunks keep every
 * statement under D1's 100 bound parameters.
 */
import { eq } from "drizzle-orm";
import { returningRows, runAlone, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { dbFor } from "./client";
import type { Row } from "./rows";
import { inventoryLogs, stockLevels } from "./schema";

export interface StockLine {
  productId: number;
  /** Signed change (negative for a sale). */
  delta: number;
  /** The catalog's minimum, for a row this change creates (default 0). */
  minStockLevel?: number | undefined;
}

export interface LogMeta {
  /** The store's id base (StoreScope.idBase): log rows take ids above it. */
  idBase: number;
  userId: number | null;
  action: InventoryLog["action"];
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
 * Upsert each product's stock level by its line's delta, then INSERT one log
 * row per line whose before/after come from the updated row (the INSERTs run
 * after the upserts in the same batch, so `quantity` is already the "after").
 * A sale of a product the store has no row for creates a negative row, which
 * the CHECK refuses (the batch fails). Add `updates` before `logs`.
 */
export function stockChanges(d1: D1Database, lines: StockLine[], meta: LogMeta): StockChangeStatements {
  const parts = chunk(lines, 30);
  // Not one upsert: SQLite checks a row's CHECKs before an upsert turns its
  // INSERT into an UPDATE, so a negative delta would always be refused. Rows
  // that exist move by their delta; missing ones are made with it (a sale of
  // stock the store never had makes a negative row: the CHECK refuses the batch).
  const updates = parts.flatMap((part) => {
    const values = part.map((_, i) => `(?${i * 3 + 2}, ?${i * 3 + 3}, ?${i * 3 + 4})`).join(", ");
    const bound = [meta.now, ...part.flatMap((line) => [line.productId, line.delta, line.minStockLevel ?? 0])];
    const v = `v(product_id, delta, min_stock_level) AS (VALUES ${values})`;
    return [
      statement(
        d1
          .prepare(
            `WITH ${v} UPDATE stock_levels SET quantity = quantity + (SELECT delta FROM v WHERE v.product_id = stock_levels.product_id),
               updated_at = ?1 WHERE product_id IN (SELECT product_id FROM v)`,
          )
          .bind(...bound),
      ),
      statement(
        d1
          .prepare(
            `WITH ${v} INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at)
             SELECT product_id, delta, min_stock_level, ?1 FROM v
             WHERE NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.product_id = v.product_id)`,
          )
          .bind(...bound),
      ),
    ];
  });
  const logs = parts.map((part) => {
    const values = part.map((_, i) => `(?${i * 2 + 8}, ?${i * 2 + 9})`).join(", ");
    return returningRows(
      inventoryLogs,
      d1
        .prepare(
          `WITH v(product_id, delta) AS (VALUES ${values}),
                top(id) AS (SELECT COALESCE(MAX(id), ?7) FROM inventory_logs)
           INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT top.id + row_number() OVER (ORDER BY s.product_id), s.product_id, ?1, ?2, v.delta,
             s.quantity - v.delta, s.quantity, ?3, ?4, ?5, ?6
           FROM v JOIN stock_levels s ON s.product_id = v.product_id, top
           RETURNING *`,
        )
        .bind(
          meta.userId,
          meta.action,
          meta.referenceNumber,
          meta.notes,
          meta.stockRef,
          meta.now,
          meta.idBase,
          ...part.flatMap((line) => [line.productId, line.delta]),
        ),
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
           INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at)
           SELECT product_id, delta, 0, ?2 FROM out WHERE true
           ON CONFLICT (product_id) DO UPDATE SET quantity = quantity + excluded.quantity, updated_at = excluded.updated_at`,
        )
        .bind(orderId, meta.now),
    ),
    logs: returningRows<typeof inventoryLogs, ReturnedStock>(
      inventoryLogs,
      d1
        .prepare(
          `WITH ${out}, top(id) AS (SELECT COALESCE(MAX(id), ?7) FROM inventory_logs)
           INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT top.id + row_number() OVER (ORDER BY s.product_id), s.product_id, ?2, 'return', out.delta,
             s.quantity - out.delta, s.quantity, ?3, ?4, ?5, ?6
           FROM out JOIN stock_levels s ON s.product_id = out.product_id, top
           RETURNING product_id, quantity_change`,
        )
        .bind(orderId, meta.userId, meta.referenceNumber, meta.notes, meta.stockRef, meta.now, meta.idBase),
    ),
  };
}

/**
 * A new product's stock row at the store that created it, and the `stock_in`
 * log row of its opening stock when there is any.
 */
export function openingStock(
  d1: D1Database,
  product: { id: number; minStockLevel: number; barcode?: string | null | undefined },
  opening: { userId: number; quantity: number; now: string; idBase: number },
): Statement<D1Result>[] {
  const row = statement(
    d1
      .prepare(
        `INSERT INTO stock_levels (product_id, quantity, min_stock_level, barcode, updated_at) VALUES (?1, ?2, ?3, ?5, ?4)
         ON CONFLICT (product_id) DO NOTHING`,
      )
      .bind(product.id, opening.quantity, product.minStockLevel, opening.now, product.barcode ?? null),
  );
  if (opening.quantity <= 0) return [row];
  const log = statement(
    d1
      .prepare(
        `INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
         SELECT COALESCE(MAX(id), ?5) + 1, ?1, ?2, 'stock_in', ?3, 0, ?3, 'Opening stock', ?4 FROM inventory_logs`,
      )
      .bind(product.id, opening.userId, opening.quantity, opening.now, opening.idBase),
  );
  return [row, log];
}

/** Whether a batch that changed stock under `ref` landed: it wrote at least one log row naming it. */
export const stockRefLanded = (d1: D1Database, ref: string) =>
  d1.prepare("SELECT 1 AS found FROM inventory_logs WHERE stock_ref = ?1 LIMIT 1").bind(ref).first();

/** The product's stock in the store's book (0 with no row), as its Durable Object loads it. */
export async function bookStock(d1: D1Database, productId: number): Promise<number> {
  const row = await dbFor(d1)
    .select({ quantity: stockLevels.quantity })
    .from(stockLevels)
    .where(eq(stockLevels.productId, productId))
    .get();
  return row?.quantity ?? 0;
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

/** Per product the store has a row for, by id: the book (`quantity`) and the sum of its log's changes (reconciliation). */
export type BookAndLog = { product_id: number; book: number; log_sum: number };

export async function bookAndLog(
  d1: D1Database,
  page: { skip: number; limit: number; productId?: number | undefined },
): Promise<BookAndLog[]> {
  const { results } = await d1
    .prepare(
      `SELECT s.product_id, s.quantity AS book,
              (SELECT COALESCE(SUM(l.quantity_change), 0) FROM inventory_logs l WHERE l.product_id = s.product_id) AS log_sum
       FROM stock_levels s WHERE (?3 IS NULL OR s.product_id = ?3) ORDER BY s.product_id LIMIT ?1 OFFSET ?2`,
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

/** A product's stock at a store, as its answers show it. */
export type StoreLevel = Pick<Row<typeof stockLevels>, "productId" | "quantity" | "minStockLevel">;

/** The store's levels of `ids` (those it has a row for), for a `Batch` (or `runAlone`); the ids are one JSON parameter. */
export const levelsStatement = (d1: D1Database, ids: number[]): Statement<StoreLevel[]> =>
  returningRows<typeof stockLevels, StoreLevel>(
    stockLevels,
    d1
      .prepare(
        `SELECT product_id, quantity, min_stock_level FROM stock_levels
         WHERE product_id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(JSON.stringify(ids)),
  );

/**
 * The store's levels whose barcode copy is `barcode` (normally one; more when
 * a barcode moved between products and a copy is stale): read beside the
 * head office's product by barcode, before anyone knows the product's id.
 */
export const levelsByBarcodeStatement = (d1: D1Database, barcode: string): Statement<StoreLevel[]> =>
  returningRows<typeof stockLevels, StoreLevel>(
    stockLevels,
    d1
      .prepare("SELECT product_id, quantity, min_stock_level FROM stock_levels WHERE barcode = ?1 LIMIT 10")
      .bind(barcode),
  );

/** The store's levels carrying the barcode copy `barcode`, by product id. */
export async function levelsByBarcode(d1: D1Database, barcode: string): Promise<Map<number, StoreLevel>> {
  const rows = await runAlone(levelsByBarcodeStatement(d1, barcode));
  return new Map(rows.map((row) => [row.productId, row]));
}

/**
 * Puts the catalog's barcode on the product's level row (and takes it off any
 * other row still carrying it), after a scan found the copy missing or stale.
 */
export const copyBarcode = (d1: D1Database, productId: number, barcode: string): D1PreparedStatement[] => [
  d1.prepare("UPDATE stock_levels SET barcode = NULL WHERE barcode = ?2 AND product_id <> ?1").bind(productId, barcode),
  d1
    .prepare("UPDATE stock_levels SET barcode = ?2 WHERE product_id = ?1 AND barcode IS NOT ?2")
    .bind(productId, barcode),
];

/** The store's levels of `ids`, by product id (none asked: no query). */
export async function levelsOf(d1: D1Database, ids: number[]): Promise<Map<number, StoreLevel>> {
  if (ids.length === 0) return new Map();
  const rows = await runAlone(levelsStatement(d1, ids));
  return new Map(rows.map((row) => [row.productId, row]));
}

/**
 * Every level row of the store as JSON `[[product_id, quantity, min_stock_level], …]`,
 * built by SQLite (one value, no rows to decode), in chunks of `rowsPerChunk`
 * rows (default: one chunk): what a head-office read joins through
 * `json_each` to sort or filter by the store's stock. A bound value may hold
 * up to 2 MB and a triple takes about 20 bytes, so one chunk serves a store
 * stocking up to ~100,000 products; sums (`stockValueStatements`) chunk.
 */
export async function levelRowsJson(d1: D1Database, rowsPerChunk = 1_000_000_000): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT json_group_array(json_array(product_id, quantity, min_stock_level)) AS levels
       FROM (SELECT product_id, quantity, min_stock_level, (row_number() OVER (ORDER BY product_id) - 1) / CAST(?1 AS INTEGER) AS part
             FROM stock_levels)
       GROUP BY part ORDER BY part`,
    )
    .bind(rowsPerChunk)
    .all<{ levels: string }>();
  return results.length > 0 ? results.map((row) => row.levels) : ["[]"];
}

/**
 * Sets the store's minimum for a product (PUT /products/{id} with
 * min_stock_level): an upsert, so a product the store has no row for gets one
 * holding nothing, which is what it had.
 */
export const setMinStockLevel = (d1: D1Database, productId: number, min: number, now: string) =>
  d1
    .prepare(
      `INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at) VALUES (?1, 0, ?2, ?3)
       ON CONFLICT (product_id) DO UPDATE SET min_stock_level = excluded.min_stock_level, updated_at = excluded.updated_at`,
    )
    .bind(productId, min, now)
    .run();
