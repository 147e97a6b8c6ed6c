import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { salesChartSvg } from "../../documents/sales-chart";
import {
  buckets,
  type DayRange,
  dayCount,
  MAX_HOUR_RANGE_DAYS,
  rangeInstants,
  resolveRange,
} from "../../domain/report-range";
import { localDate } from "../../domain/time-zone";
import type { AppEnv } from "../../env";
import { appConfig, storeTimeZone } from "../../lib/config";
import { invalidField } from "../../lib/errors";
import { toCsv } from "../../lib/http/csv";
import * as reports from "../../services/reports";
import type * as routes from "./reports.routes";

type Ctx = Context<AppEnv>;
const tz = (c: Ctx) => storeTimeZone(c.env);

function range(
  c: Ctx,
  query: { days?: number | undefined; start_date?: string | undefined; end_date?: string | undefined },
): DayRange {
  const resolved = resolveRange(query, tz(c));
  if (!resolved.ok) throw invalidField(["query", resolved.field], resolved.reason);
  return resolved.range;
}

/**
 * JSON `{data, ...parameters}`, or the rows as CSV. (Typed as `never`: one
 * route answering several media types is more than the typed helpers model.)
 */
function answer(
  c: Ctx,
  format: string,
  body: { data: unknown } & Record<string, unknown>,
  csvRows: () => Record<string, unknown>[],
  name: string,
): never {
  if (format === "csv") {
    return c.body(toCsv(csvRows()), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}.csv"`,
    }) as never;
  }
  return c.json(body, 200) as never;
}

type SalesBucket = Awaited<ReturnType<typeof reports.salesReport>>[number];

/**
 * A bucket with the replaced API's field names beside today's, for old
 * dashboards (JSON only: the CSV keeps its columns). `total_sales` is already
 * both APIs' name for the sum of order totals.
 */
const withReplacedApiNames = (bucket: SalesBucket) => ({
  ...bucket,
  date: bucket.period,
  total_orders: bucket.orders,
  total_tax: bucket.tax,
  total_discount: bucket.discounts,
});

export const sales: RouteHandler<typeof routes.sales, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const r = range(c, q);
  if (q.group_by === "hour" && Date.parse(r.end_date) - Date.parse(r.start_date) >= MAX_HOUR_RANGE_DAYS * 86_400_000) {
    throw invalidField(["query", "group_by"], `Hourly buckets cover at most ${MAX_HOUR_RANGE_DAYS} days`);
  }
  const data = await reports.salesReport(c.env.DB, buckets(r, q.group_by, tz(c)));
  if (q.format === "svg") {
    const svg = salesChartSvg(
      data,
      `Net sales by ${q.group_by}, ${r.start_date} to ${r.end_date}`,
      appConfig(c.env).documents.currency,
    );
    return c.body(svg, 200, {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }) as never;
  }
  const body = {
    data: data.map(withReplacedApiNames),
    group_by: q.group_by,
    days: dayCount(r),
    ...r,
    time_zone: tz(c),
  };
  return answer(c, q.format, body, () => data, "sales");
};

export const productsSales: RouteHandler<typeof routes.productsSales, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const r = range(c, q);
  const { start, end } = rangeInstants(r, tz(c));
  const data = await reports.productSalesReport(c.env.DB, start, end, q.limit);
  const csv = () => [
    ...data.top_by_units.map((row, i) => ({ list: "top_by_units", rank: i + 1, ...row })),
    ...data.top_by_revenue.map((row, i) => ({ list: "top_by_revenue", rank: i + 1, ...row })),
    ...data.categories.map((row, i) => ({ list: "categories", rank: i + 1, ...row })),
  ];
  return answer(c, q.format, { data, limit: q.limit, ...r, time_zone: tz(c) }, csv, "products-sales");
};

export const paymentMethods: RouteHandler<typeof routes.paymentMethods, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const r = range(c, q);
  const { start, end } = rangeInstants(r, tz(c));
  const data = await reports.paymentMethodsReport(c.env.DB, start, end);
  return answer(c, q.format, { data, ...r, time_zone: tz(c) }, () => data, "payment-methods");
};

export const inventory: RouteHandler<typeof routes.inventory, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const data = await reports.inventoryReport(c.env.DB);
  return answer(c, q.format, { data }, () => [data], "inventory");
};

export const dailySummary: RouteHandler<typeof routes.dailySummary, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const date = q.date ?? localDate(new Date(), tz(c));
  const resolved = resolveRange({ start_date: date, end_date: date }, tz(c));
  if (!resolved.ok) throw invalidField(["query", "date"], resolved.reason);
  const data = await reports.dailySummary(c.env.DB, date, tz(c));
  return answer(c, q.format, { data, date, time_zone: tz(c) }, () => [data], `daily-summary-${date}`);
};

export const customers: RouteHandler<typeof routes.customers, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const data = await reports.customersReport(c.env.DB, q.limit);
  return answer(c, q.format, { data, limit: q.limit }, () => data, "customers");
};

export const cashiers: RouteHandler<typeof routes.cashiers, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const r = range(c, q);
  const { start, end } = rangeInstants(r, tz(c));
  const data = await reports.cashiersReport(c.env.DB, start, end);
  return answer(c, q.format, { data, ...r, time_zone: tz(c) }, () => data, "cashiers");
};
