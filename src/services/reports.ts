/**
 * Business reports, computed with GROUP BY in D1 (never by loading sales rows
 * into the Worker). Periods are local calendar days in STORE_TIMEZONE, turned
 * into UTC bucket bounds (see domain/report-range.ts).
 *
 * Sales count orders that took money: status completed or refunded
 * (cancelled and pending orders are left out). Refunds count on the day they
 * were given, and are netted from sales.
 */

import { PAYMENT_METHODS } from "../db/schema";
import { toDecimal } from "../domain/money";
import type { Bucket } from "../domain/report-range";
import { addDays, localDayStart } from "../domain/time-zone";

const SOLD = "('completed', 'refunded')";
const TAKEN = "('completed', 'partially_refunded', 'refunded')";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A VALUES table of buckets. The bounds are instants we computed, checked before they are inlined. */
function bucketTable(list: Bucket[]): string {
  const rows = list.map((b, i) => {
    if (!ISO.test(b.start) || !ISO.test(b.end)) throw new Error("bad bucket bound");
    return `(${i}, '${b.start}', '${b.end}')`;
  });
  return `b(i, s, e) AS (VALUES ${rows.join(", ")})`;
}

const rows = <T>(result: D1Result | undefined) => (result?.results ?? []) as T[];

export async function salesReport(d1: D1Database, list: Bucket[]) {
  const table = bucketTable(list);
  const [sales, refunds] = await d1.batch([
    d1.prepare(
      `WITH ${table}
       SELECT b.i AS i, COUNT(o.created_at) AS orders, COALESCE(SUM(o.subtotal), 0) AS gross,
              COALESCE(SUM(o.discount + o.points_discount), 0) AS discounts, COALESCE(SUM(o.tax), 0) AS tax,
              COALESCE(SUM(o.total), 0) AS total
       FROM b LEFT JOIN orders o ON o.created_at >= b.s AND o.created_at < b.e AND o.status IN ${SOLD}
       GROUP BY b.i ORDER BY b.i`,
    ),
    d1.prepare(
      `WITH ${table}
       SELECT b.i AS i, COALESCE(SUM(r.amount), 0) AS refunds
       FROM b LEFT JOIN refunds r ON r.created_at >= b.s AND r.created_at < b.e
       GROUP BY b.i ORDER BY b.i`,
    ),
  ]);
  const refundBy = new Map(rows<{ i: number; refunds: number }>(refunds).map((r) => [r.i, r.refunds]));
  return rows<{ i: number; orders: number; gross: number; discounts: number; tax: number; total: number }>(sales).map(
    (row) => {
      const bucket = list[row.i] as Bucket;
      const refunded = refundBy.get(row.i) ?? 0;
      return {
        period: bucket.label,
        start: bucket.start,
        end: bucket.end,
        orders: row.orders,
        gross_sales: toDecimal(row.gross),
        discounts: toDecimal(row.discounts),
        tax: toDecimal(row.tax),
        total_sales: toDecimal(row.total),
        refunds: toDecimal(refunded),
        net_sales: toDecimal(row.total - refunded),
        average_order_value: row.orders ? toDecimal(Math.round(row.total / row.orders)) : 0,
      };
    },
  );
}

