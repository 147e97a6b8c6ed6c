/**
 * Products: the catalog is the head office's (ctx.hq), stock is each
 * store's (ctx.store): an answer shows the acting store's stock, minimum and
 * price (its override when it has one). Reads that need both send the two
 * queries together; lists that sort by stock read the store's levels first.
 * Creation logs the opening stock at the creating store; listing, full-text
 * search, scanner lookup, versioned updates, deactivation, per-store prices
 * and in-store barcodes. Stock itself only changes through the inventory and
 * order services.
 */
import { auditAt, auditInsert, auditStatement, changedFields, LAST_INSERTED } from "../audit/record";
import { Batch, runAlone, statement } from "../db/batch";
import { findCategory } from "../db/categories";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import {
  clearStorePrice,
  findProducts,
  insertProduct,
  lowStockPage,
  type NewProduct,
  type ProductSort,
  type ProductWithCategory,
  productByBarcode,
  productById,
  productPage,
  searchProducts as searchCatalog,
  setBarcodeIfNone,
  setStorePrice,
  sortsByStock,
} from "../db/products";
import { products } from "../db/schema";
import {
  copyBarcode,
  levelRowsJson,
  levelsByBarcode,
  levelsOf,
  openingStock,
  type StoreLevel,
  setMinStockLevel,
} from "../db/stock";
import { userCheckStatement } from "../db/users";
import { updateVersionedWith } from "../db/versioned";
import { gs1CheckDigit } from "../domain/barcode";
import { toFtsQuery } from "../domain/search";
import type { AuthUser } from "../lib/auth/current-user";
import { type PendingUserCheck, settleUserCheck } from "../lib/auth/middleware";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { storeIdentity } from "../stores/directory";
import { scopeOf, storeDatabase } from "../stores/scope";
import type { ServiceContext } from "./context";
import { productAuditFields, productChangeEntry } from "./products-audit";
import { type ProductView, toProductView } from "./products-view";

/** What catalog reads need of the context: both databases. */
type CatalogContext = Pick<ServiceContext, "hq" | "store">;

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

/** The 409 for a SKU or barcode another product has; null when `error` is no UNIQUE refusal. */
const duplicateField = (error: unknown): ApiError | null => {
  const violated = uniqueViolation(error);
  if (!violated) return null;
  const field = violated.includes("barcode") ? "barcode" : "sku";
  return new ApiError("DUPLICATE", `A product with this ${field} already exists`, { extra: { field } });
};

/** The category's name (null for none); 422 when it does not exist. */
async function categoryName(ctx: CatalogContext, categoryId: number | null | undefined): Promise<string | null> {
  if (categoryId === null || categoryId === undefined) return null;
  const category = await findCategory(ctx.hq.db, categoryId);
  if (!category) throw invalidField(["body", "category_id"], `Category ${categoryId} does not exist`);
  return category.name;
}

/** The rows' views at the acting store, reading its levels of those rows (one store query). */
async function viewsAtStore(ctx: CatalogContext, rows: ProductWithCategory[]): Promise<ProductView[]> {
  const levels = await levelsOf(
    ctx.store.d1,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toProductView(row, levels.get(row.id)));
}

export async function getProductView(ctx: CatalogContext, id: number): Promise<ProductView> {
  // The catalog row and the store's level do not depend on each other: one round trip.
  const [row, levels] = await Promise.all([
    runAlone(productById(ctx.hq.d1, id, ctx.store.id)),
    levelsOf(ctx.store.d1, [id]),
  ]);
  if (!row) throw notFound("Product");
  return toProductView(row, levels.get(id));
}

/** Several products in the order asked, catalog and store read together; 404 names the first missing one. */
export async function getProductViews(ctx: CatalogContext, ids: number[]): Promise<ProductView[]> {
  const byId = await productsAtStore(ctx, ids);
  return ids.map((id) => {
    const view = byId.get(id);
    if (!view) throw notFound(`Product ${id}`);
    return view;
  });
}

/** The products among `ids` that exist, as the acting store sees them, by id (low-stock alerts, labels). */
export async function productsAtStore(ctx: CatalogContext, ids: number[]): Promise<Map<number, ProductView>> {
  const [rows, levels] = await Promise.all([findProducts(ctx.hq.d1, ids, ctx.store.id), levelsOf(ctx.store.d1, ids)]);
  return new Map([...rows.values()].map((row) => [row.id, toProductView(row, levels.get(row.id))]));
}

