/** Direct looks at the book (D1) and the gate (the product's Durable Object). */
import { env } from "cloudflare:workers";
import { stockGate } from "../../src/stock/client";

export const gate = () => stockGate(env.PRODUCT_STOCK);

export async function bookStock(productId: number) {
  const row = await env.DB.prepare("SELECT stock_quantity FROM products WHERE id = ?1")
    .bind(productId)
    .first<{ stock_quantity: number }>();
  return row?.stock_quantity;
}

export async function logSum(productId: number) {
  const row = await env.DB.prepare(
    "SELECT COALESCE(SUM(quantity_change), 0) AS s FROM inventory_logs WHERE product_id = ?1",
  )
    .bind(productId)
    .first<{ s: number }>();
  return row?.s ?? 0;
}

export const count = async (table: string) =>
  (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;
