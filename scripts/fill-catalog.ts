/**
 * `npm run fill:catalog -- [--count 100000] [--state DIR]`: adds bulk products
 * (with their opening-stock log rows) to a local database, for measuring
 * search, scanning and listing at catalog scale. Shows progress as it goes.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { gs1CheckDigit } from "../src/domain/barcode";
import { openLocalD1, ROOT, STATE_DIR } from "./lib/local-d1";
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

export async function fillCatalog(db: D1Database, count: number, onProgress: (done: number) => void) {
  const existing = await db
    .prepare("SELECT COUNT(*) AS n FROM products WHERE sku LIKE 'BULK-%'")
    .first<{ n: number }>();
  const start = existing?.n ?? 0;
  const now = new Date().toISOString();
  const category = await db.prepare("SELECT id FROM categories ORDER BY id LIMIT 1").first<{ id: number }>();
  if (start >= count) return;
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
  // Opening stock, logged so that start + Σ log changes = stock holds for bulk rows too.
  await db
    .prepare(
      `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
       SELECT p.id, NULL, 'stock_in', p.stock_quantity, 0, p.stock_quantity, 'Opening stock (bulk)', p.created_at
       FROM products p WHERE p.sku LIKE 'BULK-%' AND p.stock_quantity > 0
         AND NOT EXISTS (SELECT 1 FROM inventory_logs l WHERE l.product_id = p.id)`,
    )
    .run();
}

const FTS_INSERT_TRIGGER = "products_fts_after_insert";

/** The trigger's SQL as migration 0002 creates it (one source of truth). */
function ftsInsertTriggerSql(): string {
  const migration = readFileSync(path.join(ROOT, "migrations/0002_product_search_fts.sql"), "utf8");
  const statement = migration
    .split("--> statement-breakpoint")
    .map((part) => part.replace(/^\s*--.*$/gm, "").trim())
    .find((part) => part.includes(`CREATE TRIGGER \`${FTS_INSERT_TRIGGER}\``));
  if (!statement) throw new Error(`migration 0002 no longer creates ${FTS_INSERT_TRIGGER}`);
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
        `INSERT INTO products (sku, name, description, barcode, price, cost_price, stock_quantity, min_stock_level,
           is_active, category_id, version, created_at, updated_at)
         SELECT r.value ->> '$.sku', r.value ->> '$.name', r.value ->> '$.description', r.value ->> '$.barcode',
           r.value ->> '$.price', r.value ->> '$.cost', r.value ->> '$.stock', r.value ->> '$.min',
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
  const { db, dispose } = await openLocalD1(arg("--state") ?? STATE_DIR);
  const started = Date.now();
  await fillCatalog(db, count, progress("products", count));
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await dispose();
}
