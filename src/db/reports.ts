/**
 * The reports' SQL: GROUP BY in D1, never sales rows loaded into the Worker.
 * Raw SQL on purpose (the aggregation is the point); each statement's row
 * type is declared beside it, built from the schema's row types where a
 * column is a table's and named here where it is computed.
 *
 * Sales count orders that took money: status completed or refunded
 * (cancelled and pending orders are left out). Money taken counts payments
 * that were completed, even if refunded since. Refunds count on the day they
 * were given. Every period is a pair of UTC instants, end exclusive
 * (domain/report-range.ts turns local days into them).
 */
import type { Bucket } from "../domain/report-range";
import { returningRows, returningShape, type Statement } from "./batch";
import type { Row } from "./rows";
import { customers, type payments, products, users } from "./schema";

const SOLD = "('completed', 'refunded')";
const TAKEN = "('completed', 'partially_refunded', 'refunded')";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A report's period: UTC ISO instants, `end` exclusive. */
export interface Instants {
  start: string;
  end: string;
}

/** A VALUES table of buckets. The bounds are instants we computed, checked before they are inlined. */
function bucketTable(list: Bucket[]): string {
  const rows = list.map((b, i) => {
    if (!ISO.test(b.start) || !ISO.test(b.end)) throw new Error("bad bucket bound");
    return `(${i}, '${b.start}', '${b.end}')`;
  });
  return `b(i, s, e) AS (VALUES ${rows.join(", ")})`;
}

/** A statement over a period: `?1` is its start, `?2` its end. */
const overPeriod = (d1: D1Database, sql: string, period: Instants, ...more: unknown[]) =>
  d1.prepare(sql).bind(period.start, period.end, ...more);

/** One line per bucket (`i` = its index), empty buckets included; money in cents. */
export interface SalesBucketRow {
  i: number;
  orders: number;
  gross: number;
  discounts: number;
  tax: number;
  total: number;
}

export const salesByBucket = (d1: D1Database, list: Bucket[]): Statement<SalesBucketRow[]> =>
  returningShape(
    d1.prepare(
      `WITH ${bucketTable(list)}
       SELECT b.i AS i, COUNT(o.created_at) AS orders, COALESCE(SUM(o.subtotal), 0) AS gross,
              COALESCE(SUM(o.discount + o.points_discount), 0) AS discounts, COALESCE(SUM(o.tax), 0) AS tax,
              COALESCE(SUM(o.total), 0) AS total
       FROM b LEFT JOIN orders o ON o.created_at >= b.s AND o.created_at < b.e AND o.status IN ${SOLD}
       GROUP BY b.i ORDER BY b.i`,
    ),
  );

export const refundsByBucket = (d1: D1Database, list: Bucket[]): Statement<{ i: number; refunds: number }[]> =>
  returningShape(
    d1.prepare(
      `WITH ${bucketTable(list)}
       SELECT b.i AS i, COALESCE(SUM(r.amount), 0) AS refunds
       FROM b LEFT JOIN refunds r ON r.created_at >= b.s AND r.created_at < b.e
       GROUP BY b.i ORDER BY b.i`,
    ),
  );

/** Units and revenue (cents) per product sold in the period. */
const SOLD_PER_PRODUCT = `SELECT i.product_id AS product_id, SUM(i.quantity) AS units, SUM(i.subtotal) AS revenue
  FROM orders o JOIN order_items i ON i.order_id = o.id
  WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
  GROUP BY i.product_id`;

/** A product's sales in the period, with what the units cost at today's cost price (cents). */
export type ProductSalesRow = Pick<Row<typeof products>, "name" | "sku" | "categoryId"> & {
  product_id: number;
  units: number;
  revenue: number;
  cost: number;
};

const TOP_ORDER = {
  units: "s.units DESC, s.revenue DESC, s.product_id",
  revenue: "s.revenue DESC, s.units DESC, s.product_id",
} as const;

/** The `limit` best sellers of the period, by units or by revenue. */
export const topProducts = (
  d1: D1Database,
  period: Instants,
  by: keyof typeof TOP_ORDER,
  limit: number,
): Statement<ProductSalesRow[]> =>
  returningRows<typeof products, ProductSalesRow>(
    products,
    overPeriod(
      d1,
      `WITH sold AS (${SOLD_PER_PRODUCT})
         SELECT s.product_id, p.name, p.sku, p.category_id, s.units, s.revenue, s.units * p.cost_price AS cost
         FROM sold s JOIN products p ON p.id = s.product_id ORDER BY ${TOP_ORDER[by]} LIMIT ?3`,
      period,
      limit,
    ),
  );

/** A category's sales in the period (`category` is "Uncategorised" for products without one). */
export type CategorySalesRow = Pick<Row<typeof products>, "categoryId"> & {
  category: string;
  units: number;
  revenue: number;
  cost: number;
};

export const salesByCategory = (d1: D1Database, period: Instants): Statement<CategorySalesRow[]> =>
  returningRows<typeof products, CategorySalesRow>(
    products,
    overPeriod(
      d1,
      `WITH sold AS (${SOLD_PER_PRODUCT})
         SELECT p.category_id, COALESCE(c.name, 'Uncategorised') AS category, SUM(s.units) AS units, SUM(s.revenue) AS revenue,
                SUM(s.units * p.cost_price) AS cost
         FROM sold s JOIN products p ON p.id = s.product_id LEFT JOIN categories c ON c.id = p.category_id
         GROUP BY p.category_id ORDER BY revenue DESC`,
      period,
    ),
  );

