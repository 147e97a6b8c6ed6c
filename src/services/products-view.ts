/**
 * The public shape of a product, with its category embedded: the catalog's
 * row (head office) seen from one store, whose own price (when it has one),
 * stock and minimum it shows.
 */
import type { ProductWithCategory } from "../db/products";
import type { StoreLevel } from "../db/stock";
import { toDecimal } from "../domain/money";

/** A product the store has no stock row for holds none there, against the catalog's minimum. */
export const toProductView = (row: ProductWithCategory, level: StoreLevel | undefined) => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  barcode: row.barcode,
  price: toDecimal(row.store_price ?? row.price),
  cost_price: toDecimal(row.costPrice),
  stock_quantity: level?.quantity ?? 0,
  min_stock_level: level?.minStockLevel ?? row.minStockLevel,
  is_active: row.isActive,
  category_id: row.categoryId,
  category:
    row.categoryId !== null && row.category_name !== null ? { id: row.categoryId, name: row.category_name } : null,
  image_url: row.imageUrl,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type ProductView = ReturnType<typeof toProductView>;
