/**
 * Reads of a store's inventory log (inventory_logs, in the store's
 * database). The log's rows are written by the stock statements of
 * db/stock.ts, in the batches of the stock protocol.
 */
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { returningShape, type Statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import { inventoryLogs } from "./schema";
import type { InventoryLog } from "./stock";

export const findLog = (db: AppDatabase, id: number): Promise<InventoryLog | undefined> =>
  db.select().from(inventoryLogs).where(eq(inventoryLogs.id, id)).get();

/** The (first) log row a stock operation wrote under `ref`. */
export const findLogByRef = (db: AppDatabase, ref: string): Promise<InventoryLog | undefined> =>
  db.select().from(inventoryLogs).where(eq(inventoryLogs.stockRef, ref)).limit(1).get();

export interface LogFilter extends PageRequest {
  productId?: number | undefined;
  action?: InventoryLog["action"] | undefined;
  userId?: number | undefined;
  /** Instants (ISO-8601): from `start` inclusive to `end` exclusive. */
  start?: string | undefined;
  end?: string | undefined;
}

/** Log rows, newest first. */
export function logPage(db: AppDatabase, filter: LogFilter): Promise<Page<InventoryLog>> {
  const conditions: (SQL | undefined)[] = [
    filter.productId === undefined ? undefined : eq(inventoryLogs.productId, filter.productId),
    filter.action ? eq(inventoryLogs.action, filter.action) : undefined,
    filter.userId === undefined ? undefined : eq(inventoryLogs.userId, filter.userId),
    filter.start ? gte(inventoryLogs.createdAt, filter.start) : undefined,
    filter.end ? lt(inventoryLogs.createdAt, filter.end) : undefined,
  ];
  return pageOf(db, inventoryLogs, {
    where: and(...conditions),
    orderBy: [desc(inventoryLogs.id)],
    skip: filter.skip,
    limit: filter.limit,
  });
}

/** Units in and out by one action. */
export type ActionTotals = { action: string; entries: number; units_in: number; units_out: number };

/**
 * The log's movements per action from `start` (inclusive) to `end`
 * (exclusive), either end open, in the store's database. The inventory
 * summary reads them beside the store's stock on hand (`stockOnHand` of
 * services/inventory.ts).
 */
export const movementTotals = (
  d1: D1Database,
  start: string | undefined,
  end: string | undefined,
): Statement<ActionTotals[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT action, COUNT(*) AS entries,
                COALESCE(SUM(CASE WHEN quantity_change > 0 THEN quantity_change ELSE 0 END), 0) AS units_in,
                COALESCE(SUM(CASE WHEN quantity_change < 0 THEN -quantity_change ELSE 0 END), 0) AS units_out
         FROM inventory_logs WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2)
         GROUP BY action ORDER BY action`,
      )
      .bind(start ?? null, end ?? null),
  );