export async function productSalesReport(d1: D1Database, start: string, end: string, limit: number) {
  const sold = `SELECT i.product_id AS product_id, SUM(i.quantity) AS units, SUM(i.subtotal) AS revenue
                FROM orders o JOIN order_items i ON i.order_id = o.id
                WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
                GROUP BY i.product_id`;
  const top = (order: string) =>
    d1
      .prepare(
        `WITH sold AS (${sold})
         SELECT s.product_id, p.name, p.sku, p.category_id, s.units, s.revenue, s.units * p.cost_price AS cost
         FROM sold s JOIN products p ON p.id = s.product_id ORDER BY ${order} LIMIT ?3`,
      )
      .bind(start, end, limit);
  const [byUnits, byRevenue, byCategory] = await d1.batch([
    top("s.units DESC, s.revenue DESC, s.product_id"),
    top("s.revenue DESC, s.units DESC, s.product_id"),
    d1
      .prepare(
        `WITH sold AS (${sold})
         SELECT p.category_id, COALESCE(c.name, 'Uncategorised') AS category, SUM(s.units) AS units, SUM(s.revenue) AS revenue,
                SUM(s.units * p.cost_price) AS cost
         FROM sold s JOIN products p ON p.id = s.product_id LEFT JOIN categories c ON c.id = p.category_id
         GROUP BY p.category_id ORDER BY revenue DESC`,
      )
      .bind(start, end),
  ]);
  type Row = {
    product_id: number;
    name: string;
    sku: string;
    category_id: number | null;
    units: number;
    revenue: number;
    cost: number;
  };
  const view = (r: Row) => ({
    product_id: r.product_id,
    name: r.name,
    sku: r.sku,
    category_id: r.category_id,
    units_sold: r.units,
    revenue: toDecimal(r.revenue),
    cost: toDecimal(r.cost),
    margin: toDecimal(r.revenue - r.cost),
    margin_percent: r.revenue ? Math.round(((r.revenue - r.cost) / r.revenue) * 1000) / 10 : 0,
  });
  return {
    top_by_units: rows<Row>(byUnits).map(view),
    top_by_revenue: rows<Row>(byRevenue).map(view),
    categories: rows<{ category_id: number | null; category: string; units: number; revenue: number; cost: number }>(
      byCategory,
    ).map((r) => ({
      category_id: r.category_id,
      category: r.category,
      units_sold: r.units,
      revenue: toDecimal(r.revenue),
      margin: toDecimal(r.revenue - r.cost),
    })),
  };
}

export async function paymentMethodsReport(d1: D1Database, start: string, end: string) {
  const [taken, refunded] = await d1.batch([
    d1
      .prepare(
        `SELECT payment_method, COUNT(*) AS count, SUM(amount) AS amount FROM payments
         WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN} GROUP BY payment_method`,
      )
      .bind(start, end),
    d1
      .prepare(
        `SELECT p.payment_method, COUNT(*) AS count, SUM(r.amount) AS amount FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.created_at >= ?1 AND r.created_at < ?2 GROUP BY p.payment_method`,
      )
      .bind(start, end),
  ]);
  const takenBy = new Map(
    rows<{ payment_method: string; count: number; amount: number }>(taken).map((r) => [r.payment_method, r]),
  );
  const refundBy = new Map(
    rows<{ payment_method: string; count: number; amount: number }>(refunded).map((r) => [r.payment_method, r]),
  );
  return PAYMENT_METHODS.map((method) => {
    const t = takenBy.get(method);
    const r = refundBy.get(method);
    return {
      payment_method: method,
      count: t?.count ?? 0,
      amount: toDecimal(t?.amount ?? 0),
      refunds: toDecimal(r?.amount ?? 0),
      refund_count: r?.count ?? 0,
      net_amount: toDecimal((t?.amount ?? 0) - (r?.amount ?? 0)),
    };
  });
}

export async function inventoryReport(d1: D1Database) {
  const row = await d1
    .prepare(
      `SELECT COUNT(*) AS total_products,
              COALESCE(SUM(CASE WHEN stock_quantity <= min_stock_level THEN 1 ELSE 0 END), 0) AS low_stock_count,
              COALESCE(SUM(CASE WHEN stock_quantity = 0 THEN 1 ELSE 0 END), 0) AS out_of_stock_count,
              COALESCE(SUM(stock_quantity), 0) AS units_on_hand,
              COALESCE(SUM(stock_quantity * cost_price), 0) AS at_cost,
              COALESCE(SUM(stock_quantity * price), 0) AS at_retail
       FROM products WHERE is_active = 1`,
    )
    .first<{
      total_products: number;
      low_stock_count: number;
      out_of_stock_count: number;
      units_on_hand: number;
      at_cost: number;
      at_retail: number;
    }>();
  const r = row ?? {
    total_products: 0,
    low_stock_count: 0,
    out_of_stock_count: 0,
    units_on_hand: 0,
    at_cost: 0,
    at_retail: 0,
  };
  return {
    total_products: r.total_products,
    low_stock_count: r.low_stock_count,
    out_of_stock_count: r.out_of_stock_count,
    units_on_hand: r.units_on_hand,
    /** Valued at cost, as stock is on the books. */
    total_inventory_value: toDecimal(r.at_cost),
    value_at_cost: toDecimal(r.at_cost),
    value_at_retail: toDecimal(r.at_retail),
  };
}

