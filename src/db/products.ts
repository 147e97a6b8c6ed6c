/**
 * The catalog's products (head office). Every read a client sees answers a
 * product with its category's name and the acting store's price override
 * (two LEFT JOINs on primary keys, declared once below); lists are pages,
 * search is ranked FTS5. A product's stock is not here: it is each store's
 * (stock_levels in the store's database, db/stock.ts), and the service puts
 * the two together. When a read must order or filter by a store's stock, the
 * store's levels come in as one JSON parameter (`levels`, see
 * `levelRowsJson` in db/stock.ts) and are joined through `json_each`.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { returningRow, returningShape, type Statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { products } from "./schema";

export type Product = Row<typeof products>;

/**
 * A product as every read answers it: its row, its category's name and the
 * store's own price when it has one (`store_price`, cents; null: the catalog's).
 */
export type ProductWithCategory = Product & { category_name: string | null; store_price: number | null };

/** The store's own prices `sp`, for the store whose id is bound at `storeParam`. */
const storePriceJoin = (storeParam: string) =>
  `LEFT JOIN product_store_prices sp ON sp.product_id = p.id AND sp.store_id = ${storeParam}`;

/** The SELECT of a catalog read for the store whose id is bound at `storeParam` ("?2"). */
const selectProduct = (storeParam: string, priceJoin = true) =>
  `SELECT p.*, c.name AS category_name, sp.price AS store_price FROM products p
   LEFT JOIN categories c ON c.id = p.category_id
   ${priceJoin ? storePriceJoin(storeParam) : ""}`;

/** The price a store sells at: its own, else the catalog's. */
const STORE_PRICE = "COALESCE(sp.price, p.price)";

const decodeProduct = (raw: unknown) => decodeRow<typeof products, ProductWithCategory>(products, raw);

/** One product by id, for a `Batch` (or `runAlone`). */
export const productById = (d1: D1Database, id: number, storeId: number): Statement<ProductWithCategory | undefined> =>
  returningRow<typeof products, ProductWithCategory>(
    products,
    d1.prepare(`${selectProduct("?2")} WHERE p.id = ?1`).bind(id, storeId),
  );

/** One product by its exact barcode, for a `Batch` (or `runAlone`). */
export const productByBarcode = (
  d1: D1Database,
  code: string,
  storeId: number,
): Statement<ProductWithCategory | undefined> =>
  returningRow<typeof products, ProductWithCategory>(
    products,
    d1.prepare(`${selectProduct("?2")} WHERE p.barcode = ?1`).bind(code, storeId),
  );

/** The products among `ids` that exist, by id (one statement: the ids travel as one JSON parameter). */
export async function findProducts(
  d1: D1Database,
  ids: number[],
  storeId: number,
): Promise<Map<number, ProductWithCategory>> {
  if (ids.length === 0) return new Map();
  const { results } = await d1
    .prepare(`${selectProduct("?2")} WHERE p.id IN (SELECT value FROM json_each(?1))`)
    .bind(JSON.stringify(ids), storeId)
    .all();
  const rows = results.map(decodeProduct);
  return new Map(rows.map((row) => [row.id, row]));
}

/** What a stock movement reads of the catalog before gating: the name and the chain's default minimum. */
export const findProductForStock = (db: AppDatabase, id: number) =>
  db
    .select({ id: products.id, name: products.name, minStockLevel: products.minStockLevel })
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

/** Sorts that need the store's stock levels (`levels`). */
export const sortsByStock = (sort: ProductSort): boolean => sort === "stock" || sort === "-stock";

const SORT_COLUMNS = {
  id: "p.id",
  name: "p.name",
  price: STORE_PRICE,
  // The store's quantity; no row at the store is none.
  stock: "COALESCE(s.qty, 0)",
  created_at: "p.created_at",
} as const;

export interface ProductFilter extends PageRequest {
  /** The acting store: its price overrides. */
  storeId: number;
  /** true or false for that state only, "all" for both. */
  active: boolean | "all";
  categoryId?: number | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  /** An FTS5 MATCH expression (see domain/search.ts). */
  match?: string | undefined;
  sort: ProductSort;
  /** The store's levels (`levelRowsJson`), required by the stock sorts. */
  levels?: string | undefined;
}

