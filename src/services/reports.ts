/**
 * Business reports of one store, the acting one (`ctx.store`): figures come
 * from the store's database in one round trip (the SQL is in
 * db/reports.ts); names a store does not hold (customers, cashiers) and the
 * catalog's cost prices come from the head office, in parallel where the
 * ids are known beforehand, after the store's answer where they are not.
 * Cents become the API's decimal money here. Periods are UTC instants
 * computed from local calendar days in the store's time zone (see
 * domain/report-range.ts); refunds count on the day they were given and are
 * netted from sales.
 */
import { Batch, runAlone } from "../db/batch";
import {
  activeProductNames,
  type CashierSalesRow,
  type CustomerSpendRow,
  customerNames,
  type Instants,
  lowStockLevels,
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
  staffNames,
  topProducts,
  topSpenders,
} from "../db/reports";
import { PAYMENT_METHODS } from "../db/schema";
import { toDecimal } from "../domain/money";
import { type Bucket, rangeInstants } from "../domain/report-range";
import type { ServiceContext } from "./context";
import { stockOnHand } from "./inventory";

/** A report reads the acting store's database, and the head office for names and catalog prices. */
type Ctx = Pick<ServiceContext, "store" | "hq">;

/**
 * Low-stock ids named per head-office statement: a JSON parameter of this
 * many ids stays far below D1's 2 MB value limit.
 */
const IDS_PER_LOOKUP = 20_000;

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

/** The store's sales per bucket, every bucket listed (empty ones with zeros). */
export async function salesReport(ctx: Ctx, list: Bucket[]): Promise<SalesBucket[]> {
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const sales = batch.add(salesByBucket(d1, list));
  const refunds = batch.add(refundsByBucket(d1, list));
  await batch.commit();
  const refundBy = new Map(refunds.value.map((r) => [r.i, r.refunds]));
  return sales.value.map((row) => salesBucketView(list[row.i] as Bucket, row, refundBy.get(row.i) ?? 0));
}

