/**
 * Chain-wide reports (`store_id=all`): the single-store reports summed over
 * the stores the caller may report on (admins: every active store; others:
 * the stores where their role holds reports:read), in one currency.
 *
 * Closed days come from the daily rollups at the head office, summed there
 * with GROUP BY (db/rollups.ts): the Worker gets one row per bucket or per
 * product, never the rollup rows. Days a store has no rollup for (today, a
 * day the job has not done yet) are read live from that store's database,
 * for exactly those days, at most LIVE_CONCURRENCY stores at a time; their
 * figures join the rollups' in the same head-office statements (rankings) or
 * in the Worker (sums per bucket or method).
 *
 * Each store's days are its own local days; a chain day is the sum of its
 * stores' days with the same date. The range is resolved in the acting
 * (home) store's time zone. Buckets are sums of days, so hourly buckets are
 * refused. The answer keeps the single-store shape, plus `store_id: "all"`,
 * the stores included and the currency.
 */
import { Batch, runAlone } from "../db/batch";
import { customerNames, staffNames } from "../db/reports";
import {
  type ChainScope,
  chainCashiers,
  chainCategories,
  chainMethods,
  chainSalesByDate,
  chainTopProducts,
  chainTopSpenders,
  chainTotals,
  type LiveCashier,
  type LiveCategory,
  type LiveProduct,
  type RollupCoverageRow,
  readStoreFigures,
  readStoreSales,
  rollupCoverageOfAll,
  rollupDates,
  type StoreFigures,
} from "../db/rollups";
import { PAYMENT_METHODS, type Role } from "../db/schema";
import { listStores, rolesOfUser } from "../db/stores";
import { userById } from "../db/users";
import { toDecimal } from "../domain/money";
import { buckets, type DayRange, dayCount, type Granularity, isoWeek, rangeInstants } from "../domain/report-range";
import { addDays, localDate } from "../domain/time-zone";
import { hasPermission } from "../lib/auth/rbac";
import { mapWithConcurrency } from "../lib/concurrency";
import { ApiError, invalidField } from "../lib/errors";
import { type StoreScope, scopeOf } from "../stores/scope";
import type { ServiceContext } from "./context";
import { stockOnHand } from "./inventory";
import { productLineView, type SalesBucket } from "./reports";
import { reportPeriod } from "./reports-requests";
import { datesBetween } from "./rollups";

type Ctx = Pick<ServiceContext, "env" | "store" | "hq" | "now" | "forStore">;

/** Store databases read at once for the live part (and the inventory report). */
export const LIVE_CONCURRENCY = 6;

/** The stores of a chain-wide answer and their one currency. */
export interface ChainStores {
  stores: StoreScope[];
  currency: string;
}

/** What every chain-wide answer carries beside the single-store shape. */
const chainFields = (chain: ChainStores) => ({
  store_id: "all" as const,
  stores: chain.stores.map((s) => ({ id: s.id, code: s.code })),
  currency: chain.currency,
});

/**
 * The active stores `userId` may read reports at (an admin: all of them),
 * narrowed to `currency` when given; refused when they span currencies.
 */
export async function chainStores(
  ctx: Pick<Ctx, "env" | "hq">,
  userId: number,
  currency: string | undefined,
): Promise<ChainStores> {
  const db = ctx.hq.db;
  const [user, all, roles] = await Promise.all([userById(db, userId), listStores(db), rolesOfUser(db, userId)]);
  if (!user) throw new ApiError("UNAUTHORIZED", "User not found");
  const roleAt = new Map<number, Role>(roles.map((r) => [r.storeId, r.role]));
  const roleOf = (storeId: number): Role | undefined =>
    user.role === "admin" ? "admin" : storeId === user.homeStoreId ? user.role : roleAt.get(storeId);
  const allowed = all.filter((s) => {
    const role = roleOf(s.id);
    return s.status === "active" && role !== undefined && hasPermission(role, "reports:read");
  });
  if (allowed.length === 0) throw new ApiError("FORBIDDEN", "You may read reports at no active store");
  const currencies = [...new Set(allowed.map((s) => s.currency))].sort();
  if (currency !== undefined) {
    const picked = allowed.filter((s) => s.currency === currency);
    if (picked.length === 0) {
      throw invalidField(
        ["query", "currency"],
        `None of your stores uses ${currency} (they use ${currencies.join(", ")})`,
      );
    }
    return { stores: picked.map((s) => scopeOf(ctx.env, s)), currency };
  }
  if (currencies.length > 1) {
    const byCurrency = currencies
      .map(
        (c) =>
          `${c}: ${allowed
            .filter((s) => s.currency === c)
            .map((s) => s.code)
            .join(", ")}`,
      )
      .join("; ");
    throw invalidField(
      ["query", "currency"],
      `MIXED_CURRENCIES: your stores use more than one currency (${byCurrency}); pass currency=${currencies.join(" or currency=")} to report on the stores in one`,
      "mixed_currencies",
    );
  }
  return { stores: allowed.map((s) => scopeOf(ctx.env, s)), currency: currencies[0] as string };
}