function orderFor(sort: ProductSort): string {
  const column = SORT_COLUMNS[sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS];
  const direction = sort.startsWith("-") ? "DESC" : "ASC";
  return column === "p.id" ? `p.id ${direction}` : `${column} ${direction}, p.id ${direction}`;
}

/** The store's levels as a table `s(id, qty, min)`, from their JSON bound at `param`. */
const levelsJoin = (param: string) =>
  `LEFT JOIN (SELECT value ->> 0 AS id, value ->> 1 AS qty, value ->> 2 AS min FROM json_each(${param})) s ON s.id = p.id`;

/**
 * A page of the catalog as one store sees it. Price filters and the price
 * sort use the store's price, so the COUNT joins its overrides too; the
 * other lists join them in the page's SELECT only.
 */
export function productPage(d1: D1Database, filter: ProductFilter): Promise<Page<ProductWithCategory>> {
  const where = new Where();
  const byPrice =
    filter.minPrice !== undefined || filter.maxPrice !== undefined || filter.sort.replace(/^-/, "") === "price";
  const storeParam = byPrice ? where.bind(filter.storeId) : undefined;
  let join = storeParam ? storePriceJoin(storeParam) : "";
  if (sortsByStock(filter.sort)) {
    if (filter.levels === undefined) throw new Error("a stock sort needs the store's levels");
    join += ` ${levelsJoin(where.bind(filter.levels))}`;
  }
  if (filter.active !== "all") where.and((p) => `p.is_active = ${p}`, filter.active ? 1 : 0);
  if (filter.categoryId !== undefined) where.and((p) => `p.category_id = ${p}`, filter.categoryId);
  if (filter.minPrice !== undefined) where.and((p) => `${STORE_PRICE} >= ${p}`, filter.minPrice);
  if (filter.maxPrice !== undefined) where.and((p) => `${STORE_PRICE} <= ${p}`, filter.maxPrice);
  if (filter.match !== undefined) {
    where.and((p) => `p.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ${p})`, filter.match);
  }
  return readPage(d1, {
    select: storeParam
      ? `${selectProduct(storeParam, false)} ${join}`
      : `${selectProduct(`?${where.params.length + 1}`)} ${join}`,
    selectParams: storeParam ? [] : [filter.storeId],
    from: `FROM products p ${join}`,
    where,
    orderBy: orderFor(filter.sort),
    skip: filter.skip,
    limit: filter.limit,
    decode: decodeProduct,
  });
}

/**
 * Active products at or below the store's minimum, the emptiest first (by
 * quantity − minimum). `levels` are the store's rows (`levelRowsJson`); a
 * product with none has nothing there, against the catalog's minimum, so it
 * is always listed (0 ≤ any minimum), as a product created with no stock was
 * before stores.
 */
export function lowStockPage(
  d1: D1Database,
  storeId: number,
  levels: string,
  page: PageRequest,
): Promise<Page<ProductWithCategory>> {
  const where = new Where();
  const join = levelsJoin(where.bind(levels));
  where.and("p.is_active = 1").and("COALESCE(s.qty, 0) <= COALESCE(s.min, p.min_stock_level)");
  return readPage(d1, {
    select: `${selectProduct(`?${where.params.length + 1}`)} ${join}`,
    selectParams: [storeId],
    from: `FROM products p ${join}`,
    where,
    orderBy: "COALESCE(s.qty, 0) - COALESCE(s.min, p.min_stock_level) ASC, p.id ASC",
    skip: page.skip,
    limit: page.limit,
    decode: decodeProduct,
  });
}

/**
 * Ranked full-text search over name, SKU, barcode and description. An exact
 * SKU or barcode hit (`exact`) comes first; then bm25 with name weighted highest.
 */
export async function searchProducts(
  d1: D1Database,
  q: { match: string; exact: string; limit: number; includeInactive: boolean; storeId: number },
): Promise<ProductWithCategory[]> {
  const { results } = await d1
    .prepare(
      `SELECT p.*, c.name AS category_name, sp.price AS store_price
       FROM products_fts f
       JOIN products p ON p.id = f.rowid
       LEFT JOIN categories c ON c.id = p.category_id
       LEFT JOIN product_store_prices sp ON sp.product_id = p.id AND sp.store_id = ?5
       WHERE products_fts MATCH ?1 AND (?4 = 1 OR p.is_active = 1)
       ORDER BY (p.sku = ?2 COLLATE NOCASE OR p.barcode = ?2) DESC, bm25(products_fts, 10.0, 6.0, 6.0, 1.0), p.id
       LIMIT ?3`,
    )
    .bind(q.match, q.exact, q.limit, q.includeInactive ? 1 : 0, q.storeId)
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
        `INSERT INTO products (sku, name, description, barcode, price, cost_price, min_stock_level,
           is_active, category_id, image_url, version, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12) RETURNING *`,
      )
      .bind(
        p.sku,
        p.name,
        p.description,
        p.barcode,
        p.price,
        p.costPrice,
        p.minStockLevel,
        p.isActive ? 1 : 0,
        p.categoryId,
        p.imageUrl,
        p.createdAt,
        p.updatedAt,
      ),
  );

