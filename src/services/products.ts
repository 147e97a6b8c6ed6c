/**
 * Products: creation with its opening stock logged, listing, full-text
 * search, scanner lookup, versioned updates and deactivation. Stock itself
 * only changes through the inventory and order services.
 */
import { and, eq, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { categories, products } from "../db/schema";
import { chunk } from "../db/stock";
import { gs1CheckDigit } from "../domain/barcode";
import { toFtsQuery } from "../domain/search";
import type { AuthUser } from "../lib/auth/current-user";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { readPage, Where } from "../lib/sql-page";
import { isoNow } from "../lib/time";
import { fromRawProduct, type ProductRow, type ProductView, type RawProductRow } from "./products-view";
import { explainMissedUpdate } from "./versioning";

export interface ProductInput {
  sku: string;
  name: string;
  description?: string | null | undefined;
  barcode?: string | null | undefined;
  price: number;
  cost_price?: number | undefined;
  stock_quantity?: number | undefined;
  min_stock_level?: number | undefined;
  category_id?: number | null | undefined;
  image_url?: string | null | undefined;
  is_active?: boolean | undefined;
}

export type ProductChange = Partial<Omit<ProductInput, "stock_quantity">>;

const duplicateField = (error: unknown): ApiError | null => {
  const violated = uniqueViolation(error);
  if (!violated) return null;
  const field = violated.includes("barcode") ? "barcode" : "sku";
  return new ApiError("DUPLICATE", `A product with this ${field} already exists`, { extra: { field } });
};

async function assertCategoryExists(db: AppDatabase, categoryId: number | null | undefined) {
  if (categoryId === null || categoryId === undefined) return;
  const found = await db.select({ id: categories.id }).from(categories).where(eq(categories.id, categoryId)).get();
  if (!found) throw invalidField(["body", "category_id"], `Category ${categoryId} does not exist`);
}

const SELECT_PRODUCT =
  "SELECT p.*, c.name AS category_name FROM products p LEFT JOIN categories c ON c.id = p.category_id";

export async function getProductView(d1: D1Database, id: number): Promise<ProductView> {
  const raw = await d1.prepare(`${SELECT_PRODUCT} WHERE p.id = ?1`).bind(id).first<RawProductRow>();
  if (!raw) throw notFound("Product");
  return fromRawProduct(raw);
}

/** Several products in the order asked, in one batch (100 ids per statement); 404 names the first missing one. */
export async function getProductViews(d1: D1Database, ids: number[]): Promise<ProductView[]> {
  const parts = chunk(ids, 100);
  if (parts.length === 0) return [];
  const results = await d1.batch(
    parts.map((part) =>
      d1.prepare(`${SELECT_PRODUCT} WHERE p.id IN (${part.map((_, i) => `?${i + 1}`).join(", ")})`).bind(...part),
    ),
  );
  const byId = new Map(
    results.flatMap((r) => (r.results as RawProductRow[]).map((raw) => [raw.id, fromRawProduct(raw)] as const)),
  );
  return ids.map((id) => {
    const product = byId.get(id);
    if (!product) throw notFound(`Product ${id}`);
    return product;
  });
}

/**
 * Creates a product and, when it starts with stock, the `stock_in` log row
 * for that stock, in one batch: the log always explains the quantity.
 */
export async function createProduct(db: AppDatabase, d1: D1Database, actor: AuthUser, input: ProductInput) {
  await assertCategoryExists(db, input.category_id);
  const now = isoNow();
  const stock = input.stock_quantity ?? 0;
  const insertProduct = d1
    .prepare(
      `INSERT INTO products (sku, name, description, barcode, price, cost_price, stock_quantity, min_stock_level,
         is_active, category_id, image_url, version, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?12) RETURNING id`,
    )
    .bind(
      input.sku,
      input.name,
      input.description ?? null,
      input.barcode ?? null,
      input.price,
      input.cost_price ?? 0,
      stock,
      input.min_stock_level ?? 0,
      input.is_active === false ? 0 : 1,
      input.category_id ?? null,
      input.image_url ?? null,
      now,
    );
  const statements = [insertProduct];
  if (stock > 0) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
           SELECT id, ?2, 'stock_in', ?3, 0, ?3, 'Opening stock', ?4 FROM products WHERE sku = ?1`,
        )
        .bind(input.sku, actor.id, stock, now),
    );
  }
  try {
    const [inserted] = await d1.batch<{ id: number }>(statements);
    const id = inserted?.results[0]?.id;
    if (id === undefined) throw new Error("insert returned no id");
    return getProductView(d1, id);
  } catch (error) {
    throw duplicateField(error) ?? error;
  }
}

export const PRODUCT_SORTS = [
  "id",
  "-id",
  "name",
  "-name",
  "price",
  "-price",
  "stock",
  "-stock",
  "created_at",
  "-created_at",
] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

const SORT_COLUMNS = {
  id: "p.id",
  name: "p.name",
  price: "p.price",
  stock: "p.stock_quantity",
  created_at: "p.created_at",
} as const;

export interface ProductFilters {
  skip: number;
  limit: number;
  category_id?: number | undefined;
  search?: string | undefined;
  is_active?: boolean | "all" | undefined;
  min_price?: number | undefined;
  max_price?: number | undefined;
  sort?: ProductSort | undefined;
}

/** A page of products (with their category names) and the total. */
async function pageOfProducts(d1: D1Database, where: Where, orderBy: string, skip: number, limit: number) {
  const page = await readPage<RawProductRow>(d1, {
    select: SELECT_PRODUCT,
    from: "FROM products p",
    where,
    orderBy,
    skip,
    limit,
  });
  return { total: page.total, data: page.rows.map(fromRawProduct) };
}

/** Lists products; inactive ones only when asked (`is_active=false` or `all`). */
export async function listProducts(d1: D1Database, filters: ProductFilters) {
  const where = new Where();
  const active = filters.is_active ?? true;
  if (active !== "all") where.and((p) => `p.is_active = ${p}`, active ? 1 : 0);
  if (filters.category_id !== undefined) where.and((p) => `p.category_id = ${p}`, filters.category_id);
  if (filters.min_price !== undefined) where.and((p) => `p.price >= ${p}`, filters.min_price);
  if (filters.max_price !== undefined) where.and((p) => `p.price <= ${p}`, filters.max_price);
  if (filters.search !== undefined) {
    const match = toFtsQuery(filters.search);
    if (!match) throw invalidField(["query", "search"], "search must contain letters or digits");
    where.and((p) => `p.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ${p})`, match);
  }
  const sort = filters.sort ?? "id";
  const column = SORT_COLUMNS[sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS];
  const direction = sort.startsWith("-") ? "DESC" : "ASC";
  const orderBy = column === "p.id" ? `p.id ${direction}` : `${column} ${direction}, p.id ${direction}`;
  return pageOfProducts(d1, where, orderBy, filters.skip, filters.limit);
}

/**
 * Ranked full-text search over name, SKU, barcode and description. An exact
 * SKU or barcode hit comes first; then bm25 with name weighted highest.
 */
export async function searchProducts(d1: D1Database, q: string, limit: number, includeInactive: boolean) {
  const match = toFtsQuery(q);
  if (!match) throw invalidField(["query", "q"], "q must contain letters or digits");
  const { results } = await d1
    .prepare(
      `SELECT p.*, c.name AS category_name
       FROM products_fts f
       JOIN products p ON p.id = f.rowid
       LEFT JOIN categories c ON c.id = p.category_id
       WHERE products_fts MATCH ?1 AND (?4 = 1 OR p.is_active = 1)
       ORDER BY (p.sku = ?2 COLLATE NOCASE OR p.barcode = ?2) DESC, bm25(products_fts, 10.0, 6.0, 6.0, 1.0), p.id
       LIMIT ?3`,
    )
    .bind(match, q.trim(), limit, includeInactive ? 1 : 0)
    .all<RawProductRow>();
  return results.map(fromRawProduct);
}

/** Scanner lookup: exact barcode, active or not (the till shows an inactive one as not for sale). */
export async function findByBarcode(d1: D1Database, code: string): Promise<ProductView> {
  const raw = await d1.prepare(`${SELECT_PRODUCT} WHERE p.barcode = ?1`).bind(code).first<RawProductRow>();
  if (!raw) throw notFound("Product with this barcode");
  return fromRawProduct(raw);
}

/** Active products at or below their minimum stock, the emptiest first. */
export async function lowStock(d1: D1Database, skip: number, limit: number) {
  const where = new Where().and("p.is_active = 1").and("p.stock_quantity <= p.min_stock_level");
  return pageOfProducts(d1, where, "p.stock_quantity - p.min_stock_level ASC, p.id ASC", skip, limit);
}

export async function updateProduct(
  db: AppDatabase,
  d1: D1Database,
  id: number,
  change: ProductChange,
  expected: number | undefined,
): Promise<ProductView> {
  if (change.category_id !== undefined) await assertCategoryExists(db, change.category_id);
  let updated: ProductRow | undefined;
  try {
    [updated] = await db
      .update(products)
      .set({
        ...(change.sku !== undefined ? { sku: change.sku } : {}),
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.barcode !== undefined ? { barcode: change.barcode } : {}),
        ...(change.price !== undefined ? { price: change.price } : {}),
        ...(change.cost_price !== undefined ? { costPrice: change.cost_price } : {}),
        ...(change.min_stock_level !== undefined ? { minStockLevel: change.min_stock_level } : {}),
        ...(change.category_id !== undefined ? { categoryId: change.category_id } : {}),
        ...(change.image_url !== undefined ? { imageUrl: change.image_url } : {}),
        ...(change.is_active !== undefined ? { isActive: change.is_active } : {}),
        version: sql`${products.version} + 1`,
        updatedAt: isoNow(),
      })
      .where(and(eq(products.id, id), expected === undefined ? undefined : eq(products.version, expected)))
      .returning();
  } catch (error) {
    throw duplicateField(error) ?? error;
  }
  if (!updated) {
    return explainMissedUpdate("Product", expected, async () => {
      const row = await db.select({ version: products.version }).from(products).where(eq(products.id, id)).get();
      return row?.version;
    });
  }
  return getProductView(d1, id);
}

/** Delete = deactivate: history, orders and reports keep pointing at the row. */
export async function deactivateProduct(db: AppDatabase, d1: D1Database, id: number): Promise<ProductView> {
  return updateProduct(db, d1, id, { is_active: false }, undefined);
}

/**
 * Gives a product without a barcode an in-store EAN-13 (GS1 prefixes 20–29
 * are reserved for in-store use): 21 + the product id, with its check digit,
 * or a random 2x code if that one is taken by a manually entered barcode.
 */
export async function assignInStoreEan13(d1: D1Database, id: number): Promise<ProductView> {
  const product = await getProductView(d1, id);
  if (product.barcode) {
    throw new ApiError("CONFLICT", `Product already has barcode ${product.barcode}`, {
      extra: { barcode: product.barcode },
    });
  }
  const candidates = [`21${String(id).padStart(10, "0")}`];
  for (let i = 0; i < 5; i++) {
    const digits = crypto.getRandomValues(new Uint32Array(3));
    candidates.push(
      `2${2 + ((digits[0] ?? 0) % 8)}${String(digits[1] ?? 0)
        .padStart(10, "0")
        .slice(0, 5)}${String(digits[2] ?? 0)
        .padStart(10, "0")
        .slice(0, 5)}`,
    );
  }
  for (const body of candidates) {
    const code = `${body}${gs1CheckDigit(body)}`;
    try {
      const row = await d1
        .prepare(
          "UPDATE products SET barcode = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1 AND barcode IS NULL RETURNING id",
        )
        .bind(id, code, isoNow())
        .first();
      if (!row) throw new ApiError("CONFLICT", "Product got a barcode meanwhile");
      return getProductView(d1, id);
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
    }
  }
  throw new ApiError("CONFLICT", "Could not find a free in-store barcode; try again");
}
