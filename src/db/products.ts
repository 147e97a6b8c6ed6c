/**
 * The products table (stock changes excepted: those are in db/stock.ts).
 * Every read a client sees answers a product with its category's name (one
 * LEFT JOIN, declared once below); lists are pages, search is ranked FTS5.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { returningRow, returningRows, type Statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { products } from "./schema";
import { chunk } from "./stock";

export type Product = Row<typeof products>;

/** A product as every read answers it: its row and its category's name. */
export type ProductWithCategory = Product & { category_name: string | null };

const SELECT_PRODUCT =
  "SELECT p.*, c.name AS category_name FROM products p LEFT JOIN categories c ON c.id = p.category_id";

const decodeProduct = (raw: unknown) => decodeRow<typeof products, ProductWithCategory>(products, raw);

export async function findProduct(d1: D1Database, id: number): Promise<ProductWithCategory | undefined> {
  const raw = await d1.prepare(`${SELECT_PRODUCT} WHERE p.id = ?1`).bind(id).first();
  return raw ? decodeProduct(raw) : undefined;
}

export async function findProductByBarcode(d1: D1Database, code: string): Promise<ProductWithCategory | undefined> {
  const raw = await d1.prepare(`${SELECT_PRODUCT} WHERE p.barcode = ?1`).bind(code).first();
  return raw ? decodeProduct(raw) : undefined;
}

/** The products among `ids` that exist, by id, read in one batch (100 ids per statement). */
export async function findProducts(d1: D1Database, ids: number[]): Promise<Map<number, ProductWithCategory>> {
  const parts = chunk(ids, 100);
  if (parts.length === 0) return new Map();
  const results = await d1.batch(
    parts.map((part) =>
      d1.prepare(`${SELECT_PRODUCT} WHERE p.id IN (${part.map((_, i) => `?${i + 1}`).join(", ")})`).bind(...part),
    ),
  );
  const rows = results.flatMap((result) => (result.results ?? []).map(decodeProduct));
  return new Map(rows.map((row) => [row.id, row]));
}

/** What a stock movement reads before gating: the product's name and its stock in the book. */
export const findProductStock = (db: AppDatabase, id: number) =>
  db
    .select({ id: products.id, name: products.name, stockQuantity: products.stockQuantity })
    .from(products)
    .where(eq(products.id, id))
    .get();

export async function productExists(db: AppDatabase, id: number): Promise<boolean> {
  return (await db.select({ id: products.id }).from(products).where(eq(products.id, id)).get()) !== undefined;
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

export interface ProductFilter extends PageRequest {
  /** true or false for that state only, "all" for both. */
  active: boolean | "all";
  categoryId?: number | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  /** An FTS5 MATCH expression (see domain/search.ts). */
  match?: string | undefined;
  sort: ProductSort;
}

function orderFor(sort: ProductSort): string {
  const column = SORT_COLUMNS[sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS];
  const direction = sort.startsWith("-") ? "DESC" : "ASC";
  return column === "p.id" ? `p.id ${direction}` : `${column} ${direction}, p.id ${direction}`;
}

export function productPage(d1: D1Database, filter: ProductFilter): Promise<Page<ProductWithCategory>> {
  const where = new Where();
  if (filter.active !== "all") where.and((p) => `p.is_active = ${p}`, filter.active ? 1 : 0);
  if (filter.categoryId !== undefined) where.and((p) => `p.category_id = ${p}`, filter.categoryId);
  if (filter.minPrice !== undefined) where.and((p) => `p.price >= ${p}`, filter.minPrice);
  if (filter.maxPrice !== undefined) where.and((p) => `p.price <= ${p}`, filter.maxPrice);
  if (filter.match !== undefined) {
    where.and((p) => `p.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ${p})`, filter.match);
  }
  return readPage(d1, {
    select: SELECT_PRODUCT,
    from: "FROM products p",
    where,
    orderBy: orderFor(filter.sort),
    skip: filter.skip,
    limit: filter.limit,
    decode: decodeProduct,
  });
}

/** Active products at or below their minimum stock, the emptiest first. */
export const lowStockPage = (d1: D1Database, page: PageRequest): Promise<Page<ProductWithCategory>> =>
  readPage(d1, {
    select: SELECT_PRODUCT,
    from: "FROM products p",
    where: new Where().and("p.is_active = 1").and("p.stock_quantity <= p.min_stock_level"),
    orderBy: "p.stock_quantity - p.min_stock_level ASC, p.id ASC",
    skip: page.skip,
    limit: page.limit,
    decode: decodeProduct,
  });

/**
 * Ranked full-text search over name, SKU, barcode and description. An exact
 * SKU or barcode hit (`exact`) comes first; then bm25 with name weighted highest.
 */
export async function searchProducts(
  d1: D1Database,
  q: { match: string; exact: string; limit: number; includeInactive: boolean },
): Promise<ProductWithCategory[]> {
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
    .bind(q.match, q.exact, q.limit, q.includeInactive ? 1 : 0)
    .all();
  return results.map(decodeProduct);
}

/** A new product's columns (the id and version are the table's). */
export type NewProduct = Omit<Product, "id" | "version">;

/** INSERTs a product at version 1, RETURNING its row (for a `Batch`; a UNIQUE on sku or barcode refuses it). */
export const insertProduct = (d1: D1Database, p: NewProduct) =>
  returningRow(
    products,
    d1
      .prepare(
        `INSERT INTO products (sku, name, description, barcode, price, cost_price, stock_quantity, min_stock_level,
           is_active, category_id, image_url, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13) RETURNING *`,
      )
      .bind(
        p.sku,
        p.name,
        p.description,
        p.barcode,
        p.price,
        p.costPrice,
        p.stockQuantity,
        p.minStockLevel,
        p.isActive ? 1 : 0,
        p.categoryId,
        p.imageUrl,
        p.createdAt,
        p.updatedAt,
      ),
  );

/**
 * Gives the product `code` as its barcode if it has none yet (a new version);
 * false when it got one meanwhile. A UNIQUE refusal means another product has `code`.
 */
export async function setBarcodeIfNone(db: AppDatabase, id: number, code: string, now: string): Promise<boolean> {
  const rows = await db
    .update(products)
    .set({ barcode: code, version: sql`${products.version} + 1`, updatedAt: now })
    .where(and(eq(products.id, id), isNull(products.barcode)))
    .returning({ id: products.id });
  return rows.length > 0;
}

/** What a sale reads of each product of its cart (and copies onto its lines). */
export type SaleProduct = Pick<Row<typeof products>, "id" | "sku" | "name" | "price" | "isActive" | "minStockLevel">;

/** The cart's products, for the sale's read (one statement of its facts batch). */
export function saleProducts(d1: D1Database, productIds: number[]): Statement<SaleProduct[]> {
  const placeholders = productIds.map((_, i) => `?${i + 1}`).join(",");
  return returningRows<typeof products, SaleProduct>(
    products,
    d1
      .prepare(`SELECT id, sku, name, price, is_active, min_stock_level FROM products WHERE id IN (${placeholders})`)
      .bind(...productIds),
  );
}
