/** The public shape of a product, with its category embedded. */
import type { products } from "../db/schema";
import { toDecimal } from "../domain/money";

export type ProductRow = typeof products.$inferSelect;
export interface CategoryRef {
  id: number;
  name: string;
}

export const toProductView = (row: ProductRow, category: CategoryRef | null) => ({
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
  category,
  image_url: row.imageUrl,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type ProductView = ReturnType<typeof toProductView>;

/** Raw snake_case row (from prepared statements) → ProductRow. */
export interface RawProductRow {
  id: number;
  sku: string;
  name: string;
  description: string | null;
  barcode: string | null;
  price: number;
  cost_price: number;
  stock_quantity: number;
  min_stock_level: number;
  is_active: number;
  category_id: number | null;
  image_url: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  category_name: string | null;
}

export const fromRawProduct = (raw: RawProductRow): ProductView =>
  toProductView(
    {
      id: raw.id,
      sku: raw.sku,
      name: raw.name,
      description: raw.description,
      barcode: raw.barcode,
      price: raw.price,
      costPrice: raw.cost_price,
      stockQuantity: raw.stock_quantity,
      minStockLevel: raw.min_stock_level,
      isActive: raw.is_active === 1,
      categoryId: raw.category_id,
      imageUrl: raw.image_url,
      version: raw.version,
      createdAt: raw.created_at,
      updatedAt: raw.updated_at,
    },
    raw.category_id !== null && raw.category_name !== null ? { id: raw.category_id, name: raw.category_name } : null,
  );
