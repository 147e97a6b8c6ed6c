/**
 * Daily rollups (README "Reports", chain-wide): one store's local day of
 * figures, computed from the store's database by the reports' own statements
 * (db/reports.ts) over that day's instants, written to the head office's
 * rollup tables (schema-chain.ts), and read back chain-wide with GROUP BY at
 * the head office: the Worker gets sums, never the rollup rows.
 *
 * Rows go in through one JSON parameter per statement (json_each), so any
 * number of products costs a few statements of a few parameters each, far
 * under D1's 100 bound parameters; chunks keep each JSON value small.
 *
 * Figures that come from the stores' live databases (days without a rollup)
 * are handed to the chain statements the same way, as a JSON list unioned
 * with the rollup rows, so a top-N or a ranking is taken over the whole sum.
 */
import type { Bucket } from "../domain/report-range";
import { Batch, returningShape, type Statement, statement } from "./batch";
import {
  type CashierSalesRow,
  type CategorySalesRow,
  type Instants,
  type MethodTotalRow,
  moneyRefunded,
  moneyTaken,
  type OrderOutcomesRow,
  orderOutcomes,
  type ProductSalesRow,
  paymentsTakenByMethod,
  refundsByBucket,
  refundsByCashier,
  refundsByMethod,
  type SalesBucketRow,
  salesByBucket,
  salesByCashier,
  salesByCategory,
  topProducts,
} from "./reports";

/** Rows per JSON parameter: a few hundred kB at most, far below D1's value limit. */
const ROWS_PER_STATEMENT = 1000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** SQLite reads a negative LIMIT as no limit: every product of the period. */
const EVERY_ROW = -1;

/** One store's figures over a period of whole local days (cents, the store's currency). */
export interface StoreFigures {
  sales: SalesBucketRow[];
  refundsByBucket: { i: number; refunds: number }[];
  outcomes: OrderOutcomesRow;
  taken: number;
  refunds: number;
  products: ProductSalesRow[];
  categories: CategorySalesRow[];
  methodsTaken: MethodTotalRow[];
  methodsRefunded: MethodTotalRow[];
  cashierSales: CashierSalesRow[];
  cashierRefunds: { user_id: number; count: number; amount: number }[];
  /** The store's newest outbox row when these were read (same transaction). */
  outboxSeq: number;
}

/** Sales per bucket and refunds per bucket only (the chain's sales report needs no more of a live day). */
export async function readStoreSales(d1: D1Database, list: Bucket[]) {
  const batch = new Batch(d1);
  const sales = batch.add(salesByBucket(d1, list));
  const refunded = batch.add(refundsByBucket(d1, list));
  await batch.commit();
  return { sales: sales.value, refundsByBucket: refunded.value };
}

/**
 * Reads a store's figures over `period` (whole local days), with `list` the
 * sales buckets inside it (one per day, or one for the whole period): one
 * store batch, so every figure is of the same moment. (store)
 */
export async function readStoreFigures(d1: D1Database, period: Instants, list: Bucket[]): Promise<StoreFigures> {
  const batch = new Batch(d1);
  const figures = addStoreFigures(batch, period, list);
  await batch.commit();
  return figures();
}