/** Runs of consecutive dates. */
function runsOf(dates: string[]): DayRange[] {
  const runs: DayRange[] = [];
  for (const d of dates) {
    const last = runs.at(-1);
    if (last && addDays(last.end_date, 1) === d) last.end_date = d;
    else runs.push({ start_date: d, end_date: d });
  }
  return runs;
}

/**
 * Per store, the runs of days in `range` it has no rollup for (to be read
 * live), from the coverage read beside the caller's stores (count, first and
 * last date per store): a store whose rollups are contiguous (the usual case:
 * every closed day, not today) needs no dates listed; only one with gaps
 * inside costs a query of its dates.
 */
async function missingDays(
  ctx: Pick<Ctx, "hq">,
  stores: StoreScope[],
  range: DayRange,
  coverage: ReadonlyMap<number, RollupCoverageRow>,
) {
  return Promise.all(
    stores.map(async (store) => {
      const c = coverage.get(store.id);
      if (!c) return { store, runs: [range] };
      if (c.n === dayCount({ start_date: c.first, end_date: c.last })) {
        const runs: DayRange[] = [];
        if (c.first > range.start_date) runs.push({ start_date: range.start_date, end_date: addDays(c.first, -1) });
        if (c.last < range.end_date) runs.push({ start_date: addDays(c.last, 1), end_date: range.end_date });
        return { store, runs };
      }
      const scope = { storeIds: [store.id], startDate: range.start_date, endDate: range.end_date };
      const held = new Set((await runAlone(rollupDates(ctx.hq.d1, scope))).map((r) => r.date));
      return { store, runs: runsOf(datesBetween(range.start_date, range.end_date).filter((d) => !held.has(d))) };
    }),
  );
}

/** A live run of a store's days read with the reports' statements (one store batch per run), one bucket per day. */
interface LiveRun<F = StoreFigures> {
  store: StoreScope;
  run: DayRange;
  figures: F;
}

const readAll = (store: StoreScope, run: DayRange) =>
  readStoreFigures(store.d1, rangeInstants(run, store.timeZone), buckets(run, "day", store.timeZone));

/** The live part: every store's days without a rollup, read with `read` (every figure by default) a run at a time. */
async function readLive<F = StoreFigures>(
  ctx: Pick<Ctx, "hq">,
  chain: { stores: StoreScope[]; range: DayRange; coverage: ReadonlyMap<number, RollupCoverageRow> },
  read: (store: StoreScope, run: DayRange) => Promise<F> = readAll as (s: StoreScope, r: DayRange) => Promise<F>,
): Promise<LiveRun<F>[]> {
  const missing = (await missingDays(ctx, chain.stores, chain.range, chain.coverage)).flatMap(({ store, runs }) =>
    runs.map((run) => ({ store, run })),
  );
  return mapWithConcurrency(missing, LIVE_CONCURRENCY, async ({ store, run }) => ({
    store,
    run,
    figures: await read(store, run),
  }));
}

/** A request's chain: its stores, its range (acting store's time zone) and the scope of the rollup statements. */
async function chainRange(ctx: Ctx, userId: number, query: ChainQuery) {
  const { range, timeZone } = reportPeriod(ctx, query);
  // Which stores, and which days every store has rolled up: one round trip (the coverage of all stores, kept for the caller's).
  const [chain, covered] = await Promise.all([
    chainStores(ctx, userId, query.currency),
    runAlone(rollupCoverageOfAll(ctx.hq.d1, range.start_date, range.end_date)),
  ]);
  const scope: ChainScope = {
    storeIds: chain.stores.map((s) => s.id),
    startDate: range.start_date,
    endDate: range.end_date,
  };
  const coverage = new Map(covered.map((c) => [c.store_id, c]));
  return { chain, range, timeZone, scope, liveScope: { stores: chain.stores, range, coverage } };
}

