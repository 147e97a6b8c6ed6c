/** The public shape of a product, with its category embedded. */
import type { ProductWithCategory } from "../db/products";
import { toDecimal } from "../domain/money";

export const toProductView = (row: ProductWithCategory) => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  barcode: row.barcode,
  price: toDecimal(row.price),
  cost_price: toDecimal(row.costPrice),
  stock_quantity: row.stockQuantity,
  min_stock_level: row.minStockLevel,
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
