/**
 * `npm run fill:catalog -- [--count 100000] [--state DIR] [--store STORE_MAIN]`:
 * adds bulk products to the local head office, with their opening stock (and
 * its log rows) in one store's database, for measuring
 * search, scanning and listing at catalog scale. Shows progress as it goes.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { gs1CheckDigit } from "../src/domain/barcode";
import { chainStore, openLocalChain } from "./lib/local-chain";
import { ROOT, STATE_DIR } from "./lib/local-d1";
import { progress } from "./lib/progress";

const WORDS = [
  "Laptop",
  "Mouse",
  "Keyboard",
  "Monitor",
  "Cable",
  "Charger",
  "Coffee",
  "Tea",
  "Juice",
  "Water",
  "Bread",
  "Cheese",
  "Pasta",
  "Rice",
  "Notebook",
  "Pen",
  "Paper",
  "Lamp",
  "Candle",
  "Soap",
  "Shampoo",
  "Towel",
  "Mug",
  "Plate",
  "Chair",
  "Desk",
  "Shelf",
  "Bulb",
  "Battery",
  "Speaker",
  "Headphones",
  "Camera",
  "Tripod",
  "Backpack",
  "Wallet",
];
const ADJECTIVES = ["Pro", "Mini", "Max", "Classic", "Eco", "Deluxe", "Basic", "Ultra", "Smart", "Organic", "Premium"];
const COLOURS = ["black", "white", "red", "blue", "green", "silver", "gold", "grey", "oak", "steel"];

const ROWS_PER_STATEMENT = 2_000;

export function bulkProduct(n: number) {
  const word = WORDS[n % WORDS.length] ?? "Item";
  const adjective = ADJECTIVES[Math.floor(n / WORDS.length) % ADJECTIVES.length] ?? "";
  const colour = COLOURS[Math.floor(n / 7) % COLOURS.length] ?? "";
  const body = `29${String(n).padStart(10, "0")}`;
  return {
    sku: `BULK-${String(n).padStart(7, "0")}`,
    name: `${word} ${adjective} ${n}`,
    description: `${colour} ${word.toLowerCase()} for everyday use, model ${n % 997}`,
    barcode: `${body}${gs1CheckDigit(body)}`,
    price: 99 + ((n * 37) % 50_000),
    cost: 50 + ((n * 17) % 20_000),
    stock: (n * 13) % 200,
    min: (n * 7) % 20,
  };
}

/**
 * `count` bulk products in the head office's catalog, with opening stock (and
 * its log rows) in `store`'s database.
 */
export async function fillCatalog(
  db: D1Database,
  store: { d1: D1Database; idBase: number },
  count: number,
  onProgress: (done: number) => void,
) {
  const existing = await db
    .prepare("SELECT COUNT(*) AS n FROM products WHERE sku LIKE 'BULK-%'")
    .first<{ n: number }>();
  const start = existing?.n ?? 0;
  const now = new Date().toISOString();
  const category = await db.prepare("SELECT id FROM categories ORDER BY id LIMIT 1").first<{ id: number }>();
  if (start >= count) return;
  const firstNew = await db.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM products").first<{ id: number }>();
  // Indexing row by row through the FTS trigger is most of a bulk fill's time:
  // the trigger is set aside, and the new rows are indexed in one statement.
  await repairSearchIndex(db);
  const before = await db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM products").first<{ id: number }>();
  await db.exec(`DROP TRIGGER ${FTS_INSERT_TRIGGER}`);
  try {
    await insertBulkRows(db, start, count, category?.id ?? null, now, onProgress);
  } finally {
    // The trigger first: whatever happens next, products added later get indexed.
    await db.prepare(ftsInsertTriggerSql()).run();
    await db
      .prepare(
        `INSERT INTO products_fts (rowid, name, sku, barcode, description)
         SELECT id, name, sku, coalesce(barcode, ''), coalesce(description, '') FROM products WHERE id > ?1`,
      )
      .bind(before?.id ?? 0)
      .run();
  }
  await fillStoreStock(store, firstNew?.id ?? 1, start, count, now);
}

/**
 * The store's opening stock of the new bulk products (ids from `firstId`, in
 * the order they were inserted), logged so that start + Σ log changes = stock
 * holds for bulk rows too; log ids from the store's range.
 */
