/**
 * The chain bench's own chain (bench/.state-chain-…, never the dev databases
 * nor wrangler.toml's stores): the head office, MAIN and EAST as the seed
 * makes them, and stores B03…B<n> added here (rows in the head office and
 * their own local databases, bound only to the bench's Miniflare), each with
 * the bulk catalog's stock, deep stock for the products the bench sells, and
 * a year of sales history. Every step is idempotent and the whole state is
 * keyed by its parameters, so a later run with the same ones reuses it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { idBase } from "../../src/db/stores";
import { hashPassword } from "../../src/lib/auth/password";
import { fillCatalog } from "../fill-catalog";
import { fillHistory } from "../fill-history";
import { type D1Entry, d1Entries, openLocalChain } from "../lib/local-chain";
import { applyMigrationsDirect, ROOT } from "../lib/local-d1";
import { progress } from "../lib/progress";
import { isEmpty, seedAll } from "../seed/index";
import { ensureSeedStores } from "../seed/stores";

export interface ChainPlan {
  stores: number;
  products: number;
  /** Order lines of history per store, spread over `days`. */
  linesPerStore: number;
  days: number;
}

export interface ChainStore {
  id: number;
  code: string;
  binding: string;
  timeZone: string;
}

/**
 * Each store's cashier, at home there (as a chain's staff are): one user per
 * store, so the one-store and chain runs go through the same role check.
 */
export const storeCashier = (store: Pick<ChainStore, "code">) => ({
  username: `cashier-${store.code.toLowerCase()}`,
  password: "store-cashier-123",
});

/** How many of the first bulk products each store sells from, stocked a million deep. */
export const CHAIN_SELLING = 50;

// Western time zones only: every store's "today" is the UTC date or the day before,
// which the load check's report window (yesterday..today, UTC) covers.
const ZONES = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];

/** Stores 1 and 2 are the seed's MAIN and EAST; the rest are B03, B04, … */
export function chainStores(count: number): ChainStore[] {
  const seeded: ChainStore[] = [
    { id: 1, code: "MAIN", binding: "STORE_MAIN", timeZone: "UTC" },
    { id: 2, code: "EAST", binding: "STORE_EAST", timeZone: "America/New_York" },
  ];
  const added = Array.from({ length: Math.max(0, count - 2) }, (_, i) => {
    const id = i + 3;
    const code = `B${String(id).padStart(2, "0")}`;
    return { id, code, binding: `STORE_${code}`, timeZone: ZONES[id % ZONES.length] ?? "UTC" };
  });
  return [...seeded, ...added].slice(0, count);
}

/** wrangler.toml's head office and two stores, then the added stores' databases (ids only the bench uses). */
export function chainEntries(count: number): D1Entry[] {
  const base = d1Entries().filter((entry) => ["DB", "STORE_MAIN", "STORE_EAST"].includes(entry.binding));
  const added = chainStores(count)
    .filter((store) => store.id > 2)
    .map((store) => ({
      binding: store.binding,
      databaseName: `pos-store-${store.code.toLowerCase()}`,
      databaseId: `00000000-0000-4000-8000-00000000b${String(store.id).padStart(3, "0")}`,
      migrationsDir: "migrations/store",
    }));
  return [...base, ...added].slice(0, count + 1);
}

export const chainStateDir = (plan: ChainPlan) =>
  path.join(ROOT, `bench/.state-chain-${plan.stores}-${plan.products}-${plan.linesPerStore}-${plan.days}`);

/** Prepares (or finds ready) the chain of `plan`; returns its folder and what it holds. */
export async function prepareChainState(
  plan: ChainPlan,
): Promise<{ stateDir: string; built: Record<string, unknown> }> {
  const stateDir = chainStateDir(plan);
  const marker = path.join(stateDir, "chain-ready.json");
  if (existsSync(marker)) return { stateDir, built: JSON.parse(readFileSync(marker, "utf8")) };
  const started = Date.now();
  const stores = chainStores(plan.stores);
  const chain = await openLocalChain(stateDir, chainEntries(plan.stores));
  try {
    const databases = chain.databases as unknown as Record<string, D1Database>;
    const hq = databases.DB as D1Database;
    for (const entry of chainEntries(plan.stores)) {
      await applyMigrationsDirect(databases[entry.binding] as D1Database, entry.migrationsDir);
    }
    await ensureSeedStores(hq);
    if (await isEmpty(hq)) await seedAll({ databases });
    await addStores(hq, stores);
    await ensureStoreCashiers(hq, stores);
    const main = { d1: databases.STORE_MAIN as D1Database, idBase: idBase(1) };
    await fillCatalog(hq, main, plan.products, progress("filling catalog", plan.products));
    const sellingIds = await firstBulkIds(hq, CHAIN_SELLING);
    let lines = 0;
    for (const store of stores) {
      const d1 = databases[store.binding] as D1Database;
      if (store.id !== 1) await stockEveryBulkProduct(hq, { d1, idBase: idBase(store.id) });
      await topUp({ d1, idBase: idBase(store.id) }, sellingIds);
      lines += await fillHistory(
        hq,
        { d1, idBase: idBase(store.id) },
        plan.linesPerStore,
        progress(`history at ${store.code}`, plan.linesPerStore),
        { days: plan.days },
      );
      await settleHistoryOutbox(d1);
    }
    const built = {
      ...plan,
      history_lines: lines,
      store_codes: stores.map((s) => s.code),
      seconds_to_build: Math.round((Date.now() - started) / 1000),
    };
    writeFileSync(marker, `${JSON.stringify(built, null, 2)}\n`);
    return { stateDir, built };
  } finally {
    await chain.dispose();
  }
}

