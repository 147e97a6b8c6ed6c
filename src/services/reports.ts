/**
 * Business reports: each reads its figures in one D1 round trip (the SQL is
 * in db/reports.ts) and turns cents into the API's decimal money. Periods
 * are UTC instants computed from local calendar days in STORE_TIMEZONE (see
 * domain/report-range.ts); refunds count on the day they were given and are
 * netted from sales.
 */
import { Batch } from "../db/batch";
import {
  type CashierSalesRow,
  type Instants,
  type MethodTotalRow,
  moneyRefunded,
  moneyTaken,
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
  stockTotals,
  topCustomers,
  topProducts,
} from "../db/reports";
import { PAYMENT_METHODS } from "../db/schema";
import { toDecimal } from "../domain/money";
import { type Bucket, rangeInstants } from "../domain/report-range";
import type { ServiceContext } from "./context";

type Ctx = Pick<ServiceContext, "d1">;

/** Sum ÷ count in cents, rounded, as money (0 when there is nothing to divide). */
const average = (sum: number, count: number) => (count ? toDecimal(Math.round(sum / count)) : 0);

const salesBucketView = (bucket: Bucket, row: SalesBucketRow, refunded: number) => ({
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
  average_order_value: average(row.total, row.orders),
});

export type SalesBucket = ReturnType<typeof salesBucketView>;

/** Sales per bucket, every bucket listed (empty ones with zeros). */
export async function salesReport(ctx: Ctx, list: Bucket[]): Promise<SalesBucket[]> {
  const batch = new Batch(ctx.d1);
  const sales = batch.add(salesByBucket(ctx.d1, list));
  const refunds = batch.add(refundsByBucket(ctx.d1, list));
  await batch.commit();
  const refundBy = new Map(refunds.value.map((r) => [r.i, r.refunds]));
  return sales.value.map((row) => salesBucketView(list[row.i] as Bucket, row, refundBy.get(row.i) ?? 0));
}

const productLineView = (r: ProductSalesRow) => ({
  product_id: r.product_id,
  name: r.name,
  sku: r.sku,
  category_id: r.categoryId,
  units_sold: r.units,
  revenue: toDecimal(r.revenue),
  cost: toDecimal(r.cost),
  margin: toDecimal(r.revenue - r.cost),
  margin_percent: r.revenue ? Math.round(((r.revenue - r.cost) / r.revenue) * 1000) / 10 : 0,
});

/** The `limit` top sellers by units and by revenue, with margin, and every category's sales. */
export async function productSalesReport(ctx: Ctx, input: Instants & { limit: number }) {
  const batch = new Batch(ctx.d1);
  const byUnits = batch.add(topProducts(ctx.d1, input, "units", input.limit));
  const byRevenue = batch.add(topProducts(ctx.d1, input, "revenue", input.limit));
  const byCategory = batch.add(salesByCategory(ctx.d1, input));
  await batch.commit();
  return {
    top_by_units: byUnits.value.map(productLineView),
    top_by_revenue: byRevenue.value.map(productLineView),
    categories: byCategory.value.map((r) => ({
      category_id: r.categoryId,
      category: r.category,
      units_sold: r.units,
      revenue: toDecimal(r.revenue),
      margin: toDecimal(r.revenue - r.cost),
    })),
  };
}

/** Every payment method (those without payments too): money taken, refunds given, net. */
export async function paymentMethodsReport(ctx: Ctx, period: Instants) {
  const batch = new Batch(ctx.d1);
  const taken = batch.add(paymentsTakenByMethod(ctx.d1, period));
  const refunded = batch.add(refundsByMethod(ctx.d1, period));
  await batch.commit();
  const byMethod = (rows: MethodTotalRow[]) => new Map(rows.map((r) => [r.payment_method, r]));
  const takenBy = byMethod(taken.value);
  const refundBy = byMethod(refunded.value);
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

/** Stock on hand of active products: counts, and value at cost and at retail. */
export async function inventoryReport(ctx: Ctx) {
  const batch = new Batch(ctx.d1);
  const totals = batch.add(stockTotals(ctx.d1));
  await batch.commit();
  const r = totals.value[0];
  return {
    total_products: r?.total_products ?? 0,
    low_stock_count: r?.low_stock_count ?? 0,
    out_of_stock_count: r?.out_of_stock_count ?? 0,
    units_on_hand: r?.units_on_hand ?? 0,
    /** Valued at cost, as stock is on the books. */
    total_inventory_value: toDecimal(r?.at_cost ?? 0),
    value_at_cost: toDecimal(r?.at_cost ?? 0),
    value_at_retail: toDecimal(r?.at_retail ?? 0),
  };
}

/** The contract's daily summary, for one local calendar day (`date`) in the time zone `tz`. */
export async function dailySummary(ctx: Ctx, input: { date: string; tz: string }) {
  const { date, tz } = input;
  const day = rangeInstants({ start_date: date, end_date: date }, tz);
  const batch = new Batch(ctx.d1);
  const outcomes = batch.add(orderOutcomes(ctx.d1, day));
  const received = batch.add(moneyTaken(ctx.d1, day));
  const refunded = batch.add(moneyRefunded(ctx.d1, day));
  await batch.commit();
  const o = outcomes.value[0];
  const taken = received.value[0]?.taken ?? 0;
  const refunds = refunded.value[0]?.refunds ?? 0;
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

/** The `limit` customers who spent most, with their order count and points. */
export async function customersReport(ctx: Ctx, input: { limit: number }) {
  const batch = new Batch(ctx.d1);
  const top = batch.add(topCustomers(ctx.d1, input.limit));
  await batch.commit();
  return top.value.map((c) => ({
    customer_id: c.id,
    name: `${c.firstName} ${c.lastName}`,
    email: c.email,
    total_spent: toDecimal(c.totalSpent),
    order_count: c.order_count,
    loyalty_points: c.loyaltyPoints,
  }));
}

const cashierView = (u: CashierSalesRow, refunds: { count: number; amount: number } | undefined) => ({
  user_id: u.user_id,
  username: u.username,
  full_name: u.fullName,
  orders: u.orders,
  sales: toDecimal(u.sales),
  refunds: toDecimal(refunds?.amount ?? 0),
  refund_count: refunds?.count ?? 0,
  net_sales: toDecimal(u.sales - (refunds?.amount ?? 0)),
  average_order_value: average(u.sales, u.orders),
});

/** Each cashier's sold orders, sales and the refunds given on their orders, best seller first. */
export async function cashiersReport(ctx: Ctx, period: Instants) {
  const batch = new Batch(ctx.d1);
  const sales = batch.add(salesByCashier(ctx.d1, period));
  const refunds = batch.add(refundsByCashier(ctx.d1, period));
  await batch.commit();
  const refundBy = new Map(refunds.value.map((r) => [r.user_id, r]));
  return sales.value.map((u) => cashierView(u, refundBy.get(u.user_id)));
}