/**
 * Creates a product in the catalog (head office), then its stock row at the
 * acting store and, when it starts with stock, the `stock_in` log row of that
 * stock, in one store batch: the store's log always explains its quantity.
 * The two databases are not one transaction: should the store's write fail,
 * the product exists with no stock row there, which every read takes as none
 * (0, against the catalog's minimum), the state it would have had at any
 * other store; the client sees the error and counts the stock in with a movement.
 */
export async function createProduct(ctx: ServiceContext, actor: AuthUser, input: ProductInput) {
  const category = await categoryName(ctx, input.category_id);
  const now = isoNow(ctx.now());
  const stock = input.stock_quantity ?? 0;
  const minStockLevel = input.min_stock_level ?? 0;
  const catalog = new Batch(ctx.hq.d1).refuseOn(
    (error) => duplicateField(error) !== null,
    (error) => duplicateField(error) ?? (error as Error),
  );
  const values = {
    sku: input.sku,
    name: input.name,
    description: input.description ?? null,
    barcode: input.barcode ?? null,
    price: input.price,
    costPrice: input.cost_price ?? 0,
    minStockLevel,
    isActive: input.is_active !== false,
    categoryId: input.category_id ?? null,
    imageUrl: input.image_url ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const inserted = catalog.add(insertProduct(ctx.hq.d1, values));
  catalog.add(
    statement(
      auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
        action: "product.created",
        entityType: "product",
        entityId: LAST_INSERTED,
        // The opening stock is counted in at the acting store (its store batch below).
        after: { ...productAuditFields(values), min_stock_level: minStockLevel, stock_quantity: stock },
      }),
    ),
  );
  await catalog.commit();
  const row = inserted.value;
  if (!row) throw new Error("insert returned no row");
  const atStore = new Batch(ctx.store.d1);
  for (const statement of openingStock(
    ctx.store.d1,
    { id: row.id, minStockLevel, barcode: row.barcode },
    { userId: actor.id, quantity: stock, now, idBase: ctx.store.idBase },
  )) {
    atStore.add(statement);
  }
  await atStore.commit();
  return toProductView(
    { ...row, category_name: category, store_price: null },
    { productId: row.id, quantity: stock, minStockLevel },
  );
}

export interface ProductFilters extends PageRequest {
  category_id?: number | undefined;
  search?: string | undefined;
  is_active?: boolean | "all" | undefined;
  min_price?: number | undefined;
  max_price?: number | undefined;
  sort?: ProductSort | undefined;
}

/** The store's levels from `levelRowsJson`'s JSON, by product id. */
function levelsFromJson(json: string): Map<number, StoreLevel> {
  const triples = JSON.parse(json) as [number, number, number][];
  return new Map(
    triples.map(([productId, quantity, minStockLevel]) => [productId, { productId, quantity, minStockLevel }]),
  );
}

/**
 * Lists products; inactive ones only when asked (`is_active=false` or `all`).
 * Sorted by stock, the store's levels are read first and ordered by in the
 * catalog's query; otherwise the page is read first, then its levels.
 */
export async function listProducts(ctx: CatalogContext, filters: ProductFilters): Promise<Page<ProductView>> {
  let match: string | undefined;
  if (filters.search !== undefined) {
    match = toFtsQuery(filters.search) ?? undefined;
    if (!match) throw invalidField(["query", "search"], "search must contain letters or digits");
  }
  const sort = filters.sort ?? "id";
  const query = {
    skip: filters.skip,
    limit: filters.limit,
    storeId: ctx.store.id,
    active: filters.is_active ?? true,
    categoryId: filters.category_id,
    minPrice: filters.min_price,
    maxPrice: filters.max_price,
    match,
    sort,
  };
  if (sortsByStock(sort)) {
    const [levels = "[]"] = await levelRowsJson(ctx.store.d1);
    const page = await productPage(ctx.hq.d1, { ...query, levels });
    const byId = levelsFromJson(levels);
    return mapPage(page, (row) => toProductView(row, byId.get(row.id)));
  }
  const page = await productPage(ctx.hq.d1, query);
  return { ...page, data: await viewsAtStore(ctx, page.data) };
}

