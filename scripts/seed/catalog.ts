/**
 * Demo catalog (head office): categories and products (some with EAN-13s);
 * then each store's opening stock (its own database: stock levels and
 * opening-stock log rows), some products low or out in one store and not
 * the other.
 */
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import { openingStock } from "../../src/db/stock";
import { idBase } from "../../src/db/stores";
import { gs1CheckDigit } from "../../src/domain/barcode";

export const SEED_CATEGORIES = [
  ["Electronics", "Computers, phones and accessories"],
  ["Groceries", "Food and household basics"],
  ["Beverages", "Hot and cold drinks"],
  ["Stationery", "Paper, pens and office supplies"],
  ["Home & Garden", "Tools, plants and decor"],
] as const;

// [name, category index, price cents, cost cents, stock, min stock, description]
const PRODUCTS: [string, number, number, number, number, number, string][] = [
  ["Laptop Pro 15", 0, 99999, 60000, 50, 5, "High-performance laptop with 15-inch display"],
  ["Wireless Mouse", 0, 2499, 900, 120, 20, "Ergonomic wireless mouse"],
  ["USB-C Charger 65W", 0, 3999, 1500, 8, 10, "Fast charger for laptops and phones"],
  ["Noise-Cancelling Headphones", 0, 19999, 9000, 25, 5, "Over-ear, 30 h battery"],
  ["Smartphone X", 0, 69900, 45000, 3, 5, "6.1-inch, 128 GB"],
  ["HDMI Cable 2m", 0, 999, 200, 200, 30, "High-speed HDMI"],
  ["Mechanical Keyboard", 0, 8999, 4000, 15, 5, "Brown switches, backlit"],
  ["Whole Milk 1L", 1, 129, 80, 60, 40, "Fresh whole milk"],
  ["Sourdough Bread", 1, 349, 150, 12, 15, "Baked this morning"],
  ["Free-Range Eggs (12)", 1, 399, 220, 30, 20, "Dozen large eggs"],
  ["Basmati Rice 1kg", 1, 299, 140, 80, 20, "Long-grain rice"],
  ["Olive Oil 500ml", 1, 749, 400, 4, 10, "Extra virgin"],
  ["Pasta Fusilli 500g", 1, 149, 60, 150, 30, "Durum wheat"],
  ["Cheddar Cheese 250g", 1, 399, 210, 0, 10, "Mature cheddar"],
  ["Espresso Beans 1kg", 2, 1899, 900, 20, 5, "Dark roast, whole bean"],
  ["Green Tea (40 bags)", 2, 449, 180, 35, 10, "Sencha green tea"],
  ["Sparkling Water 6x500ml", 2, 399, 150, 48, 24, "Natural mineral water"],
  ["Orange Juice 1L", 2, 279, 120, 9, 12, "Not from concentrate"],
  ["Cola 330ml", 2, 119, 40, 240, 48, "Classic cola can"],
  ["Hot Chocolate 250g", 2, 499, 220, 14, 5, "Rich cocoa"],
  ["A4 Printer Paper (500)", 3, 599, 300, 70, 20, "80 gsm white"],
  ["Ballpoint Pens (10)", 3, 349, 100, 90, 20, "Blue ink"],
  ["Spiral Notebook A5", 3, 299, 90, 2, 15, "100 ruled pages"],
  ["Stapler", 3, 899, 350, 18, 5, "Up to 25 sheets"],
  ["Sticky Notes", 3, 249, 70, 110, 25, "76x76 mm, yellow"],
  ["Garden Trowel", 4, 1299, 500, 22, 5, "Stainless steel"],
  ["Potting Soil 20L", 4, 899, 400, 6, 8, "Peat-free compost"],
  ["LED Bulb E27", 4, 499, 150, 75, 20, "9 W warm white"],
  ["Scented Candle", 4, 1199, 400, 30, 10, "Vanilla, 40 h"],
  ["Watering Can 5L", 4, 1499, 600, 11, 4, "Green plastic"],
  ["Desk Lamp", 4, 2999, 1300, 1, 3, "Adjustable arm"],
];

/** A valid in-store EAN-13 (prefix 20) for the n-th product. */
export const seedEan13 = (n: number) => {
  const body = `20${String(100000 + n).padStart(10, "0")}`;
  return `${body}${gs1CheckDigit(body)}`;
};

export async function seedCatalog(db: D1Database, now: string) {
  const categoryInsert = db.prepare(
    "INSERT INTO categories (name, description, is_active, version, created_at, updated_at) VALUES (?1, ?2, 1, 1, ?3, ?3) RETURNING id",
  );
  const categoryIds: number[] = [];
  for (const [name, description] of SEED_CATEGORIES) {
    const row = await categoryInsert.bind(name, description, now).first<{ id: number }>();
    if (row) categoryIds.push(row.id);
  }

  const statements: D1PreparedStatement[] = [];
  PRODUCTS.forEach(([name, category, price, cost, _stock, min, description], index) => {
    const sku = `SKU-${String(index + 1).padStart(4, "0")}`;
    // Every other product carries a scannable EAN-13.
    const barcode = index % 2 === 0 ? seedEan13(index + 1) : null;
    statements.push(
      db
        .prepare(
          `INSERT INTO products (sku, name, description, barcode, price, cost_price, min_stock_level,
             is_active, category_id, version, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, 1, ?9, ?9)`,
        )
        .bind(sku, name, description, barcode, price, cost, min, categoryIds[category] ?? null, now),
    );
  });
  await db.batch(statements);
  return { categories: categoryIds.length, products: PRODUCTS.length };
}

/**
 * A store's opening stock: MAIN gets the list's quantities; other stores a
 * different mix (what is low at MAIN is plentiful there and the other way
 * round), so the two stores' stock, low-stock lists and reports differ.
 */
export async function seedStoreStock(
  hq: D1Database,
  store: { id: number; db: D1Database },
  now: string,
  userId: number,
) {
  const products = (
    await hq.prepare("SELECT id, sku, barcode, min_stock_level FROM products ORDER BY id").all<{
      id: number;
      sku: string;
      barcode: string | null;
      min_stock_level: number;
    }>()
  ).results;
  const quantities = new Map(
    PRODUCTS.map(([, , , , stock], index) => [`SKU-${String(index + 1).padStart(4, "0")}`, stock]),
  );
  let units = 0;
  const statements: D1PreparedStatement[] = [];
  for (const [index, product] of products.entries()) {
    const listed = quantities.get(product.sku) ?? 0;
    const quantity = store.id === 1 ? listed : listed > 20 ? Math.round(listed / 3) : 40 + ((index * 7) % 30);
    units += quantity;
    // Each opening gives the next log id of the store's range (SELECT MAX inside): one batch per product keeps them in order.
    for (const step of openingStock(
      store.db as unknown as globalThis.D1Database,
      { id: product.id, minStockLevel: product.min_stock_level, barcode: product.barcode },
      { userId, quantity, now, idBase: idBase(store.id) },
    )) {
      statements.push(step.prepared as unknown as D1PreparedStatement);
    }
  }
  for (let i = 0; i < statements.length; i += 50) await store.db.batch(statements.slice(i, i + 50));
  return units;
}
