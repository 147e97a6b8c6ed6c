/**
 * Products: creation with its opening stock logged, listing, full-text
 * search, scanner lookup, versioned updates, deactivation and in-store
 * barcodes. Stock itself only changes through the inventory and order services.
 */
import { Batch } from "../db/batch";
import { categoryExists } from "../db/categories";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import {
  findProduct,
  findProductByBarcode,
  findProducts,
  insertProduct,
  lowStockPage,
  type NewProduct,
  type ProductSort,
  productPage,
  searchProducts as searchCatalog,
  setBarcodeIfNone,
} from "../db/products";
import { products } from "../db/schema";
import { openingStock } from "../db/stock";
import { updateVersioned } from "../db/versioned";
import { gs1CheckDigit } from "../domain/barcode";
import { toFtsQuery } from "../domain/search";
import type { AuthUser } from "../lib/auth/current-user";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import type { ServiceContext } from "./context";
import { type ProductView, toProductView } from "./products-view";

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

async function assertCategoryExists(ctx: ServiceContext, categoryId: number | null | undefined) {
  if (categoryId === null || categoryId === undefined) return;
  if (!(await categoryExists(ctx.db, categoryId))) {
    throw invalidField(["body", "category_id"], `Category ${categoryId} does not exist`);
  }
}

export async function getProductView(ctx: ServiceContext, id: number): Promise<ProductView> {
  const row = await findProduct(ctx.d1, id);
  if (!row) throw notFound("Product");
  return toProductView(row);
}

/** Several products in the order asked, read in one batch; 404 names the first missing one. */
export async function getProductViews(ctx: ServiceContext, ids: number[]): Promise<ProductView[]> {
  const byId = await findProducts(ctx.d1, ids);
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) throw notFound(`Product ${id}`);
    return toProductView(row);
  });
}

/**
 * Creates a product and, when it starts with stock, the `stock_in` log row
 * for that stock, in one batch: the log always explains the quantity.
 */
export async function createProduct(ctx: ServiceContext, actor: AuthUser, input: ProductInput) {
  await assertCategoryExists(ctx, input.category_id);
  const now = isoNow(ctx.now());
  const stock = input.stock_quantity ?? 0;
  const batch = new Batch(ctx.d1).refuseOn(
    (error) => duplicateField(error) !== null,
    (error) => duplicateField(error) ?? (error as Error),
  );
  const inserted = batch.add(
    insertProduct(ctx.d1, {
      sku: input.sku,
      name: input.name,
      description: input.description ?? null,
      barcode: input.barcode ?? null,
      price: input.price,
      costPrice: input.cost_price ?? 0,
      stockQuantity: stock,
      minStockLevel: input.min_stock_level ?? 0,
      isActive: input.is_active !== false,
      categoryId: input.category_id ?? null,
      imageUrl: input.image_url ?? null,
      createdAt: now,
      updatedAt: now,
    }),
  );
  if (stock > 0) batch.add(openingStock(ctx.d1, input.sku, actor.id, stock, now));
  await batch.commit();
  const id = inserted.value?.id;
  if (id === undefined) throw new Error("insert returned no id");
  return getProductView(ctx, id);
}

export interface ProductFilters extends PageRequest {
  category_id?: number | undefined;
  search?: string | undefined;
  is_active?: boolean | "all" | undefined;
  min_price?: number | undefined;
  max_price?: number | undefined;
  sort?: ProductSort | undefined;
}

/** Lists products; inactive ones only when asked (`is_active=false` or `all`). */
export async function listProducts(ctx: ServiceContext, filters: ProductFilters): Promise<Page<ProductView>> {
  let match: string | undefined;
  if (filters.search !== undefined) {
    match = toFtsQuery(filters.search) ?? undefined;
    if (!match) throw invalidField(["query", "search"], "search must contain letters or digits");
  }
  const page = await productPage(ctx.d1, {
    skip: filters.skip,
    limit: filters.limit,
    active: filters.is_active ?? true,
    categoryId: filters.category_id,
    minPrice: filters.min_price,
    maxPrice: filters.max_price,
    match,
    sort: filters.sort ?? "id",
  });
  return mapPage(page, toProductView);
}

/** Ranked full-text search (see `searchProducts` in db/products.ts): the best `limit` matches for `q`. */
export async function searchProducts(
  ctx: ServiceContext,
  query: { q: string; limit: number; include_inactive?: boolean | undefined },
) {
  const match = toFtsQuery(query.q);
  if (!match) throw invalidField(["query", "q"], "q must contain letters or digits");
  const rows = await searchCatalog(ctx.d1, {
    match,
    exact: query.q.trim(),
    limit: query.limit,
    includeInactive: query.include_inactive ?? false,
  });
  const data = rows.map(toProductView);
  return { q: query.q, total: data.length, data };
}

/** Scanner lookup: exact barcode, active or not (the till shows an inactive one as not for sale). */
export async function findByBarcode(ctx: ServiceContext, code: string): Promise<ProductView> {
  const row = await findProductByBarcode(ctx.d1, code);
  if (!row) throw notFound("Product with this barcode");
  return toProductView(row);
}

/** Active products at or below their minimum stock, the emptiest first. */
export async function lowStock(ctx: Pick<ServiceContext, "d1">, page: PageRequest): Promise<Page<ProductView>> {
  return mapPage(await lowStockPage(ctx.d1, page), toProductView);
}

/** The columns a change sets (those it leaves undefined stay as they are). */
const columnsOf = (change: ProductChange): Partial<NewProduct> => ({
  sku: change.sku,
  name: change.name,
  description: change.description,
  barcode: change.barcode,
  price: change.price,
  costPrice: change.cost_price,
  minStockLevel: change.min_stock_level,
  categoryId: change.category_id,
  imageUrl: change.image_url,
  isActive: change.is_active,
});

/** A versioned update: 409 VERSION_CONFLICT when `expected` is stale, 409 DUPLICATE for a taken SKU or barcode. */
export async function updateProduct(
  ctx: ServiceContext,
  id: number,
  change: ProductChange,
  expected: number | undefined,
): Promise<ProductView> {
  if (change.category_id !== undefined) await assertCategoryExists(ctx, change.category_id);
  await updateVersioned(ctx.db, products, {
    what: "Product",
    id,
    expected,
    set: columnsOf(change),
    now: isoNow(ctx.now()),
    onError: duplicateField,
  });
  return getProductView(ctx, id);
}

/** Delete = deactivate: history, orders and reports keep pointing at the row. */
export async function deactivateProduct(ctx: ServiceContext, id: number): Promise<ProductView> {
  return updateProduct(ctx, id, { is_active: false }, undefined);
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
      if (!(await setBarcodeIfNone(ctx.db, id, code, now)))
        throw new ApiError("CONFLICT", "Product got a barcode meanwhile");
      return getProductView(ctx, id);
    } catch (error) {
      if (!uniqueViolation(error)) throw error;
    }
  }
  throw new ApiError("CONFLICT", "Could not find a free in-store barcode; try again");
}