/** Adds the statements of a store's figures over `period` to `batch`; the figures are readable once it committed. */
export function addStoreFigures(batch: Batch, period: Instants, list: Bucket[]): () => StoreFigures {
  const d1 = batch.d1;
  const sales = batch.add(salesByBucket(d1, list));
  const refunded = batch.add(refundsByBucket(d1, list));
  const outcomes = batch.add(orderOutcomes(d1, period));
  const taken = batch.add(moneyTaken(d1, period));
  const refunds = batch.add(moneyRefunded(d1, period));
  const products = batch.add(topProducts(d1, period, "revenue", EVERY_ROW));
  const categories = batch.add(salesByCategory(d1, period));
  const methodsTaken = batch.add(paymentsTakenByMethod(d1, period));
  const methodsRefunded = batch.add(refundsByMethod(d1, period));
  const cashierSales = batch.add(salesByCashier(d1, period));
  const cashierRefunds = batch.add(refundsByCashier(d1, period));
  const seq = batch.add(returningShape<{ seq: number }>(d1.prepare("SELECT COALESCE(MAX(id), 0) AS seq FROM outbox")));
  return () => ({
    sales: sales.value,
    refundsByBucket: refunded.value,
    outcomes: outcomes.value[0] ?? {
      total_orders: 0,
      completed_orders: 0,
      cancelled_orders: 0,
      total_sales: 0,
      pending_amount: 0,
    },
    taken: taken.value[0]?.taken ?? 0,
    refunds: refunds.value[0]?.refunds ?? 0,
    products: products.value,
    categories: categories.value,
    methodsTaken: methodsTaken.value,
    methodsRefunded: methodsRefunded.value,
    cashierSales: cashierSales.value,
    cashierRefunds: cashierRefunds.value,
    outboxSeq: seq.value[0]?.seq ?? 0,
  });
}

/**
 * Whether the store wrote an outbox row after `seq` that touches the local
 * day `day` (an order created that day, or anything that happened in it): a
 * rollup read before that row may be stale. (store)
 */