export interface ChainQuery {
  days?: number | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  currency?: string | undefined;
}

const average = (sum: number, count: number) => (count ? toDecimal(Math.round(sum / count)) : 0);

/** The label of the bucket a date falls in. */
function labelOf(date: string, granularity: Exclude<Granularity, "hour">): string {
  if (granularity === "day") return date;
  if (granularity === "week") return isoWeek(date);
  if (granularity === "month") return date.slice(0, 7);
  return date.slice(0, 4);
}

/** The range's buckets as local dates (end excluded), in the order and with the labels `buckets()` gives. */
function dateBuckets(range: DayRange, granularity: Exclude<Granularity, "hour">) {
  const out: { label: string; start: string; end: string }[] = [];
  for (const date of datesBetween(range.start_date, range.end_date)) {
    const label = labelOf(date, granularity);
    const last = out.at(-1);
    if (last && last.label === label) last.end = addDays(date, 1);
    else out.push({ label, start: date, end: addDays(date, 1) });
  }
  return out;
}

/** Chain-wide sales per day, week, month or year. */
export async function chainSalesOverRange(ctx: Ctx, userId: number, query: ChainQuery & { group_by: Granularity }) {
  const granularity = query.group_by;
  if (granularity === "hour") {
    throw invalidField(
      ["query", "group_by"],
      "Chain-wide sales are built from daily rollups: group by day, week, month or year (hourly buckets need one store_id)",
    );
  }
  const { chain, range, timeZone, scope, liveScope } = await chainRange(ctx, userId, query);
  const list = dateBuckets(range, granularity);
  const [summed, live] = await Promise.all([
    runAlone(chainSalesByDate(ctx.hq.d1, scope)),
    readLive(ctx, liveScope, (store, run) => readStoreSales(store.d1, buckets(run, "day", store.timeZone))),
  ]);
  const index = new Map<string, number>();
  list.forEach((b, i) => {
    for (const d of datesBetween(b.start, addDays(b.end, -1))) index.set(d, i);
  });
  const sums = list.map(() => ({ orders: 0, gross: 0, discounts: 0, tax: 0, total: 0, refunds: 0 }));
  for (const row of summed) {
    const target = sums[index.get(row.date) ?? -1];
    if (!target) continue;
    target.orders += row.orders;
    target.gross += row.gross;
    target.discounts += row.discounts;
    target.tax += row.tax;
    target.total += row.total;
    target.refunds += row.refunds;
  }
  for (const { run, figures } of live) {
    const days = datesBetween(run.start_date, run.end_date);
    const refunds = new Map(figures.refundsByBucket.map((r) => [r.i, r.refunds]));
    for (const row of figures.sales) {
      const target = sums[index.get(days[row.i] as string) ?? -1];
      if (!target) continue;
      target.orders += row.orders;
      target.gross += row.gross;
      target.discounts += row.discounts;
      target.tax += row.tax;
      target.total += row.total;
      target.refunds += refunds.get(row.i) ?? 0;
    }
  }
  const instants = buckets(range, granularity, timeZone);
  const data: SalesBucket[] = sums.map((r, i) => ({
    period: list[i]?.label ?? "",
    start: instants[i]?.start ?? "",
    end: instants[i]?.end ?? "",
    orders: r.orders,
    gross_sales: toDecimal(r.gross),
    discounts: toDecimal(r.discounts),
    tax: toDecimal(r.tax),
    total_sales: toDecimal(r.total),
    refunds: toDecimal(r.refunds),
    net_sales: toDecimal(r.total - r.refunds),
    average_order_value: average(r.total, r.orders),
  }));
  return { data, group_by: granularity, days: dayCount(range), ...range, time_zone: timeZone, ...chainFields(chain) };
}

/** The last day of a live run: the date its copied names count as (the latest wins). */
const liveProducts = (live: LiveRun[]): LiveProduct[] =>
  live.flatMap(({ run, figures }) =>
    figures.products.map(
      (p): LiveProduct => [p.product_id, p.name, p.sku, p.categoryId, p.units, p.revenue, p.cost, run.end_date],
    ),
  );