/** Count and sum (cents) per payment method; methods with nothing are absent. */
export interface MethodTotalRow {
  payment_method: Row<typeof payments>["paymentMethod"];
  count: number;
  amount: number;
}

export const paymentsTakenByMethod = (d1: D1Database, period: Instants): Statement<MethodTotalRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT payment_method, COUNT(*) AS count, SUM(amount) AS amount FROM payments
         WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN} GROUP BY payment_method`,
      period,
    ),
  );

/** Refunds given in the period, by the method of the payment they went back to. */
export const refundsByMethod = (d1: D1Database, period: Instants): Statement<MethodTotalRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT p.payment_method, COUNT(*) AS count, SUM(r.amount) AS amount FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.created_at >= ?1 AND r.created_at < ?2 GROUP BY p.payment_method`,
      period,
    ),
  );

/** Active products: counts and stock value (cents), one row. */
export interface StockTotalsRow {
  total_products: number;
  low_stock_count: number;
  out_of_stock_count: number;
  units_on_hand: number;
  at_cost: number;
  at_retail: number;
}

export const stockTotals = (d1: D1Database): Statement<StockTotalsRow[]> =>
  returningShape(
    d1.prepare(
      `SELECT COUNT(*) AS total_products,
              COALESCE(SUM(CASE WHEN stock_quantity <= min_stock_level THEN 1 ELSE 0 END), 0) AS low_stock_count,
              COALESCE(SUM(CASE WHEN stock_quantity = 0 THEN 1 ELSE 0 END), 0) AS out_of_stock_count,
              COALESCE(SUM(stock_quantity), 0) AS units_on_hand,
              COALESCE(SUM(stock_quantity * cost_price), 0) AS at_cost,
              COALESCE(SUM(stock_quantity * price), 0) AS at_retail
       FROM products WHERE is_active = 1`,
    ),
  );

/** Orders created in the period, by outcome (money in cents), one row. */
export interface OrderOutcomesRow {
  total_orders: number;
  completed_orders: number;
  cancelled_orders: number;
  total_sales: number;
  pending_amount: number;
}

export const orderOutcomes = (d1: D1Database, period: Instants): Statement<OrderOutcomesRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT COUNT(*) AS total_orders,
                COALESCE(SUM(CASE WHEN status IN ${SOLD} THEN 1 ELSE 0 END), 0) AS completed_orders,
                COALESCE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled_orders,
                COALESCE(SUM(CASE WHEN status IN ${SOLD} THEN total ELSE 0 END), 0) AS total_sales,
                COALESCE(SUM(CASE WHEN status = 'pending' THEN total - paid_amount ELSE 0 END), 0) AS pending_amount
         FROM orders WHERE created_at >= ?1 AND created_at < ?2`,
      period,
    ),
  );

/** Money taken by payments in the period (cents), one row. */
export const moneyTaken = (d1: D1Database, period: Instants): Statement<{ taken: number }[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT COALESCE(SUM(amount), 0) AS taken FROM payments WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN}`,
      period,
    ),
  );

/** Money refunded in the period (cents), one row. */
export const moneyRefunded = (d1: D1Database, period: Instants): Statement<{ refunds: number }[]> =>
  returningShape(
    overPeriod(
      d1,
      "SELECT COALESCE(SUM(amount), 0) AS refunds FROM refunds WHERE created_at >= ?1 AND created_at < ?2",
      period,
    ),
  );

/** A customer who spent something, with their sold orders counted. */
export type TopCustomerRow = Pick<
  Row<typeof customers>,
  "id" | "firstName" | "lastName" | "email" | "totalSpent" | "loyaltyPoints"
> & { order_count: number };

export const topCustomers = (d1: D1Database, limit: number): Statement<TopCustomerRow[]> =>
  returningRows<typeof customers, TopCustomerRow>(
    customers,
    d1
      .prepare(
        `SELECT c.id, c.first_name, c.last_name, c.email, c.total_spent, c.loyalty_points,
                (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id AND o.status IN ${SOLD}) AS order_count
         FROM customers c WHERE c.total_spent > 0 ORDER BY c.total_spent DESC, c.id LIMIT ?1`,
      )
      .bind(limit),
  );

/** A cashier's sold orders in the period and their sum (cents), best first. */
export type CashierSalesRow = Pick<Row<typeof users>, "username" | "fullName"> & {
  user_id: number;
  orders: number;
  sales: number;
};

export const salesByCashier = (d1: D1Database, period: Instants): Statement<CashierSalesRow[]> =>
  returningRows<typeof users, CashierSalesRow>(
    users,
    overPeriod(
      d1,
      `SELECT u.id AS user_id, u.username, u.full_name, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS sales
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
         GROUP BY u.id ORDER BY sales DESC`,
      period,
    ),
  );

/** Refunds given in the period on each cashier's orders: count and sum (cents). */
export const refundsByCashier = (
  d1: D1Database,
  period: Instants,
): Statement<{ user_id: number; count: number; amount: number }[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT o.user_id, COUNT(r.id) AS count, SUM(r.amount) AS amount FROM refunds r JOIN orders o ON o.id = r.order_id
         WHERE r.created_at >= ?1 AND r.created_at < ?2 GROUP BY o.user_id`,
      period,
    ),
  );