async function fillStoreStock(
  store: { d1: D1Database; idBase: number },
  firstId: number,
  start: number,
  count: number,
  now: string,
) {
  for (let from = start; from < count; from += ROWS_PER_STATEMENT) {
    const rows = [];
    for (let n = from; n < Math.min(from + ROWS_PER_STATEMENT, count); n++) {
      const product = bulkProduct(n);
      rows.push({ id: firstId + (n - start), stock: product.stock, min: product.min, barcode: product.barcode });
    }
    await store.d1.batch([
      store.d1
        .prepare(
          `INSERT INTO stock_levels (product_id, quantity, min_stock_level, barcode, updated_at)
           SELECT r.value ->> '$.id', r.value ->> '$.stock', r.value ->> '$.min', r.value ->> '$.barcode', ?2
           FROM json_each(?1) r WHERE true
           ON CONFLICT (product_id) DO NOTHING`,
        )
        .bind(JSON.stringify(rows), now),
      store.d1
        .prepare(
          `INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
           SELECT (SELECT COALESCE(MAX(id), ?3) FROM inventory_logs) + r.key + 1, r.value ->> '$.id', NULL, 'stock_in',
             r.value ->> '$.stock', 0, r.value ->> '$.stock', 'Opening stock (bulk)', ?2
           FROM json_each(?1) r WHERE r.value ->> '$.stock' > 0`,
        )
        .bind(JSON.stringify(rows), now, store.idBase),
    ]);
  }
}

const FTS_INSERT_TRIGGER = "products_fts_after_insert";

/** The trigger's SQL as the head office's first migration creates it (one source of truth). */
function ftsInsertTriggerSql(): string {
  const migration = readFileSync(path.join(ROOT, "migrations/head-office/0000_init.sql"), "utf8");
  const statement = migration
    .split("--> statement-breakpoint")
    .map((part) => part.replace(/^\s*--.*$/gm, "").trim())
    .find((part) => part.includes(`CREATE TRIGGER \`${FTS_INSERT_TRIGGER}\``));
  if (!statement) throw new Error(`the head office's first migration no longer creates ${FTS_INSERT_TRIGGER}`);
  return statement;
}

/** A fill killed while the trigger was set aside leaves it missing and rows unindexed: put both right. */
async function repairSearchIndex(db: D1Database) {
  const trigger = await db
    .prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'trigger' AND name = ?1")
    .bind(FTS_INSERT_TRIGGER)
    .first();
  const counts = await db
    .prepare("SELECT (SELECT COUNT(*) FROM products_fts_docsize) AS indexed, (SELECT COUNT(*) FROM products) AS rows")
    .first<{ indexed: number; rows: number }>();
  if (!trigger) await db.prepare(ftsInsertTriggerSql()).run();
  if (!trigger || counts?.indexed !== counts?.rows) {
    await db.prepare("INSERT INTO products_fts (products_fts) VALUES ('rebuild')").run();
  }
}

/**
 * Rows travel as one JSON parameter per statement, unpacked by json_each:
 * locally each statement costs milliseconds however few rows it carries, and
 * D1 allows only 100 bound parameters, so nine rows per statement (the
 * obvious multi-row VALUES) made a 100 000-product fill take minutes.
 */
async function insertBulkRows(
  db: D1Database,
  start: number,
  count: number,
  categoryId: number | null,
  now: string,
  onProgress: (done: number) => void,
) {
  for (let from = start; from < count; from += ROWS_PER_STATEMENT) {
    const rows = [];
    for (let n = from; n < Math.min(from + ROWS_PER_STATEMENT, count); n++) rows.push(bulkProduct(n));
    await db
      .prepare(
        `INSERT INTO products (sku, name, description, barcode, price, cost_price, min_stock_level,
           is_active, category_id, version, created_at, updated_at)
         SELECT r.value ->> '$.sku', r.value ->> '$.name', r.value ->> '$.description', r.value ->> '$.barcode',
           r.value ->> '$.price', r.value ->> '$.cost', r.value ->> '$.min',
           1, ?2, 1, ?3, ?3
         FROM json_each(?1) r`,
      )
      .bind(JSON.stringify(rows), categoryId, now)
      .run();
    onProgress(Math.min(from + ROWS_PER_STATEMENT, count));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const count = Number(arg("--count") ?? 100_000);
  const chain = await openLocalChain(arg("--state") ?? STATE_DIR);
  const { hq, store } = await chainStore(chain, arg("--store") ?? "STORE_MAIN");
  const started = Date.now();
  await fillCatalog(hq, store, count, progress("products", count));
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await chain.dispose();
}
