/**
 * `npm run fill:catalog -- [--count 100000] [--state DIR]`: adds bulk products
 * (with their opening-stock log rows) to a local database, for measuring
 * search, scanning and listing at catalog scale. Shows progress as it goes.
 */
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import { gs1CheckDigit } from "../src/domain/barcode";
import { openLocalD1, STATE_DIR } from "./lib/local-d1";
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

const PRODUCT_PARAMS = 11;
const ROWS_PER_STATEMENT = Math.floor(100 / PRODUCT_PARAMS); // D1: at most 100 bound parameters

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
  const batchRows = ROWS_PER_STATEMENT * 40;
  for (let from = start; from < count; from += batchRows) {
    const statements: D1PreparedStatement[] = [];
    for (let chunk = from; chunk < Math.min(from + batchRows, count); chunk += ROWS_PER_STATEMENT) {
      const rows = [];
      for (let n = chunk; n < Math.min(chunk + ROWS_PER_STATEMENT, count); n++) rows.push(bulkProduct(n));
      const placeholders = rows
        .map((_, i) => {
          const b = i * PRODUCT_PARAMS;
          return `(?${b + 1}, ?${b + 2}, ?${b + 3}, ?${b + 4}, ?${b + 5}, ?${b + 6}, ?${b + 7}, ?${b + 8}, 1, ?${b + 9}, 1, ?${b + 10}, ?${b + 11})`;
        })
        .join(", ");
      const values = rows.flatMap((r) => [
        r.sku,
        r.name,
        r.description,
        r.barcode,
        r.price,
        r.cost,
        r.stock,
        r.min,
        category?.id ?? null,
        now,
        now,
      ]);
      statements.push(
        db
          .prepare(
            `INSERT INTO products (sku, name, description, barcode, price, cost_price, stock_quantity, min_stock_level,
               is_active, category_id, version, created_at, updated_at) VALUES ${placeholders}`,
          )
          .bind(...values),
      );
    }
    await db.batch(statements);
    onProgress(Math.min(from + batchRows, count));
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