export const laterEventsOfDay = (d1: D1Database, seq: number, day: Instants): Statement<{ n: number }[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT COUNT(*) AS n FROM outbox WHERE id > ?1 AND (
           (json_extract(payload, '$.created_at') >= ?2 AND json_extract(payload, '$.created_at') < ?3)
           OR (json_extract(payload, '$.at') >= ?2 AND json_extract(payload, '$.at') < ?3)
           OR (created_at >= ?2 AND created_at < ?3))`,
      )
      .bind(seq, day.start, day.end),
  );

/** A store-day's rollup as written: the day's row and its detail rows (cents). */
export interface StoreDayRollup {
  storeId: number;
  date: string;
  currency: string;
  computedAt: string;
  totals: {
    orders: number;
    soldOrders: number;
    cancelledOrders: number;
    gross: number;
    discounts: number;
    tax: number;
    sales: number;
    pendingAmount: number;
    taken: number;
    refunds: number;
    refundCount: number;
  };
  /** [product id, name, sku, category id, units, revenue, cost] */
  products: [number, string, string, number | null, number, number, number][];
  /** [category key (id, 0 without one), name, units, revenue, cost] */
  categories: [number, string, number, number, number][];
  /** [method, count, amount, refund count, refunds] */
  methods: [string, number, number, number, number][];
  /** [user id, orders, sales, refund count, refunds] */
  cashiers: [number, number, number, number, number][];
}

const chunks = <T>(rows: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
};

/** `json_extract(value, '$[i]') AS name, …` for a JSON row's fields. */
const fields = (names: string[]) => names.map((n, i) => `json_extract(value, '$[${i}]') AS ${n}`).join(", ");

const DETAIL_TABLES = [
  "daily_rollup_products",
  "daily_rollup_categories",
  "daily_rollup_methods",
  "daily_rollup_cashiers",
] as const;

/**
 * Replaces store-days' rollups (one store, any number of days): the
 * statements of ONE head-office batch that deletes those days' rows in the
 * five tables and inserts the new ones, so a reader sees the old days or the
 * new ones, and writing them twice leaves the same rows. (head office)
 */
export function replaceRollupStatements(hq: D1Database, rollups: StoreDayRollup[]): Statement<D1Result>[] {
  const storeId = rollups[0]?.storeId;
  if (storeId === undefined) return [];
  for (const r of rollups) {
    if (!DATE.test(r.date) || r.storeId !== storeId) throw new Error(`bad rollup ${r.storeId} ${r.date}`);
  }
  const dates = JSON.stringify(rollups.map((r) => r.date));
  const out: Statement<D1Result>[] = [];
  for (const table of ["daily_rollups", ...DETAIL_TABLES]) {
    out.push(
      statement(
        hq
          .prepare(`DELETE FROM ${table} WHERE store_id = ?1 AND date IN (SELECT value FROM json_each(?2))`)
          .bind(storeId, dates),
      ),
    );
  }
  const insert = (table: string, columns: string[], rows: unknown[][]) => {
    for (const part of chunks(rows)) {
      out.push(
        statement(
          hq
            .prepare(
              `INSERT INTO ${table} (store_id, ${columns.join(", ")}) SELECT ?1, ${fields(columns)} FROM json_each(?2)`,
            )
            .bind(storeId, JSON.stringify(part)),
        ),
      );
    }
  };
  insert(
    "daily_rollups",
    [
      "date",
      "currency",
      "orders",
      "sold_orders",
      "cancelled_orders",
      "gross",
      "discounts",
      "tax",
      "sales",
      "pending_amount",
      "taken",
      "refunds",
      "refund_count",
      "computed_at",
    ],
    rollups.map((r) => {
      const t = r.totals;
      return [
        r.date,
        r.currency,
        t.orders,
        t.soldOrders,
        t.cancelledOrders,
        t.gross,
        t.discounts,
        t.tax,
        t.sales,
        t.pendingAmount,
        t.taken,
        t.refunds,
        t.refundCount,
        r.computedAt,
      ];
    }),
  );
  const detail = <R extends unknown[]>(r: StoreDayRollup, rows: R[]) => rows.map((row) => [r.date, ...row]);
  insert(
    "daily_rollup_products",
    ["date", "product_id", "product_name", "product_sku", "category_id", "units", "revenue", "cost"],
    rollups.flatMap((r) => detail(r, r.products)),
  );
  insert(
    "daily_rollup_categories",
    ["date", "category_key", "category_name", "units", "revenue", "cost"],
    rollups.flatMap((r) => detail(r, r.categories)),
  );
  insert(
    "daily_rollup_methods",
    ["date", "method", "count", "amount", "refund_count", "refunds"],
    rollups.flatMap((r) => detail(r, r.methods)),
  );
  insert(
    "daily_rollup_cashiers",
    ["date", "user_id", "orders", "sales", "refund_count", "refunds"],
    rollups.flatMap((r) => detail(r, r.cashiers)),
  );
  return out;
}

/** Which of `dates` have a rollup of the store. (head office) */
export const rollupDatesAmong = (hq: D1Database, storeId: number, dates: string[]): Statement<{ date: string }[]> =>
  returningShape(
    hq
      .prepare("SELECT date FROM daily_rollups WHERE store_id = ?1 AND date IN (SELECT value FROM json_each(?2))")
      .bind(storeId, JSON.stringify(dates)),
  );

/** A store's rollup row of a day, as stored (tests, scripts). (head office) */
export const rollupOf = (hq: D1Database, storeId: number, date: string) =>
  returningShape<Record<string, number | string>>(
    hq.prepare("SELECT * FROM daily_rollups WHERE store_id = ?1 AND date = ?2").bind(storeId, date),
  );

// ---------------------------------------------------------------------------
// Chain-wide reads (head office). `stores` is a JSON list of store ids, one
// parameter; dates are local dates, both ends included.

/** The chain's scope of a statement: store ids and local dates. */
export interface ChainScope {
  storeIds: number[];
  startDate: string;
  endDate: string;
}

const IN_SCOPE = "r.store_id IN (SELECT value FROM json_each(?1)) AND r.date >= ?2 AND r.date <= ?3";
const scopeParams = (s: ChainScope) => [JSON.stringify(s.storeIds), s.startDate, s.endDate] as const;

/** Per store in scope: how many days have a rollup, and the first and last. */
export interface RollupCoverageRow {
  store_id: number;
  n: number;
  first: string;
  last: string;
}

/** Per store of the chain: how many days of the range have a rollup, and the first and last (read beside the caller's stores, not after them). */
export const rollupCoverageOfAll = (
  hq: D1Database,
  startDate: string,
  endDate: string,
): Statement<RollupCoverageRow[]> =>
  returningShape(
    hq
      .prepare(
        `SELECT store_id, COUNT(*) AS n, MIN(date) AS first, MAX(date) AS last
         FROM daily_rollups WHERE date >= ?1 AND date <= ?2 GROUP BY store_id`,
      )
      .bind(startDate, endDate),
  );

/** The dates a store has a rollup for in a range (a store whose rollups have gaps). */
export const rollupDates = (hq: D1Database, s: ChainScope): Statement<{ date: string }[]> =>
  returningShape(
    hq.prepare(`SELECT r.date FROM daily_rollups r WHERE ${IN_SCOPE} ORDER BY r.date`).bind(...scopeParams(s)),
  );

/**
 * The sold orders' sums and the refunds given per date over the scope: one
 * row per day that has rollups (the stores summed in SQL; the Worker folds
 * days into weeks, months, years). Measured faster than joining a VALUES
 * table of buckets: one index range scan and one GROUP BY.
 */
export interface ChainSalesRow {
  date: string;
  orders: number;
  gross: number;
  discounts: number;
  tax: number;
  total: number;
  refunds: number;
}

export const chainSalesByDate = (hq: D1Database, s: ChainScope): Statement<ChainSalesRow[]> =>
  returningShape(
    hq
      .prepare(
        `SELECT r.date, SUM(r.sold_orders) AS orders, SUM(r.gross) AS gross, SUM(r.discounts) AS discounts,
                SUM(r.tax) AS tax, SUM(r.sales) AS total, SUM(r.refunds) AS refunds
         FROM daily_rollups r WHERE ${IN_SCOPE} GROUP BY r.date`,
      )
      .bind(...scopeParams(s)),
  );

/** The day-level sums over the scope, one row (the daily summary). */
export interface ChainTotalsRow {
  orders: number;
  sold_orders: number;
  cancelled_orders: number;
  sales: number;
  pending_amount: number;
  taken: number;
  refunds: number;
}

export const chainTotals = (hq: D1Database, s: ChainScope): Statement<ChainTotalsRow[]> =>
  returningShape(
    hq
      .prepare(
        `SELECT COALESCE(SUM(orders), 0) AS orders, COALESCE(SUM(sold_orders), 0) AS sold_orders,
                COALESCE(SUM(cancelled_orders), 0) AS cancelled_orders, COALESCE(SUM(sales), 0) AS sales,
                COALESCE(SUM(pending_amount), 0) AS pending_amount, COALESCE(SUM(taken), 0) AS taken,
                COALESCE(SUM(refunds), 0) AS refunds
         FROM daily_rollups r WHERE ${IN_SCOPE}`,
      )
      .bind(...scopeParams(s)),
  );

/** A live product line handed to a chain statement: [id, name, sku, category id, units, revenue, cost, date]. */
export type LiveProduct = [number, string, string, number | null, number, number, number, string];

const TOP_ORDER = {
  units: "units DESC, revenue DESC, product_id",
  revenue: "revenue DESC, units DESC, product_id",
} as const;

/**
 * The `limit` best sellers over the scope's rollups and the live lines: names,
 * SKU and category are the latest day's copies (bare columns of MAX(date)).
 */
export const chainTopProducts = (
  hq: D1Database,
  s: ChainScope,
  live: LiveProduct[],
  by: keyof typeof TOP_ORDER,
  limit: number,
): Statement<ProductSalesRow[]> =>
  returningShape(
    hq
      .prepare(
        `WITH rows AS (
           SELECT r.product_id, r.product_name AS name, r.product_sku AS sku, r.category_id, r.units, r.revenue, r.cost, r.date
           FROM daily_rollup_products r WHERE ${IN_SCOPE}
           UNION ALL
           SELECT ${fields(["product_id", "name", "sku", "category_id", "units", "revenue", "cost", "date"])} FROM json_each(?4))
         SELECT product_id, name, sku, categoryId, units, revenue, cost FROM (
           SELECT product_id, name, sku, category_id AS categoryId, SUM(units) AS units, SUM(revenue) AS revenue,
                  SUM(cost) AS cost, MAX(date) AS latest
           FROM rows GROUP BY product_id)
         ORDER BY ${TOP_ORDER[by]} LIMIT ?5`,
      )
      .bind(...scopeParams(s), JSON.stringify(live), limit),
  );

/** A live category line: [category key, name, units, revenue, cost, date]. */
export type LiveCategory = [number, string, number, number, number, string];

/** Every category's sales over the scope (key 0: lines without a category), best revenue first. */
export const chainCategories = (
  hq: D1Database,
  s: ChainScope,
  live: LiveCategory[],
): Statement<(CategorySalesRow & { categoryKey: number })[]> =>
  returningShape(
    hq
      .prepare(
        `WITH rows AS (
           SELECT r.category_key, r.category_name, r.units, r.revenue, r.cost, r.date
           FROM daily_rollup_categories r WHERE ${IN_SCOPE}
           UNION ALL
           SELECT ${fields(["category_key", "category_name", "units", "revenue", "cost", "date"])} FROM json_each(?4))
         SELECT categoryKey, NULLIF(categoryKey, 0) AS categoryId, category, units, revenue, cost FROM (
           SELECT category_key AS categoryKey, category_name AS category, SUM(units) AS units, SUM(revenue) AS revenue,
                  SUM(cost) AS cost, MAX(date) AS latest
           FROM rows GROUP BY category_key)
         ORDER BY revenue DESC, categoryKey`,
      )
      .bind(...scopeParams(s), JSON.stringify(live)),
  );

/** Payments taken and refunds given per method over the scope's rollups (few rows: merged with live days in the Worker). */
export interface ChainMethodRow {
  method: string;
  count: number;
  amount: number;
  refund_count: number;
  refunds: number;
}

export const chainMethods = (hq: D1Database, s: ChainScope): Statement<ChainMethodRow[]> =>
  returningShape(
    hq
      .prepare(
        `SELECT r.method, SUM(r.count) AS count, SUM(r.amount) AS amount, SUM(r.refund_count) AS refund_count,
                SUM(r.refunds) AS refunds
         FROM daily_rollup_methods r WHERE ${IN_SCOPE} GROUP BY r.method`,
      )
      .bind(...scopeParams(s)),
  );

/** A live cashier line: [user id, orders, sales, refund count, refunds]. */
export type LiveCashier = [number, number, number, number, number];

/** Per cashier over the scope (those who sold something), best seller first. */
export interface ChainCashierRow {
  user_id: number;
  orders: number;
  sales: number;
  refund_count: number;
  refunds: number;
}

export const chainCashiers = (hq: D1Database, s: ChainScope, live: LiveCashier[]): Statement<ChainCashierRow[]> =>
  returningShape(
    hq
      .prepare(
        `WITH rows AS (
           SELECT r.user_id, r.orders, r.sales, r.refund_count, r.refunds FROM daily_rollup_cashiers r WHERE ${IN_SCOPE}
           UNION ALL
           SELECT ${fields(["user_id", "orders", "sales", "refund_count", "refunds"])} FROM json_each(?4))
         SELECT user_id, SUM(orders) AS orders, SUM(sales) AS sales, SUM(refund_count) AS refund_count,
                SUM(refunds) AS refunds
         FROM rows GROUP BY user_id HAVING SUM(orders) > 0 ORDER BY sales DESC, user_id`,
      )
      .bind(...scopeParams(s), JSON.stringify(live)),
  );

/** A customer's spend over the chain's order index (sold orders less refunds), for the stores in `storeIds`. */
export interface ChainSpenderRow {
  customer_id: number;
  spent: number;
  order_count: number;
}

export const chainTopSpenders = (hq: D1Database, storeIds: number[], limit: number): Statement<ChainSpenderRow[]> =>
  returningShape(
    hq
      .prepare(
        `SELECT customer_id, SUM(total - refunded_amount) AS spent, COUNT(*) AS order_count
         FROM order_index WHERE status IN ('completed', 'refunded') AND customer_id IS NOT NULL
           AND store_id IN (SELECT value FROM json_each(?1))
         GROUP BY customer_id HAVING spent > 0 ORDER BY spent DESC, customer_id LIMIT ?2`,
      )
      .bind(JSON.stringify(storeIds), limit),
  );
