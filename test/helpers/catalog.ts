/** Builders for catalog data through the API (so every test exercises the real paths). */
import { call, expectJson } from "./api";

export interface ProductOut {
  id: number;
  sku: string;
  name: string;
  price: number;
  cost_price: number;
  stock_quantity: number;
  min_stock_level: number;
  is_active: boolean;
  barcode: string | null;
  category_id: number | null;
  category: { id: number; name: string } | null;
  version: number;
}

export const createCategory = (token: string, name: string) =>
  expectJson<{ id: number; name: string; version: number }>(
    call("POST", "/api/v1/categories", { token, body: { name } }),
    201,
  );

let skuCounter = 0;
export function createProduct(token: string, overrides: Record<string, unknown> = {}) {
  skuCounter += 1;
  return expectJson<ProductOut>(
    call("POST", "/api/v1/products", {
      token,
      body: { sku: `SKU-${skuCounter}`, name: `Product ${skuCounter}`, price: 10, stock_quantity: 10, ...overrides },
    }),
    201,
  );
}