/** A product's line of the products-sales report (a store's, or the chain's summed). */
export const productLineView = (r: ProductSalesRow) => ({
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

/**
 * The store's `limit` top sellers by units and by revenue, with margin at the
 * cost each line was sold at, and every category's sales. Names and
 * categories are those the sale copied onto its lines.
 */
export async function productSalesReport(ctx: Ctx, input: Instants & { limit: number }) {
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const byUnits = batch.add(topProducts(d1, input, "units", input.limit));
  const byRevenue = batch.add(topProducts(d1, input, "revenue", input.limit));
  const byCategory = batch.add(salesByCategory(d1, input));
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

/** Every payment method (those without payments too): money the store took, refunds given, net. */
export async function paymentMethodsReport(ctx: Ctx, period: Instants) {
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const taken = batch.add(paymentsTakenByMethod(d1, period));
  const refunded = batch.add(refundsByMethod(d1, period));
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

/** Stock on hand of active products at the acting store: counts, and value at cost and at retail. */
export async function inventoryReport(ctx: Ctx) {
  const r = await stockOnHand(ctx);
  return {
    total_products: r.total_products,
    low_stock_count: r.low_stock_count,
    out_of_stock_count: r.out_of_stock_count,
    units_on_hand: r.units_on_hand,
    /** Valued at cost, as stock is on the books. */
    total_inventory_value: toDecimal(r.at_cost),
    value_at_cost: toDecimal(r.at_cost),
    value_at_retail: toDecimal(r.at_retail),
    products_not_stocked: r.not_stocked,
  };
}

/**
 * The store's stocked products at or below their minimum, the emptiest
 * first: `limit` of them with names (active products only), and how many
 * there are. Products the store has no row for are not listed (a store does
 * not carry everything the catalog has; the inventory report counts them).
 */
export async function lowStockAtStore(ctx: Ctx, limit: number) {
  const levels = await runAlone(lowStockLevels(ctx.store.d1));
  if (levels.length === 0) return { total: 0, data: [] };
  const names = new Map<number, { name: string; sku: string }>();
  const chunks: number[][] = [];
  for (let i = 0; i < levels.length; i += IDS_PER_LOOKUP)
    chunks.push(levels.slice(i, i + IDS_PER_LOOKUP).map(([id]) => id));
  const batch = new Batch(ctx.hq.d1);
  const found = batch.addEach(chunks.map((ids) => activeProductNames(ctx.hq.d1, ids)));
  await batch.commit();
  for (const p of found.value) names.set(p.id, p);
  const low = levels.filter(([id]) => names.has(id));
  return {
    total: low.length,
    data: low.slice(0, limit).map(([id, quantity, minimum]) => ({
      product_id: id,
      name: names.get(id)?.name ?? "",
      sku: names.get(id)?.sku ?? "",
      stock: quantity,
      minimum,
    })),
  };
}

/** The contract's daily summary of the store, for one local calendar day (`date`) in the time zone `tz`. */
export async function dailySummary(ctx: Ctx, input: { date: string; tz: string }) {
  const { date, tz } = input;
  const day = rangeInstants({ start_date: date, end_date: date }, tz);
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const outcomes = batch.add(orderOutcomes(d1, day));
  const received = batch.add(moneyTaken(d1, day));
  const refunded = batch.add(moneyRefunded(d1, day));
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

/**
 * The `limit` customers who spent most at this store (sold orders less their
 * refunds), with their order count there; names, email and the chain-wide
 * points balance come from the head office in a second query (the ids are
 * only known once the store answered).
 */
export async function customersReport(ctx: Ctx, input: { limit: number }) {
  const spenders: CustomerSpendRow[] = await runAlone(topSpenders(ctx.store.d1, input.limit));
  if (spenders.length === 0) return [];
  const named = await runAlone(
    customerNames(
      ctx.hq.d1,
      spenders.map((s) => s.customer_id),
    ),
  );
  const byId = new Map(named.map((c) => [c.id, c]));
  return spenders.map((s) => {
    const c = byId.get(s.customer_id);
    return {
      customer_id: s.customer_id,
      // A customer the head office no longer has (never expected: customers are deactivated, not deleted).
      name: c ? `${c.firstName} ${c.lastName}` : `Customer ${s.customer_id}`,
      email: c?.email ?? null,
      total_spent: toDecimal(s.spent),
      order_count: s.order_count,
      loyalty_points: c?.loyaltyPoints ?? 0,
    };
  });
}

const cashierView = (
  u: CashierSalesRow,
  who: { username: string; fullName: string | null } | undefined,
  refunds: { count: number; amount: number } | undefined,
) => ({
  user_id: u.user_id,
  username: who?.username ?? `user-${u.user_id}`,
  full_name: who?.fullName ?? null,
  orders: u.orders,
  sales: toDecimal(u.sales),
  refunds: toDecimal(refunds?.amount ?? 0),
  refund_count: refunds?.count ?? 0,
  net_sales: toDecimal(u.sales - (refunds?.amount ?? 0)),
  average_order_value: average(u.sales, u.orders),
});

/**
 * Each cashier's sold orders at this store, sales and the refunds given on
 * their orders, best seller first. The staff's names are read from the head
 * office in parallel with the store's figures (staff is a small table).
 */
export async function cashiersReport(ctx: Ctx, period: Instants) {
  const d1 = ctx.store.d1;
  const batch = new Batch(d1);
  const sales = batch.add(salesByCashier(d1, period));
  const refunds = batch.add(refundsByCashier(d1, period));
  const [, staff] = await Promise.all([batch.commit(), runAlone(staffNames(ctx.hq.d1))]);
  const names = new Map(staff.map((u) => [u.id, u]));
  const refundBy = new Map(refunds.value.map((r) => [r.user_id, r]));
  return sales.value.map((u) => cashierView(u, names.get(u.user_id), refundBy.get(u.user_id)));
}
