/**
 * A hand-made sales history written straight into a store's database (as
 * test/integration/reports.test.ts does), for the rollup and chain-wide
 * report tests: orders at chosen instants, lines with what a sale copies
 * from the catalog, payments by method (several per order), refunds at chosen
 * instants, and the order's final status. Ids come from the store's range.
 * The store's triggers write their outbox rows as for a real sale.
 */
import { env } from "cloudflare:workers";
import { idBase } from "../../src/db/stores";
import { storeDb } from "./stores";

export interface FixturePayment {
  method: "cash" | "credit_card" | "debit_card" | "mobile_payment" | "bank_transfer";
  cents: number;
  at?: string;
  refund?: { cents: number; at: string };
}

export interface FixtureOrder {
  number: string;
  at: string;
  status: "pending" | "completed" | "cancelled" | "refunded";
  lines: [productId: number, qty: number, unitCents: number][];
  tax?: number;
  discount?: number;
  userId: number;
  customerId?: number | null;
  payments?: FixturePayment[];
}

/** An id from the store's range, computed inside the inserting statement (as the services do). */
export const nextId = (table: string, base: number) => `(SELECT COALESCE(MAX(id), ${base}) + 1 FROM ${table})`;

/** A line of order `orderId` with what a sale copies from the catalog (head office) onto it. */
export async function insertSoldLine(db: D1Database, orderId: number, productId: number, qty: number, unit: number) {
  const product = await env.DB.prepare(
    "SELECT p.name, p.sku, p.category_id, c.name AS category_name, p.cost_price FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = ?1",
  )
    .bind(productId)
    .first<{
      name: string;
      sku: string;
      category_id: number | null;
      category_name: string | null;
      cost_price: number;
    }>();
  await db
    .prepare(
      `INSERT INTO order_items (order_id, product_id, product_name, product_sku, category_id, category_name, unit_cost, quantity, unit_price, discount, subtotal)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)`,
    )
    .bind(
      orderId,
      productId,
      product?.name,
      product?.sku,
      product?.category_id ?? null,
      product?.category_name ?? null,
      product?.cost_price ?? 0,
      qty,
      unit,
      qty * unit,
    )
    .run();
}

/** Writes the orders into store `storeId`'s database; returns their ids. */
export async function insertOrders(storeId: number, orders: FixtureOrder[]): Promise<number[]> {
  const db = storeDb(storeId);
  const base = idBase(storeId);
  const ids: number[] = [];
  for (const o of orders) {
    const subtotal = o.lines.reduce((s, [, q, u]) => s + q * u, 0);
    const total = subtotal + (o.tax ?? 0) - (o.discount ?? 0);
    const payments = o.payments ?? [];
    const paid = payments.reduce((s, p) => s + p.cents, 0);
    const refunded = payments.reduce((s, p) => s + (p.refund?.cents ?? 0), 0);
    const row = await db
      .prepare(
        `INSERT INTO orders (id, order_number, customer_id, user_id, status, subtotal, tax, discount, total, paid_amount, refunded_amount, created_at, updated_at)
         VALUES (${nextId("orders", base)}, ?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, 0, 0, ?8, ?8) RETURNING id`,
      )
      .bind(o.number, o.customerId ?? null, o.userId, subtotal, o.tax ?? 0, o.discount ?? 0, total, o.at)
      .first<{ id: number }>();
    const id = row?.id as number;
    ids.push(id);
    for (const [productId, qty, unit] of o.lines) await insertSoldLine(db, id, productId, qty, unit);
    for (const p of payments) {
      const status = p.refund ? (p.refund.cents === p.cents ? "refunded" : "partially_refunded") : "completed";
      const pay = await db
        .prepare(
          `INSERT INTO payments (id, order_id, payment_method, status, amount, refunded_amount, created_at, updated_at)
           VALUES (${nextId("payments", base)}, ?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id`,
        )
        .bind(id, p.method, status, p.cents, p.refund?.cents ?? 0, p.at ?? o.at)
        .first<{ id: number }>();
      if (p.refund) {
        await db
          .prepare(
            `INSERT INTO refunds (id, payment_id, order_id, amount, reason, created_at)
             VALUES (${nextId("refunds", base)}, ?1, ?2, ?3, 'fixture', ?4)`,
          )
          .bind(pay?.id, id, p.refund.cents, p.refund.at)
          .run();
      }
    }
    await db
      .prepare("UPDATE orders SET paid_amount = ?2, refunded_amount = ?3 WHERE id = ?1")
      .bind(id, paid - refunded, refunded)
      .run();
    if (o.status === "completed" || o.status === "refunded") {
      await db
        .prepare("UPDATE orders SET status = 'completed', completed_at = created_at WHERE id = ?1")
        .bind(id)
        .run();
    }
    if (o.status === "refunded") await db.prepare("UPDATE orders SET status = 'refunded' WHERE id = ?1").bind(id).run();
    if (o.status === "cancelled")
      await db.prepare("UPDATE orders SET status = 'cancelled' WHERE id = ?1").bind(id).run();
  }
  return ids;
}

/** The local date `days` from today in `timeZone` (negative: past). */
export function localDay(timeZone: string, days: number, now = new Date()): string {
  const today = new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
