/** Selling and taking money over HTTP, and the rows money moves, for the payments and refunds tests. */
import { env } from "cloudflare:workers";
import { storeOfId } from "../../src/db/stores";
import { call, expectJson } from "./api";
import { storeDb } from "./stores";

export interface Order {
  id: number;
  order_number: string;
  total: number;
  status: string;
  order_items: { id: number; product_id: number; quantity: number }[];
  points_earned: number;
}
export interface PaymentResult {
  id: number;
  amount: number;
  change_due: number;
  status: string;
  order_status: string;
  remaining_amount: number;
}
export interface Refund {
  id: number;
  amount: number;
  payment_status: string;
  order_status: string;
  refundable_amount: number;
  points_reversed: number;
  points_unreversed: number;
}

/** Rings up a sale (201 expected). */
export const sale = (
  token: string,
  lines: { product_id: number; quantity: number }[],
  extra: Record<string, unknown> = {},
) => expectJson<Order>(call("POST", "/api/v1/orders", { token, body: { order_items: lines, ...extra } }), 201);

/** POST /payments, answer unchecked. */
export const pay = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/payments", { token, body, headers });

/** The database of the store whose range `id` is in (an order's, a payment's, a refund's). */
export const dbOfId = (id: number): D1Database => storeDb(storeOfId(id));

/** The order's money columns as its store's database holds them. */
export const orderRow = (id: number) =>
  dbOfId(id)
    .prepare("SELECT status, paid_amount, refunded_amount, completed_at FROM orders WHERE id = ?1")
    .bind(id)
    .first();

/** How many payments the order's store holds for it. */
export const paymentCount = async (orderId: number) =>
  (
    await dbOfId(orderId)
      .prepare("SELECT COUNT(*) AS n FROM payments WHERE order_id = ?1")
      .bind(orderId)
      .first<{ n: number }>()
  )?.n;

/** The customer's points and total spent as the head office holds them (call settleStoreEvents() first). */
export const customerRow = (id: number) =>
  env.DB.prepare("SELECT loyalty_points, total_spent FROM customers WHERE id = ?1")
    .bind(id)
    .first<{ loyalty_points: number; total_spent: number }>();