/** Ranked full-text search (see `searchProducts` in db/products.ts): the best `limit` matches for `q`. */
export async function searchProducts(
  ctx: CatalogContext,
  query: { q: string; limit: number; include_inactive?: boolean | undefined },
) {
  const match = toFtsQuery(query.q);
  if (!match) throw invalidField(["query", "q"], "q must contain letters or digits");
  const rows = await searchCatalog(ctx.hq.d1, {
    match,
    exact: query.q.trim(),
    limit: query.limit,
    includeInactive: query.include_inactive ?? false,
    storeId: ctx.store.id,
  });
  const data = await viewsAtStore(ctx, rows);
  return { q: query.q, total: data.length, data };
}

/**
 * Active products at or below the acting store's minimum, the emptiest
 * first: the store's levels are read, then the catalog is paged with them.
 */
export async function lowStock(ctx: CatalogContext, page: PageRequest): Promise<Page<ProductView>> {
  const [levels = "[]"] = await levelRowsJson(ctx.store.d1);
  const byId = levelsFromJson(levels);
  return mapPage(await lowStockPage(ctx.hq.d1, ctx.store.id, levels, page), (row) =>
    toProductView(row, byId.get(row.id)),
  );
}

/** The columns a change sets (those it leaves undefined stay as they are). */
const columnsOf = (change: Omit<ProductChange, "min_stock_level">): Partial<NewProduct> => ({
  sku: change.sku,
  name: change.name,
  description: change.description,
  barcode: change.barcode,
  price: change.price,
  costPrice: change.cost_price,
  categoryId: change.category_id,
  imageUrl: change.image_url,
  isActive: change.is_active,
});

/**
 * A versioned update: 409 VERSION_CONFLICT when `expected` is stale, 409
 * DUPLICATE for a taken SKU or barcode. The catalog's fields change at the
 * head office (a new version, even when only the minimum changed, as before
 * stores); `min_stock_level` is the acting store's own minimum, set on its
 * stock row once the catalog accepted the change (other stores keep theirs).
 */
export async function updateProduct(
  ctx: ServiceContext,
  id: number,
  change: ProductChange,
  expected: number | undefined,
  action: "product.updated" | "product.deactivated" = "product.updated",
): Promise<ProductView> {
  const { min_stock_level: storeMinimum, ...catalogChange } = change;
  // The store's minimum as it was, for the audit event (read beside the category check).
  const [, levels] = await Promise.all([
    change.category_id !== undefined ? categoryName(ctx, change.category_id) : undefined,
    storeMinimum !== undefined ? levelsOf(ctx.store.d1, [id]) : undefined,
  ]);
  const now = isoNow(ctx.now());
  await updateVersionedWith(
    ctx.hq,
    products,
    { what: "Product", id, expected, set: columnsOf(catalogChange), now, onError: duplicateField },
    (current, next) => {
      const minimum = (level: number) => (storeMinimum === undefined ? {} : { min_stock_level: level });
      const before = {
        ...productAuditFields(current),
        ...minimum(levels?.get(id)?.minStockLevel ?? current.minStockLevel),
      };
      const after = { ...productAuditFields(next), ...minimum(storeMinimum ?? 0) };
      return [auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), productChangeEntry(id, before, after, action))];
    },
  );
  if (storeMinimum !== undefined) await setMinStockLevel(ctx.store.d1, id, storeMinimum, now);
  return getProductView(ctx, id);
}

/** Delete = deactivate: history, orders and reports keep pointing at the row. */
export async function deactivateProduct(ctx: ServiceContext, id: number): Promise<ProductView> {
  return updateProduct(ctx, id, { is_active: false }, undefined, "product.deactivated");
}

/**
 * The acting store's own price for a product (cents): its answers and its
 * sales use it; other stores keep the catalog's. 404 for no such product.
 */
