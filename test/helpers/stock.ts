/**
 * Direct looks at a store's book (its D1 database's stock_levels and
 * inventory_logs) and its gate (the products' Durable Objects). Store 1
 * (MAIN) unless a store id is given.
 */
import { env } from "cloudflare:workers";
import { type StockGate, stockGate } from "../../src/stock/client";
import { MAIN_STORE, SECOND_STORE, storeDb } from "./stores";

const STORES: Record<number, { id: number; binding: string }> = { 1: MAIN_STORE, 2: SECOND_STORE };

/** The store's stock gate, as the Worker builds it. */
export const gate = (storeId: number = MAIN_STORE.id): StockGate => {
  const store = STORES[storeId];
  if (!store) throw new Error(`no test store ${storeId}`);
  return stockGate(env.PRODUCT_STOCK, store);
};

/** The store's book for the product (0 with no row, as the objects read it). */
export async function bookStock(productId: number, storeId: number = MAIN_STORE.id) {
  const row = await storeDb(storeId)
    .prepare("SELECT quantity FROM stock_levels WHERE product_id = ?1")
    .bind(productId)
    .first<{ quantity: number }>();
  return row?.quantity ?? 0;
}

export async function logSum(productId: number, storeId: number = MAIN_STORE.id) {
  const row = await storeDb(storeId)
    .prepare("SELECT COALESCE(SUM(quantity_change), 0) AS s FROM inventory_logs WHERE product_id = ?1")
    .bind(productId)
    .first<{ s: number }>();
  return row?.s ?? 0;
}

/** Head-office tables; every other table counted is a store's. */
const HEAD_OFFICE = new Set([
  "users",
  "categories",
  "products",
  "customers",
  "loyalty_ledger",
  "points_holds",
  "stores",
]);

/** Rows of `table`, in the head office or in the store's database (store 1 unless given). */
export const count = async (table: string, storeId: number = MAIN_STORE.id) => {
  const d1 = HEAD_OFFICE.has(table) ? env.DB : storeDb(storeId);
  return (await d1.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
};
