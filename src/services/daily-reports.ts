/**
 * The daily report: one local day's orders, sales, tax, discounts, refunds,
 * payments by method, top products and low stock. Published once per date
 * (its daily_reports row is the lock), as JSON in R2, and emailed to every
 * active manager and admin; read back through GET /reports/daily.
 */
import {
  claimDailyReport,
  findDailyReportData,
  markEmailed,
  pageOfDailyReports,
  releaseDailyReport,
} from "../db/daily-reports";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import { lowStockPage } from "../db/products";
import { buckets, rangeInstants } from "../domain/report-range";
import { enqueueEmails, managerRecipients } from "../jobs/email-messages";
import { MAX_LINK_TTL_SECONDS } from "../lib/config";
import { notFound } from "../lib/errors";
import { type SignedLink, signedLink } from "../lib/signed-links";
import type { ServiceContext } from "./context";
import { dailySummary, paymentMethodsReport, productSalesReport, salesReport } from "./reports";

/** The report of local day `date` in the store's time zone. */
export async function buildDailyReport(ctx: ServiceContext, date: string) {
  const tz = ctx.config.timeZone;
  const range = { start_date: date, end_date: date };
  const day = rangeInstants(range, tz);
  const [summary, [sales], methods, products, low] = await Promise.all([
    dailySummary(ctx, { date, tz }),
    salesReport(ctx, buckets(range, "day", tz)),
    paymentMethodsReport(ctx, day),
    productSalesReport(ctx, { ...day, limit: 5 }),
    lowStockPage(ctx.d1, { skip: 0, limit: 20 }),
  ]);
  return {
    date,
    time_zone: tz,
    summary,
    sales: sales ?? null,
    payments_by_method: methods.filter((m) => m.count > 0 || m.refund_count > 0),
    top_products: products.top_by_revenue,
    low_stock: low.data.map((p) => ({
      product_id: p.id,
      name: p.name,
      sku: p.sku,
      stock: p.stockQuantity,
      minimum: p.minStockLevel,
    })),
    low_stock_total: low.total,
  };
}

export type DailyReport = Awaited<ReturnType<typeof buildDailyReport>>;

const reportKey = (date: string) => `reports/daily/${date}.json`;

/** The managers' emails about a published report: its link and headline figures, one per manager. */
function reportEmails(report: DailyReport, link: SignedLink, managers: { id: number; email: string }[]) {
  const s = report.summary;
  return managers.map((m) => ({
    kind: "daily_report" as const,
    to: m.email,
    data: {
      date: report.date,
      url: link.url,
      summary: {
        orders: s.total_orders,
        completed_orders: s.completed_orders,
        total_sales: s.total_sales,
        received: s.total_received,
        refunds: s.refunds,
        low_stock_products: report.low_stock_total,
      },
    },
    dedupe_key: `daily_report:${report.date}:${m.id}`,
  }));
}

/**
 * Builds, stores and emails the report of local day `date`; a second call
 * for the same date changes nothing (`created: false`). A failure after the
 * date was claimed gives it back, so the next run does it all again; emails
 * already queued are not sent twice (their dedupe keys).
 */
export async function publishDailyReport(ctx: ServiceContext, date: string) {
  const report = await buildDailyReport(ctx, date);
  const key = reportKey(date);
  // Everything that can fail without side effects comes before the claim.
  const documents = ctx.config.documents;
  const link = await signedLink(
    ctx.config.publicBaseUrl,
    documents.signingSecret,
    key,
    MAX_LINK_TTL_SECONDS,
    ctx.now().getTime(),
  );
  const managers = await managerRecipients(ctx.d1);
  const claimed = await claimDailyReport(ctx.db, {
    date,
    timeZone: report.time_zone,
    data: JSON.stringify(report),
    r2Key: key,
    createdAt: ctx.now().toISOString(),
  });
  if (!claimed) return { date, created: false };
  try {
    await ctx.env.FILES.put(key, JSON.stringify(report, null, 2), {
      httpMetadata: { contentType: "application/json" },
    });
    await enqueueEmails(ctx.env.EMAIL_QUEUE, reportEmails(report, link, managers));
    await markEmailed(ctx.db, date, managers.length);
  } catch (error) {
    await releaseDailyReport(ctx.db, date);
    throw error;
  }
  return { date, created: true };
}

/** What GET /reports/daily lists of each stored report. */
export interface DailyReportListing {
  date: string;
  time_zone: string;
  emailed: number;
  created_at: string;
}

/** Stored reports, newest first. */
export async function listDailyReports(ctx: ServiceContext, page: PageRequest): Promise<Page<DailyReportListing>> {
  return mapPage(await pageOfDailyReports(ctx.d1, page), (r) => ({
    date: r.date,
    time_zone: r.timeZone,
    emailed: r.emailed,
    created_at: r.createdAt,
  }));
}

/** The stored report of `date` (404 when that day has none). */
export async function getDailyReport(ctx: ServiceContext, date: string) {
  const data = await findDailyReportData(ctx.db, date);
  if (data === undefined) throw notFound("Daily report");
  return { data: JSON.parse(data) as Record<string, unknown>, date };
}