/**
 * The added stores' rows, all in USD; EAST (the seed's EUR store) is moved to
 * USD before it has any history: chain-wide reports refuse to sum stores of
 * two currencies, and the bench measures one chain.
 */
async function addStores(hq: D1Database, stores: ChainStore[]) {
  const now = new Date().toISOString();
  await hq.prepare("UPDATE stores SET currency = 'USD' WHERE id = 2 AND currency <> 'USD'").run();
  for (const store of stores.filter((s) => s.id > 2)) {
    await hq
      .prepare(
        `INSERT OR IGNORE INTO stores (id, code, name, address_lines, phone, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, '[]', NULL, ?4, 'USD', 'active', ?5, ?6, 1, ?7, ?7)`,
      )
      .bind(
        store.id,
        store.code,
        `Bench store ${store.code}`,
        store.timeZone,
        store.binding,
        `pos-store-${store.code.toLowerCase()}`,
        now,
      )
      .run();
  }
}

/** Each store's cashier (one password hash for all: argon2 takes a while, and the salt is in the hash). */
async function ensureStoreCashiers(hq: D1Database, stores: ChainStore[]) {
  const now = new Date().toISOString();
  const hash = await hashPassword(storeCashier({ code: "x" }).password);
  for (const store of stores) {
    const { username } = storeCashier(store);
    await hq
      .prepare(
        `INSERT OR IGNORE INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'cashier', 1, 1, 0, ?5, ?6, ?6)`,
      )
      .bind(username, `${username}@pos.local`, hash, `Cashier ${store.code}`, store.id, now)
      .run();
  }
}

async function firstBulkIds(hq: D1Database, count: number): Promise<number[]> {
  const { results } = await hq
    .prepare("SELECT id FROM products WHERE sku >= 'BULK-0000000' ORDER BY sku LIMIT ?1")
    .bind(count)
    .all<{ id: number }>();
  return results.map((row) => row.id);
}

const STOCK_ROWS_PER_STATEMENT = 2_000;

/** Stock (and its opening log row) for every bulk product, as fill-catalog gives MAIN; idempotent. */
async function stockEveryBulkProduct(hq: D1Database, store: { d1: D1Database; idBase: number }) {
  const now = new Date().toISOString();
  let after = 0;
  for (;;) {
    const { results } = await hq
      .prepare(
        "SELECT id, barcode, (id * 13) % 200 AS stock, (id * 7) % 20 AS min FROM products WHERE id > ?1 AND sku LIKE 'BULK-%' ORDER BY id LIMIT ?2",
      )
      .bind(after, STOCK_ROWS_PER_STATEMENT)
      .all<{ id: number; barcode: string | null; stock: number; min: number }>();
    const last = results.at(-1);
    if (!last) return;
    after = last.id;
    await store.d1.batch([
      store.d1
        .prepare(
          `INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
           SELECT (SELECT COALESCE(MAX(id), ?3) FROM inventory_logs) + r.key + 1, r.value ->> '$.id', NULL, 'stock_in',
             r.value ->> '$.stock', 0, r.value ->> '$.stock', 'Opening stock (bulk)', ?2
           FROM json_each(?1) r
           WHERE r.value ->> '$.stock' > 0
             AND NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.product_id = r.value ->> '$.id')`,
        )
        .bind(JSON.stringify(results), now, store.idBase),
      store.d1
        .prepare(
          `INSERT INTO stock_levels (product_id, quantity, min_stock_level, barcode, updated_at)
           SELECT r.value ->> '$.id', r.value ->> '$.stock', r.value ->> '$.min', r.value ->> '$.barcode', ?2
           FROM json_each(?1) r WHERE true
           ON CONFLICT (product_id) DO NOTHING`,
        )
        .bind(JSON.stringify(results), now),
    ]);
  }
}

/** The selling products get a million more units (logged as a delivery) where they have less than that. */
async function topUp(store: { d1: D1Database; idBase: number }, ids: number[]) {
  const now = new Date().toISOString();
  const selling = JSON.stringify(ids);
  await store.d1.batch([
    store.d1
      .prepare(
        `INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
         SELECT (SELECT COALESCE(MAX(id), ?3) FROM inventory_logs) + row_number() OVER (ORDER BY product_id), product_id,
           NULL, 'stock_in', 1000000, quantity, quantity + 1000000, 'Bench delivery', ?1
         FROM stock_levels WHERE product_id IN (SELECT value FROM json_each(?2)) AND quantity < 100000`,
      )
      .bind(now, selling, store.idBase),
    store.d1
      .prepare(
        "UPDATE stock_levels SET quantity = quantity + 1000000 WHERE product_id IN (SELECT value FROM json_each(?1)) AND quantity < 100000",
      )
      .bind(selling),
  ]);
}

/**
 * History is written straight into the store's tables, and the orders'
 * insert trigger queues an order.created event for each: marked sent here,
 * or the first sales of the bench would drain a year of backlog through the
 * events queue while they are being timed. The rows stay (they are part of
 * what a sale stores, for the sizing figures).
 */
async function settleHistoryOutbox(d1: D1Database) {
  await d1.prepare("UPDATE outbox SET sent_at = created_at WHERE sent_at IS NULL").run();
}