/**
 * Gives the product `code` as its barcode if it has none yet (a new version),
 * RETURNING its id; no row when it got one meanwhile. Not awaited here: run it
 * in a `db.batch` with its audit event. A UNIQUE refusal means another product has `code`.
 */
export const setBarcodeIfNone = (db: AppDatabase, id: number, code: string, now: string) =>
  db
    .update(products)
    .set({ barcode: code, version: sql`${products.version} + 1`, updatedAt: now })
    .where(and(eq(products.id, id), isNull(products.barcode)))
    .returning({ id: products.id });

/**
 * Sets the store's own price for a product (an upsert), for a batch: it
 * writes nothing when the product does not exist (SQLite's changes() is then 0).
 */
export const setStorePrice = (
  d1: D1Database,
  change: { productId: number; storeId: number; price: number; now: string },
) =>
  d1
    .prepare(
      `INSERT INTO product_store_prices (product_id, store_id, price, updated_at)
       SELECT id, ?2, ?3, ?4 FROM products WHERE id = ?1
       ON CONFLICT (product_id, store_id) DO UPDATE SET price = excluded.price, updated_at = excluded.updated_at`,
    )
    .bind(change.productId, change.storeId, change.price, change.now);

/** Removes the store's own price (the catalog's applies again), for a batch. */
export const clearStorePrice = (d1: D1Database, productId: number, storeId: number) =>
  d1.prepare("DELETE FROM product_store_prices WHERE product_id = ?1 AND store_id = ?2").bind(productId, storeId);

/** One chunk's share of what a store's stock is worth (see `stockValueStatements`). */
export interface StockValuePart {
  /** Active products among the chunk's rows. */
  stocked: number;
  units_on_hand: number;
  at_cost: number;
  at_retail: number;
  low_stock_count: number;
  out_of_stock_count: number;
}

/**
 * What a store's stock is worth, for the active catalog: one statement per
 * chunk of the store's level rows (each chunk one JSON parameter of
 * `[product_id, quantity, min_stock_level]` triples), priced at the store's
 * own price where it has one, and the count of active products. Active
 * products the store has no row for hold nothing there: they count as out of
 * stock and as low (0 ≤ any minimum), which the caller adds
 * (active − Σ stocked).
 */
export function stockValueStatements(
  d1: D1Database,
  storeId: number,
  levelChunks: string[],
): { active: Statement<{ n: number }[]>; parts: Statement<StockValuePart[]>[] } {
  return {
    active: returningShape(d1.prepare("SELECT COUNT(*) AS n FROM products WHERE is_active = 1")),
    parts: levelChunks.map((levels) =>
      returningShape<StockValuePart>(
        d1
          .prepare(
            `SELECT COUNT(*) AS stocked, COALESCE(SUM(s.qty), 0) AS units_on_hand,
                    COALESCE(SUM(s.qty * p.cost_price), 0) AS at_cost,
                    COALESCE(SUM(s.qty * COALESCE(sp.price, p.price)), 0) AS at_retail,
                    COALESCE(SUM(CASE WHEN s.qty <= s.min THEN 1 ELSE 0 END), 0) AS low_stock_count,
                    COALESCE(SUM(CASE WHEN s.qty = 0 THEN 1 ELSE 0 END), 0) AS out_of_stock_count
             FROM (SELECT value ->> 0 AS id, value ->> 1 AS qty, value ->> 2 AS min FROM json_each(?1)) s
             JOIN products p ON p.id = s.id AND p.is_active = 1
             LEFT JOIN product_store_prices sp ON sp.product_id = p.id AND sp.store_id = ?2`,
          )
          .bind(levels, storeId),
      ),
    ),
  };
}