export async function setProductStorePrice(ctx: ServiceContext, id: number, price: number): Promise<ProductView> {
  const row = await runAlone(productById(ctx.hq.d1, id, ctx.store.id));
  if (!row) throw notFound("Product");
  const place = auditAt(ctx, "hq");
  await ctx.hq.d1.batch([
    setStorePrice(ctx.hq.d1, { productId: id, storeId: ctx.store.id, price, now: place.at }),
    // Only with the upsert: a product deleted meanwhile gets nothing written and no event.
    auditStatement(ctx.hq.d1, place, {
      ...storePriceChange(id, row.store_price, price),
      action: "product.store_price.set",
      onlyIfChanged: true,
    }),
  ]);
  return getProductView(ctx, id);
}

/** The acting store's price before and after, in cents (null: the catalog's), and which store it is. */
const storePriceChange = (id: number, before: number | null, after: number | null) => ({
  entityType: "product",
  entityId: id,
  ...changedFields({ store_price: before }, { store_price: after }),
});

/** Back to the catalog's price at the acting store (nothing to remove is fine; no such product is 404). */
export async function clearProductStorePrice(ctx: ServiceContext, id: number): Promise<ProductView> {
  const row = await runAlone(productById(ctx.hq.d1, id, ctx.store.id));
  if (!row) throw notFound("Product");
  await ctx.hq.d1.batch([
    clearStorePrice(ctx.hq.d1, id, ctx.store.id),
    auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
      ...storePriceChange(id, row.store_price, null),
      action: "product.store_price.cleared",
    }),
  ]);
  return getProductView(ctx, id);
}

/**
 * In-store EAN-13 bodies (12 digits, GS1 prefixes 20–29 are for in-store
 * use): 21 + the product id first, then five random 2x codes.
 */
function inStoreCandidates(id: number): string[] {
  const candidates = [`21${String(id).padStart(10, "0")}`];
  for (let i = 0; i < 5; i++) {
    const digits = crypto.getRandomValues(new Uint32Array(3));
    const part = (n: number | undefined) =>
      String(n ?? 0)
        .padStart(10, "0")
        .slice(0, 5);
    candidates.push(`2${2 + ((digits[0] ?? 0) % 8)}${part(digits[1])}${part(digits[2])}`);
  }
  return candidates;
}

/**
 * Gives a product without a barcode an in-store EAN-13: the first candidate
 * (see `inStoreCandidates`), with its check digit, that no manually entered
 * barcode has taken.
 */
export async function assignInStoreEan13(ctx: ServiceContext, id: number): Promise<ProductView> {
  const product = await getProductView(ctx, id);
  if (product.barcode) {
    throw new ApiError("CONFLICT", `Product already has barcode ${product.barcode}`, {
      extra: { barcode: product.barcode },
    });
  }
  const now = isoNow(ctx.now());
  for (const body of inStoreCandidates(id)) {
    const code = `${body}${gs1CheckDigit(body)}`;
    try {
      const [assigned] = await ctx.hq.db.batch([
        setBarcodeIfNone(ctx.hq.db, id, code, now),
        // Only with the guarded UPDATE: a product that got a barcode meanwhile records nothing.
        auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
          action: "product.barcode.assigned",
          entityType: "product",
          entityId: id,
          before: { barcode: null },
          after: { barcode: code },
          onlyIfChanged: true,
        }),
      ]);
      if (assigned.length === 0) throw new ApiError("CONFLICT", "Product got a barcode meanwhile");
      return getProductView(ctx, id);
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
    }
  }
  throw new ApiError("CONFLICT", "Could not find a free in-store barcode; try again");
}

/** Which product a one-product read asks for. */
export type ProductKey = { id: number } | { barcode: string };

/**
 * Barcode → product id, as last read, per head office and isolate: with it,
 * a scan reads the store's level in parallel with the catalog instead of
 * after it. A stale entry (a barcode moved to another product) only costs
 * the second read; the catalog's answer always decides which product it is.
 */
const BARCODE_IDS_MAX = 20_000;
const barcodeIds = new WeakMap<D1Database, Map<string, number>>();

function knownBarcode(hq: D1Database, code: string): number | undefined {
  return barcodeIds.get(hq)?.get(code);
}

function rememberBarcode(hq: D1Database, code: string, id: number) {
  let ids = barcodeIds.get(hq);
  if (!ids) {
    ids = new Map();
    barcodeIds.set(hq, ids);
  }
  if (ids.size >= BARCODE_IDS_MAX) ids.delete(ids.keys().next().value as string);
  ids.set(code, id);
}

