/**
 * The bench's own chain (bench/.state-N, never the dev databases): the head
 * office and the stores of wrangler.toml, migrated, seeded and filled once,
 * then reused by later runs on the same machine. The bulk catalog's stock and
 * the sales history are MAIN's (store 1), where the scenarios sell.
 */

import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { idBase } from "../../src/db/stores";
import { fillCatalog } from "../fill-catalog";
import { fillHistory } from "../fill-history";
import { d1Entries, openLocalChain } from "../lib/local-chain";
import { applyMigrationsDirect, ROOT } from "../lib/local-d1";
import { progress } from "../lib/progress";
import { isEmpty, seedAll } from "../seed/index";
import { ensureSeedStores } from "../seed/stores";

/** The store the scenarios sell at. */
export const BENCH_STORE = { id: 1, binding: "STORE_MAIN" } as const;

export async function prepareState(products: number, historyLines = 0): Promise<string> {
  const stateDir = path.join(ROOT, `bench/.state-${products}${historyLines ? `-${historyLines}` : ""}`);
  const chain = await openLocalChain(stateDir);
  try {
    const hq = chain.databases.DB as unknown as D1Database;
    for (const entry of d1Entries()) {
      await applyMigrationsDirect(chain.databases[entry.binding] as unknown as D1Database, entry.migrationsDir);
    }
    await ensureSeedStores(hq);
    const databases = chain.databases as unknown as Record<string, D1Database>;
    if (await isEmpty(hq)) await seedAll({ databases });
    const store = { d1: databases[BENCH_STORE.binding] as D1Database, idBase: idBase(BENCH_STORE.id) };
    await fillCatalog(hq, store, products, progress("filling catalog", products));
    await topUpSellingStock(hq, store);
    if (historyLines) await fillHistory(hq, store, historyLines, progress("filling sales history", historyLines));
  } finally {
    await chain.dispose();
  }
  return stateDir;
}

/** Products the order scenarios sell from: stocked deep enough for any run, logged like a delivery. */
export const SELLING_SKUS = { from: 0, count: 1000 };

/** The selling products (the first bulk SKUs) get a million more units each at the bench store. */
async function topUpSellingStock(hq: D1Database, store: { d1: D1Database; idBase: number }) {
  const now = new Date().toISOString();
  const low = `quantity < 100000`;
  const selling = await sellingIdsJson(hq);
  await store.d1.batch([
    store.d1
      .prepare(
        `INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
         SELECT (SELECT COALESCE(MAX(id), ?3) FROM inventory_logs) + row_number() OVER (ORDER BY product_id), product_id,
           NULL, 'stock_in', 1000000, quantity, quantity + 1000000, 'Bench delivery', ?1
         FROM stock_levels WHERE product_id IN (SELECT value FROM json_each(?2)) AND ${low}`,
      )
      .bind(now, selling, store.idBase),
    store.d1
      .prepare(
        `UPDATE stock_levels SET quantity = quantity + 1000000 WHERE product_id IN (SELECT value FROM json_each(?1)) AND ${low}`,
      )
      .bind(selling),
  ]);
}

/** The ids of the selling products, from the head office's catalog, as one JSON value. */
async function sellingIdsJson(hq: D1Database): Promise<string> {
  const last = `BULK-${String(SELLING_SKUS.count).padStart(7, "0")}`;
  const { results } = await hq
    .prepare("SELECT id FROM products WHERE sku >= 'BULK-0000000' AND sku < ?1")
    .bind(last)
    .all<{ id: number }>();
  return JSON.stringify(results.map((row) => row.id));
}

/** Opens the bench's head office briefly (the Worker's Miniflare has its own handle). */
export async function withStateDb<T>(stateDir: string, use: (db: D1Database) => Promise<T>): Promise<T> {
  const chain = await openLocalChain(stateDir);
  try {
    return await use(chain.databases.DB as unknown as D1Database);
  } finally {
    await chain.dispose();
  }
}
