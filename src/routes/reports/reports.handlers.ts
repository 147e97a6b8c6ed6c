import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { salesChartSvg } from "../../documents/sales-chart";
import type { AppEnv } from "../../env";
import { toCsv } from "../../lib/http/csv";
import * as daily from "../../services/daily-reports";
import type { SalesBucket } from "../../services/reports";
import * as reports from "../../services/reports";
import * as variance from "../../services/reports-cash-variance";
import * as chain from "../../services/reports-chain";
import * as requests from "../../services/reports-requests";
import type * as routes from "./reports.routes";

type Ctx = Context<AppEnv>;

/** `store_id=all`: the chain-wide report (services/reports-chain.ts) instead of the acting store's. */
const chainWide = (q: { store_id?: string | undefined }) => q.store_id === "all";

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
  const chainReport = chainWide(q) ? await chain.chainSalesOverRange(c.var.ctx, c.var.user.id, q) : undefined;
  const report = chainReport ?? (await requests.salesOverRange(c.var.ctx, q));
  if (q.format === "svg") {
    const scope = chainReport ? ` (${chainReport.stores.map((s) => s.code).join(", ")})` : "";
    const title = `Net sales by ${q.group_by}, ${report.start_date} to ${report.end_date}${scope}`;
    const currency = chainReport?.currency ?? c.var.ctx.store.currency;
    return c.body(salesChartSvg(report.data, title, currency), 200, {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }) as never;
  }
  const body = { ...report, data: report.data.map(withReplacedApiNames) };
  return answer(c, q.format, body, () => report.data, "sales");
};

export const productsSales: RouteHandler<typeof routes.productsSales, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainProductSalesOverRange(c.var.ctx, c.var.user.id, q)
    : await requests.productSalesOverRange(c.var.ctx, q);
  const { data } = report;
  const csv = () => [
    ...data.top_by_units.map((row, i) => ({ list: "top_by_units", rank: i + 1, ...row })),
    ...data.top_by_revenue.map((row, i) => ({ list: "top_by_revenue", rank: i + 1, ...row })),
    ...data.categories.map((row, i) => ({ list: "categories", rank: i + 1, ...row })),
  ];
  return answer(c, q.format, report, csv, "products-sales");
};

export const paymentMethods: RouteHandler<typeof routes.paymentMethods, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainPaymentMethodsOverRange(c.var.ctx, c.var.user.id, q)
    : await requests.paymentMethodsOverRange(c.var.ctx, q);
  return answer(c, q.format, report, () => report.data, "payment-methods");
};

export const inventory: RouteHandler<typeof routes.inventory, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainInventory(c.var.ctx, c.var.user.id, q)
    : { data: await reports.inventoryReport(c.var.ctx) };
  return answer(c, q.format, report, () => [report.data], "inventory");
};

export const dailySummary: RouteHandler<typeof routes.dailySummary, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainDailySummaryOf(c.var.ctx, c.var.user.id, q)
    : await requests.dailySummaryOf(c.var.ctx, q);
  return answer(c, q.format, report, () => [report.data], `daily-summary-${report.date}`);
};

export const customers: RouteHandler<typeof routes.customers, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainCustomers(c.var.ctx, c.var.user.id, q)
    : { data: await reports.customersReport(c.var.ctx, q), limit: q.limit };
  return answer(c, q.format, report, () => report.data, "customers");
};

export const cashiers: RouteHandler<typeof routes.cashiers, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await chain.chainCashiersOverRange(c.var.ctx, c.var.user.id, q)
    : await requests.cashiersOverRange(c.var.ctx, q);
  return answer(c, q.format, report, () => report.data, "cashiers");
};

export const cashVariance: RouteHandler<typeof routes.cashVariance, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const report = chainWide(q)
    ? await variance.chainCashVarianceOverRange(c.var.ctx, c.var.user.id, q)
    : await variance.cashVarianceOverRange(c.var.ctx, q);
  return answer(c, q.format, report, () => report.data, "cash-variance");
};

export const dailyReports: RouteHandler<typeof routes.dailyReports, AppEnv> = async (c) =>
  c.json(await daily.listDailyReports(c.var.ctx, c.req.valid("query")), 200);

export const dailyReport: RouteHandler<typeof routes.dailyReport, AppEnv> = async (c) =>
  c.json(await daily.getDailyReport(c.var.ctx, c.req.valid("param").date), 200);
