/**
 * The reports' SQL: GROUP BY in D1, never sales rows loaded into the Worker.
 * Raw SQL on purpose (the aggregation is the point); each statement's row
 * type is declared beside it.
 *
 * Every sales figure is one store's: the statements marked "store" run on the
 * acting store's database and read what a sale copied onto its lines (name,
 * SKU, category, unit cost), never the catalog. The few head-office
 * statements (marked "head office") read names for ids a store statement
 * found, or value a store's stock at catalog cost; no SQL joins the two kinds.
 *
 * Sales count orders that took money: status completed or refunded
 * (cancelled and pending orders are left out). Money taken counts payments
 * that were completed, even if refunded since. Refunds count on the day they
 * were given. Every period is a pair of UTC instants, end exclusive
 * (domain/report-range.ts turns the store's local days into them).
 */
import type { Bucket } from "../domain/report-range";
import { returningShape, type Statement } from "./batch";
import type { Row } from "./rows";
import type { customers, payments, users } from "./schema";

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

/** A JSON array of ids, bound as one parameter and read with json_each (any number of ids, one parameter). */
const idList = (ids: number[]) => JSON.stringify(ids);

/** One line per bucket (`i` = its index), empty buckets included; money in cents. (store) */
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

/** (store) */
export const refundsByBucket = (d1: D1Database, list: Bucket[]): Statement<{ i: number; refunds: number }[]> =>
  returningShape(
    d1.prepare(
      `WITH ${bucketTable(list)}
       SELECT b.i AS i, COALESCE(SUM(r.amount), 0) AS refunds
       FROM b LEFT JOIN refunds r ON r.created_at >= b.s AND r.created_at < b.e
       GROUP BY b.i ORDER BY b.i`,
    ),
  );

/**
 * A product's sales in the period (cents), with what the units cost when they
 * were sold (each line's copied `unit_cost`). Name, SKU and category are the
 * latest sale's copies (SQLite takes bare columns from the MAX(i.id) row).
 */
export interface ProductSalesRow {
  product_id: number;
  name: string;
  sku: string;
  categoryId: number | null;
  units: number;
  revenue: number;
  cost: number;
}

const TOP_ORDER = {
  units: "units DESC, revenue DESC, product_id",
  revenue: "revenue DESC, units DESC, product_id",
} as const;

/** The `limit` best sellers of the period, by units or by revenue. (store) */
export const topProducts = (
  d1: D1Database,
  period: Instants,
  by: keyof typeof TOP_ORDER,
  limit: number,
): Statement<ProductSalesRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT product_id, name, sku, categoryId, units, revenue, cost FROM (
         SELECT i.product_id AS product_id, i.product_name AS name, i.product_sku AS sku, i.category_id AS categoryId,
                SUM(i.quantity) AS units, SUM(i.subtotal) AS revenue, SUM(i.quantity * i.unit_cost) AS cost, MAX(i.id) AS latest
         FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
         GROUP BY i.product_id)
       ORDER BY ${TOP_ORDER[by]} LIMIT ?3`,
      period,
      limit,
    ),
  );

/** A category's sales in the period (`category` is "Uncategorised" for lines without one; its latest name otherwise). */
export interface CategorySalesRow {
  categoryId: number | null;
  category: string;
  units: number;
  revenue: number;
  cost: number;
}

/** (store) */
export const salesByCategory = (d1: D1Database, period: Instants): Statement<CategorySalesRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT categoryId, COALESCE(category, 'Uncategorised') AS category, units, revenue, cost FROM (
         SELECT i.category_id AS categoryId, i.category_name AS category, SUM(i.quantity) AS units,
                SUM(i.subtotal) AS revenue, SUM(i.quantity * i.unit_cost) AS cost, MAX(i.id) AS latest
         FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${SOLD}
         GROUP BY i.category_id)
       ORDER BY revenue DESC`,
      period,
    ),
  );

/** Count and sum (cents) per payment method; methods with nothing are absent. */
export interface MethodTotalRow {
  payment_method: Row<typeof payments>["paymentMethod"];
  count: number;
  amount: number;
}

/** (store) */
export const paymentsTakenByMethod = (d1: D1Database, period: Instants): Statement<MethodTotalRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT payment_method, COUNT(*) AS count, SUM(amount) AS amount FROM payments
         WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN} GROUP BY payment_method`,
      period,
    ),
  );

/** Refunds given in the period, by the method of the payment they went back to. (store) */
export const refundsByMethod = (d1: D1Database, period: Instants): Statement<MethodTotalRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT p.payment_method, COUNT(*) AS count, SUM(r.amount) AS amount FROM refunds r JOIN payments p ON p.id = r.payment_id
         WHERE r.created_at >= ?1 AND r.created_at < ?2 GROUP BY p.payment_method`,
      period,
    ),
  );

