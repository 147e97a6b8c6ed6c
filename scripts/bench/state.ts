/**
 * The bench's own database (bench/.state-N, never the dev database): migrated,
 * seeded and filled once, then reused by later runs on the same machine.
 */

import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { fillCatalog } from "../fill-catalog";
import { fillHistory } from "../fill-history";
import { applyMigrationsDirect, openLocalD1, ROOT } from "../lib/local-d1";
import { progress } from "../lib/progress";
import { isEmpty, seedAll } from "../seed/index";

export async function prepareState(products: number, historyLines = 0): Promise<string> {
  const stateDir = path.join(ROOT, `bench/.state-${products}${historyLines ? `-${historyLines}` : ""}`);
  const { db, dispose } = await openLocalD1(stateDir);
  try {
    await applyMigrationsDirect(db);
    if (await isEmpty(db)) await seedAll(db);
    await fillCatalog(db, products, progress("filling catalog", products));
    await topUpSellingStock(db);
    if (historyLines) await fillHistory(db, historyLines, progress("filling sales history", historyLines));
  } finally {
    await dispose();
  }
  return stateDir;
}

/** Products the order scenarios sell from: stocked deep enough for any run, logged like a delivery. */
export const SELLING_SKUS = { from: 0, count: 1000 };

async function topUpSellingStock(db: D1Database) {
  const now = new Date().toISOString();
  const where = `sku >= 'BULK-0000000' AND sku < 'BULK-${String(SELLING_SKUS.count).padStart(7, "0")}' AND stock_quantity < 100000`;
  await db.batch([
    db
      .prepare(
        `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
       SELECT id, NULL, 'stock_in', 1000000, stock_quantity, stock_quantity + 1000000, 'Bench delivery', ?1 FROM products WHERE ${where}`,
      )
      .bind(now),
    db.prepare(`UPDATE products SET stock_quantity = stock_quantity + 1000000 WHERE ${where}`),
  ]);
}

/** Opens the bench database briefly (the Worker's Miniflare has its own handle). */
export async function withStateDb<T>(stateDir: string, use: (db: D1Database) => Promise<T>): Promise<T> {
  const { db, dispose } = await openLocalD1(stateDir);
  try {
    return await use(db);
  } finally {
    await dispose();
  }
}