/** The contract's daily summary, for one local calendar day. */
export async function dailySummary(d1: D1Database, date: string, tz: string) {
  const start = localDayStart(date, tz).toISOString();
  const end = localDayStart(addDays(date, 1), tz).toISOString();
  const [orders, received, refunded] = await d1.batch([
    d1
      .prepare(
        `SELECT COUNT(*) AS total_orders,
                COALESCE(SUM(CASE WHEN status IN ${SOLD} THEN 1 ELSE 0 END), 0) AS completed_orders,
                COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled_orders,
                COALESCE(SUM(CASE WHEN status IN ${SOLD} THEN total ELSE 0 END), 0) AS total_sales,
                COALESCE(SUM(CASE WHEN status = 'pending' THEN total - paid_amount ELSE 0 END), 0) AS pending_amount
         FROM orders WHERE created_at >= ?1 AND created_at < ?2`,
      )
      .bind(start, end),
    d1
      .prepare(
        `SELECT COALESCE(SUM(amount), 0) AS taken FROM payments WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN}`,
      )
      .bind(start, end),
    d1
      .prepare("SELECT COALESCE(SUM(amount), 0) AS refunds FROM refunds WHERE created_at >= ?1 AND created_at < ?2")
      .bind(start, end),
  ]);
  const o = rows<{
    total_orders: number;
    completed_orders: number;
    cancelled_orders: number;
    total_sales: number;
    pending_amount: number;
  }>(orders)[0];
  const taken = rows<{ taken: number }>(received)[0]?.taken ?? 0;
  const refunds = rows<{ refunds: number }>(refunded)[0]?.refunds ?? 0;
  return {
    date,
    total_orders: o?.total_orders ?? 0,
    completed_orders: o?.completed_orders ?? 0,
    cancelled_orders: o?.cancelled_orders ?? 0,
    total_sales: toDecimal(o?.total_sales ?? 0),
    total_received: toDecimal(taken - refunds),
    refunds: toDecimal(refunds),
    pending_amount: toDecimal(o?.pending_amount ?? 0),
  };
}

export async function customersReport(d1: D1Database, limit: number) {
  const { results } = await d1
    .prepare(
      `SELECT c.id, c.first_name, c.last_name, c.email, c.total_spent, c.loyalty_points,
              (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id AND o.status IN ${SOLD}) AS order_count
       FROM customers c WHERE c.total_spent > 0 ORDER BY c.total_spent DESC, c.id LIMIT ?1`,
    )
    .bind(limit)
    .all<{
      id: number;
      first_name: string;
      last_name: string;
      email: string | null;
      total_spent: number;
      loyalty_points: number;
      order_count: number;
    }>();
  return results.map((c) => ({
    customer_id: c.id,
    name: `${c.first_name} ${c.last_name}`,
    email: c.email,
    total_spent: toDecimal(c.total_spent),
    order_count: c.order_count,
    loyalty_points: c.loyalty_points,
  }));
}

export async function cashiersReport(d1: D1Database, start: string, end: string) {
  const [sales, refunds] = await d1.batch([
    d1
      .prepare(
        `SELECT u.id AS user_id, u.username, u.full_name, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS sales
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
         GROUP BY u.id ORDER BY sales DESC`,
      )
      .bind(start, end),
    d1
      .prepare(
        `SELECT o.user_id, COUNT(r.id) AS count, SUM(r.amount) AS amount FROM refunds r JOIN orders o ON o.id = r.order_id
         WHERE r.created_at >= ?1 AND r.created_at < ?2 GROUP BY o.user_id`,
      )
      .bind(start, end),
  ]);
  const refundBy = new Map(
    rows<{ user_id: number; count: number; amount: number }>(refunds).map((r) => [r.user_id, r]),
  );
  return rows<{ user_id: number; username: string; full_name: string | null; orders: number; sales: number }>(
    sales,
  ).map((u) => {
    const r = refundBy.get(u.user_id);
    return {
      user_id: u.user_id,
      username: u.username,
      full_name: u.full_name,
      orders: u.orders,
      sales: toDecimal(u.sales),
      refunds: toDecimal(r?.amount ?? 0),
      refund_count: r?.count ?? 0,
      net_sales: toDecimal(u.sales - (r?.amount ?? 0)),
      average_order_value: u.orders ? toDecimal(Math.round(u.sales / u.orders)) : 0,
    };
  });
}