const liveCategories = (live: LiveRun[]): LiveCategory[] =>
  live.flatMap(({ run, figures }) =>
    figures.categories.map(
      (c): LiveCategory => [c.categoryId ?? 0, c.category, c.units, c.revenue, c.cost, run.end_date],
    ),
  );

/** Chain-wide top sellers and categories. */
export async function chainProductSalesOverRange(ctx: Ctx, userId: number, query: ChainQuery & { limit: number }) {
  const { chain, range, timeZone, scope, liveScope } = await chainRange(ctx, userId, query);
  const live = await readLive(ctx, liveScope);
  const products = liveProducts(live);
  const hq = ctx.hq.d1;
  const batch = new Batch(hq);
  const byUnits = batch.add(chainTopProducts(hq, scope, products, "units", query.limit));
  const byRevenue = batch.add(chainTopProducts(hq, scope, products, "revenue", query.limit));
  const byCategory = batch.add(chainCategories(hq, scope, liveCategories(live)));
  await batch.commit();
  const data = {
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
  return { data, limit: query.limit, ...range, time_zone: timeZone, ...chainFields(chain) };
}

/** Chain-wide payments and refunds per method (every method listed). */
export async function chainPaymentMethodsOverRange(ctx: Ctx, userId: number, query: ChainQuery) {
  const { chain, range, timeZone, scope, liveScope } = await chainRange(ctx, userId, query);
  const [summed, live] = await Promise.all([runAlone(chainMethods(ctx.hq.d1, scope)), readLive(ctx, liveScope)]);
  const by = new Map(PAYMENT_METHODS.map((m) => [m as string, { count: 0, amount: 0, refund_count: 0, refunds: 0 }]));
  for (const r of summed) {
    const m = by.get(r.method);
    if (!m) continue;
    m.count += r.count;
    m.amount += r.amount;
    m.refund_count += r.refund_count;
    m.refunds += r.refunds;
  }
  for (const { figures } of live) {
    for (const t of figures.methodsTaken) {
      const m = by.get(t.payment_method);
      if (m) {
        m.count += t.count;
        m.amount += t.amount;
      }
    }
    for (const t of figures.methodsRefunded) {
      const m = by.get(t.payment_method);
      if (m) {
        m.refund_count += t.count;
        m.refunds += t.amount;
      }
    }
  }
  const data = PAYMENT_METHODS.map((method) => {
    const m = by.get(method) ?? { count: 0, amount: 0, refund_count: 0, refunds: 0 };
    return {
      payment_method: method,
      count: m.count,
      amount: toDecimal(m.amount),
      refunds: toDecimal(m.refunds),
      refund_count: m.refund_count,
      net_amount: toDecimal(m.amount - m.refunds),
    };
  });
  return { data, ...range, time_zone: timeZone, ...chainFields(chain) };
}

/** Chain-wide sales and refunds per cashier (those who sold in the range), best seller first. */
export async function chainCashiersOverRange(ctx: Ctx, userId: number, query: ChainQuery) {
  const { chain, range, timeZone, scope, liveScope } = await chainRange(ctx, userId, query);
  const live = await readLive(ctx, liveScope);
  const liveRows: LiveCashier[] = [];
  for (const { figures } of live) {
    const refunds = new Map(figures.cashierRefunds.map((r) => [r.user_id, r]));
    const users = new Set([...figures.cashierSales.map((c) => c.user_id), ...refunds.keys()]);
    const sales = new Map(figures.cashierSales.map((c) => [c.user_id, c]));
    for (const id of users) {
      liveRows.push([
        id,
        sales.get(id)?.orders ?? 0,
        sales.get(id)?.sales ?? 0,
        refunds.get(id)?.count ?? 0,
        refunds.get(id)?.amount ?? 0,
      ]);
    }
  }
  const [rows, staff] = await Promise.all([
    runAlone(chainCashiers(ctx.hq.d1, scope, liveRows)),
    runAlone(staffNames(ctx.hq.d1)),
  ]);
  const names = new Map(staff.map((u) => [u.id, u]));
  const data = rows.map((u) => ({
    user_id: u.user_id,
    username: names.get(u.user_id)?.username ?? `user-${u.user_id}`,
    full_name: names.get(u.user_id)?.fullName ?? null,
    orders: u.orders,
    sales: toDecimal(u.sales),
    refunds: toDecimal(u.refunds),
    refund_count: u.refund_count,
    net_sales: toDecimal(u.sales - u.refunds),
    average_order_value: average(u.sales, u.orders),
  }));
  return { data, ...range, time_zone: timeZone, ...chainFields(chain) };
}

/** The chain's daily summary of one local date (default: today in the acting store's time zone). */
export async function chainDailySummaryOf(
  ctx: Ctx,
  userId: number,
  query: { date?: string | undefined; currency?: string | undefined },
) {
  const timeZone = ctx.store.timeZone;
  const date = query.date ?? localDate(ctx.now(), timeZone);
  const { chain, scope, liveScope } = await chainRange(ctx, userId, {
    start_date: date,
    end_date: date,
    currency: query.currency,
  });
  const [[summed], live] = await Promise.all([runAlone(chainTotals(ctx.hq.d1, scope)), readLive(ctx, liveScope)]);
  const t = {
    orders: summed?.orders ?? 0,
    sold: summed?.sold_orders ?? 0,
    cancelled: summed?.cancelled_orders ?? 0,
    sales: summed?.sales ?? 0,
    pending: summed?.pending_amount ?? 0,
    taken: summed?.taken ?? 0,
    refunds: summed?.refunds ?? 0,
  };
  for (const { figures: f } of live) {
    t.orders += f.outcomes.total_orders;
    t.sold += f.outcomes.completed_orders;
    t.cancelled += f.outcomes.cancelled_orders;
    t.sales += f.outcomes.total_sales;
    t.pending += f.outcomes.pending_amount;
    t.taken += f.taken;
    t.refunds += f.refunds;
  }
  const data = {
    date,
    total_orders: t.orders,
    completed_orders: t.sold,
    cancelled_orders: t.cancelled,
    total_sales: toDecimal(t.sales),
    total_received: toDecimal(t.taken - t.refunds),
    refunds: toDecimal(t.refunds),
    pending_amount: toDecimal(t.pending),
  };
  return { data, date, time_zone: timeZone, ...chainFields(chain) };
}

/** Stock on hand summed over the stores, read live from each (counts are per store: a product low at two counts twice). */
export async function chainInventory(ctx: Ctx, userId: number, query: { currency?: string | undefined }) {
  const chain = await chainStores(ctx, userId, query.currency);
  const parts = await mapWithConcurrency(chain.stores, LIVE_CONCURRENCY, (store) => stockOnHand({ hq: ctx.hq, store }));
  const sum = (key: keyof (typeof parts)[number]) => parts.reduce((n, p) => n + p[key], 0);
  const data = {
    total_products: sum("total_products"),
    low_stock_count: sum("low_stock_count"),
    out_of_stock_count: sum("out_of_stock_count"),
    units_on_hand: sum("units_on_hand"),
    total_inventory_value: toDecimal(sum("at_cost")),
    value_at_cost: toDecimal(sum("at_cost")),
    value_at_retail: toDecimal(sum("at_retail")),
    products_not_stocked: sum("not_stocked"),
  };
  return { data, ...chainFields(chain) };
}

/** The chain's top customers by spend at the included stores, from the head office's order index. */
export async function chainCustomers(
  ctx: Pick<Ctx, "env" | "hq">,
  userId: number,
  query: { limit: number; currency?: string | undefined },
) {
  const chain = await chainStores(ctx, userId, query.currency);
  const spenders = await runAlone(
    chainTopSpenders(
      ctx.hq.d1,
      chain.stores.map((s) => s.id),
      query.limit,
    ),
  );
  const named = spenders.length
    ? await runAlone(
        customerNames(
          ctx.hq.d1,
          spenders.map((s) => s.customer_id),
        ),
      )
    : [];
  const byId = new Map(named.map((c) => [c.id, c]));
  const data = spenders.map((s) => {
    const c = byId.get(s.customer_id);
    return {
      customer_id: s.customer_id,
      name: c ? `${c.firstName} ${c.lastName}` : `Customer ${s.customer_id}`,
      email: c?.email ?? null,
      total_spent: toDecimal(s.spent),
      order_count: s.order_count,
      loyalty_points: c?.loyaltyPoints ?? 0,
    };
  });
  return { data, limit: query.limit, ...chainFields(chain) };
}