/**
 * One product as the caller's store sees it, in one round trip: the caller
 * check (`pending`, from requirePermissionInBatch) and the catalog row go to
 * the head office in one batch while the store's level is read at the same
 * time, from the store the request names or the token's home store. The
 * check decides before anything is answered; the acting store is the one it
 * confirms. Without a pending check (the caller is already confirmed), the
 * same reads run on `ctx.store`.
 */
export async function readProduct(
  ctx: ServiceContext,
  key: ProductKey,
  pending: PendingUserCheck | undefined,
): Promise<{ view: ProductView; caller?: AuthUser }> {
  const notFoundError = () => notFound("id" in key ? "Product" : "Product with this barcode");
  const directory = ctx.env.DB;
  const guessId = "id" in key ? key.id : knownBarcode(directory, key.barcode);
  const catalogRead = (storeId: number) =>
    "id" in key ? productById(ctx.hq.d1, key.id, storeId) : productByBarcode(ctx.hq.d1, key.barcode, storeId);
  // The store's level, read beside the catalog row: by id when the id is
  // known, else by the store's copy of the barcode (checked against the
  // catalog's answer below).
  const earlyLevels = (store: D1Database) =>
    guessId !== undefined
      ? levelsOf(store, [guessId])
      : "barcode" in key
        ? levelsByBarcode(store, key.barcode)
        : undefined;

  let caller: AuthUser | undefined;
  let row: ProductWithCategory | undefined;
  let levels: Map<number, StoreLevel> | undefined;
  const storeId = pending ? (pending.asked.id ?? pending.claims.homeStoreId) : ctx.store.id;
  const identity = pending && storeId !== undefined ? await storeIdentity(directory, storeId) : undefined;
  if (pending && identity) {
    const batch = new Batch(ctx.hq.d1);
    const check = batch.add(userCheckStatement(ctx.hq.d1, pending.claims, pending.asked));
    const product = batch.add(catalogRead(identity.id));
    const [, early] = await Promise.all([batch.commit(), earlyLevels(storeDatabase(ctx.env, identity))]);
    const { store, ...confirmed } = settleUserCheck(pending, check.value);
    ctx.actOn(scopeOf(ctx.env, store));
    caller = confirmed;
    // The check confirms the store asked for; should it be another, its own reads decide.
    if (store.id === identity.id) {
      row = product.value;
      levels = early;
    } else row = await runAlone(catalogRead(store.id));
  } else {
    if (pending) {
      // A store this isolate does not know, or a token from before home stores: confirm first.
      const { store, ...confirmed } = settleUserCheck(
        pending,
        await runAlone(userCheckStatement(ctx.hq.d1, pending.claims, pending.asked)),
      );
      ctx.actOn(scopeOf(ctx.env, store));
      caller = confirmed;
    }
    const [found, early] = await Promise.all([runAlone(catalogRead(ctx.store.id)), earlyLevels(ctx.store.d1)]);
    row = found;
    levels = early;
  }
  if (!row) throw notFoundError();
  if ("barcode" in key) rememberBarcode(directory, key.barcode, row.id);
  // Read for this product: by its id (the store may have no row: none), or by
  // a barcode copy that led to it. Otherwise (a stale id or copy, or no copy
  // yet) read it by id now.
  const answered = levels !== undefined && (guessId !== undefined ? guessId === row.id : levels.has(row.id));
  const level = answered ? levels?.get(row.id) : await levelByIdMendingCopy(ctx, row.id, key);
  return { view: toProductView(row, level), ...(caller ? { caller } : {}) };
}

/**
 * The store's level of the product by its id; after a scan, the store's
 * barcode copy is put right (after the response) so the next first scan of
 * it reads the level in the same round trip as the catalog.
 */
async function levelByIdMendingCopy(
  ctx: ServiceContext,
  productId: number,
  key: ProductKey,
): Promise<StoreLevel | undefined> {
  const store = ctx.store.d1;
  const level = (await levelsOf(store, [productId])).get(productId);
  if (level && "barcode" in key) ctx.defer(store.batch(copyBarcode(store, productId, key.barcode)));
  return level;
}
