/** Builders for catalog data through the API (so every test exercises the real paths), and looks at each store's stock. */
import { env } from "cloudflare:workers";
import { stockGate } from "../../src/stock/client";
import { call, expectJson } from "./api";
import { MAIN_STORE, SECOND_STORE, storeDb } from "./stores";

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

/** A product's stock row at a store (its book), or undefined when the store has none. */
export const stockRow = (productId: number, storeId: number = MAIN_STORE.id) =>
  storeDb(storeId)
    .prepare("SELECT quantity, min_stock_level FROM stock_levels WHERE product_id = ?1")
    .bind(productId)
    .first<{ quantity: number; min_stock_level: number }>();

/** The product's stock in a store's book (undefined: no row there). */
export const storeStock = async (productId: number, storeId: number = MAIN_STORE.id) =>
  (await stockRow(productId, storeId))?.quantity;

/** Σ of the product's log changes in a store's log. */
export async function storeLogSum(productId: number, storeId: number = MAIN_STORE.id) {
  const row = await storeDb(storeId)
    .prepare("SELECT COALESCE(SUM(quantity_change), 0) AS s FROM inventory_logs WHERE product_id = ?1")
    .bind(productId)
    .first<{ s: number }>();
  return row?.s ?? 0;
}

/** A store's stock gate (the product objects of that store). */
export const storeGate = (storeId: number = MAIN_STORE.id) =>
  stockGate(env.PRODUCT_STOCK, {
    id: storeId,
    binding: storeId === SECOND_STORE.id ? SECOND_STORE.binding : MAIN_STORE.binding,
  });

/** Gives `userId` `role` at `storeId` (a store other than their home store), straight in the head office. */
export async function grantStoreRole(userId: number, storeId: number, role: string) {
  await env.DB.prepare(
    `INSERT INTO store_roles (user_id, store_id, role) VALUES (?1, ?2, ?3)
     ON CONFLICT DO UPDATE SET role = excluded.role`,
  )
    .bind(userId, storeId, role)
    .run();
}