/** A store's stock level as the valuation reads it: [product id, quantity, minimum]. */
export type StockLevelTuple = [productId: number, quantity: number, minimum: number];

const tuples = (r: D1Result): StockLevelTuple[] =>
  (r.results as { product_id: number; quantity: number; min_stock_level: number }[]).map((row) => [
    row.product_id,
    row.quantity,
    row.min_stock_level,
  ]);

/**
 * Stock levels at or below their minimum, the emptiest first: all of them, or
 * those of `ids` (one JSON parameter, any number of ids). (store)
 */
export const lowStockLevels = (d1: D1Database, ids?: number[]): Statement<StockLevelTuple[]> => ({
  prepared: (ids
    ? d1.prepare(
        `SELECT product_id, quantity, min_stock_level FROM stock_levels
         WHERE quantity <= min_stock_level AND product_id IN (SELECT value FROM json_each(?1))
         ORDER BY quantity - min_stock_level, product_id`,
      )
    : d1.prepare(
        `SELECT product_id, quantity, min_stock_level FROM stock_levels WHERE quantity <= min_stock_level
         ORDER BY quantity - min_stock_level, product_id`,
      )
  ).bind(...(ids ? [idList(ids)] : [])),
  decode: tuples,
});

/** The active products among `ids`: name and SKU. (head office) */
export const activeProductNames = (
  d1: D1Database,
  ids: number[],
): Statement<{ id: number; name: string; sku: string }[]> =>
  returningShape(
    d1
      .prepare("SELECT id, name, sku FROM products WHERE is_active = 1 AND id IN (SELECT value FROM json_each(?1))")
      .bind(idList(ids)),
  );

/** Orders created in the period, by outcome (money in cents), one row. (store) */
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

/** Money taken by payments in the period (cents), one row. (store) */
export const moneyTaken = (d1: D1Database, period: Instants): Statement<{ taken: number }[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT COALESCE(SUM(amount), 0) AS taken FROM payments WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${TAKEN}`,
      period,
    ),
  );

/** Money refunded in the period (cents), one row. (store) */
export const moneyRefunded = (d1: D1Database, period: Instants): Statement<{ refunds: number }[]> =>
  returningShape(
    overPeriod(
      d1,
      "SELECT COALESCE(SUM(amount), 0) AS refunds FROM refunds WHERE created_at >= ?1 AND created_at < ?2",
      period,
    ),
  );

/**
 * A customer's spend at this store (cents): the totals of their sold orders
 * less what was refunded on them, as the chain's `total_spent` counts it.
 */
export interface CustomerSpendRow {
  customer_id: number;
  spent: number;
  order_count: number;
}

/** The `limit` customers who spent most at this store (those who spent something). (store) */
export const topSpenders = (d1: D1Database, limit: number): Statement<CustomerSpendRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT customer_id, SUM(total - refunded_amount) AS spent, COUNT(*) AS order_count
         FROM orders WHERE customer_id IS NOT NULL AND status IN ${SOLD}
         GROUP BY customer_id HAVING spent > 0 ORDER BY spent DESC, customer_id LIMIT ?1`,
      )
      .bind(limit),
  );

/** What a report shows of a customer. */
export type CustomerNameRow = Pick<Row<typeof customers>, "id" | "email" | "loyaltyPoints"> & {
  firstName: string;
  lastName: string;
};

/** The customers among `ids`: names, email and (chain-wide) points. (head office) */
export const customerNames = (d1: D1Database, ids: number[]): Statement<CustomerNameRow[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT id, first_name AS firstName, last_name AS lastName, email, loyalty_points AS loyaltyPoints
         FROM customers WHERE id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(idList(ids)),
  );

/** A cashier's sold orders in the period and their sum (cents), best first. (store) */
export interface CashierSalesRow {
  user_id: number;
  orders: number;
  sales: number;
}

export const salesByCashier = (d1: D1Database, period: Instants): Statement<CashierSalesRow[]> =>
  returningShape(
    overPeriod(
      d1,
      `SELECT user_id, COUNT(*) AS orders, COALESCE(SUM(total), 0) AS sales
         FROM orders WHERE created_at >= ?1 AND created_at < ?2 AND status IN ${SOLD}
         GROUP BY user_id ORDER BY sales DESC, user_id`,
      period,
    ),
  );

/** Refunds given in the period on each cashier's orders: count and sum (cents). (store) */
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

/** Every user's name (staff: a small table), read beside the store's figures rather than after them. (head office) */
export const staffNames = (d1: D1Database): Statement<Pick<Row<typeof users>, "id" | "username" | "fullName">[]> =>
  returningShape(d1.prepare("SELECT id, username, full_name AS fullName FROM users"));
