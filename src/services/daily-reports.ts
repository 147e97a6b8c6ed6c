/**
 * The daily report of one store: one local day (in the store's time zone) of
 * its orders, sales, tax, discounts, refunds, payments by method, top
 * products, low stock, and the shifts it closed with their cash variances.
 * Published once per store and date (its daily_reports row at the head office is the lock), as JSON in R2 under a
 * key that names the store, and emailed to the store's managers and every
 * admin; read back through GET /reports/daily for the acting store.
 */
import {
  claimDailyReport,
  findDailyReportData,
  markEmailed,
  pageOfDailyReports,
  releaseDailyReport,
} from "../db/daily-reports";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import { buckets, rangeInstants } from "../domain/report-range";
import { enqueueEmails, managerRecipients } from "../jobs/email-messages";
import { MAX_LINK_TTL_SECONDS } from "../lib/config";
import { notFound } from "../lib/errors";
import { type SignedLink, signedLink } from "../lib/signed-links";
import type { ServiceContext } from "./context";
import { dailySummary, lowStockAtStore, paymentMethodsReport, productSalesReport, salesReport } from "./reports";
import { closedShiftsOfDay } from "./shift-reports-daily";

/** The report of the acting store's local day `date`, in its time zone. */
export async function buildDailyReport(ctx: ServiceContext, date: string) {
  const store = ctx.store;
  const tz = store.timeZone;
  const range = { start_date: date, end_date: date };
  const day = rangeInstants(range, tz);
  const [summary, [sales], methods, products, low, shifts] = await Promise.all([
    dailySummary(ctx, { date, tz }),
    salesReport(ctx, buckets(range, "day", tz)),
    paymentMethodsReport(ctx, day),
    productSalesReport(ctx, { ...day, limit: 5 }),
    lowStockAtStore(ctx, 20),
    closedShiftsOfDay(ctx, day),
  ]);
  return {
    store: { id: store.id, code: store.code, name: store.name, currency: store.currency },
    date,
    time_zone: tz,
    summary,
    sales: sales ?? null,
    payments_by_method: methods.filter((m) => m.count > 0 || m.refund_count > 0),
    top_products: products.top_by_revenue,
    low_stock: low.data,
    low_stock_total: low.total,
    /** The shifts closed that day (Z order) with their counts and variances. */
    shifts,
  };
}

export type DailyReport = Awaited<ReturnType<typeof buildDailyReport>>;

/** Where a store's report of `date` lives in R2 (the code names the store; codes never change). */
export const dailyReportKey = (storeCode: string, date: string) => `reports/daily/${storeCode}/${date}.json`;

/** The managers' emails about a published report: its link and headline figures, one per manager. */
function reportEmails(report: DailyReport, link: SignedLink, managers: { id: number; email: string }[]) {
  const s = report.summary;
  return managers.map((m) => ({
    kind: "daily_report" as const,
    to: m.email,
    data: {
      store: { id: report.store.id, code: report.store.code, name: report.store.name },
      date: report.date,
      url: link.url,
      summary: {
        orders: s.total_orders,
        completed_orders: s.completed_orders,
        total_sales: s.total_sales,
        received: s.total_received,
        refunds: s.refunds,
        low_stock_products: report.low_stock_total,
        shifts_closed: report.shifts.totals.shifts,
        cash_variance: report.shifts.totals.variance,
      },
      shifts: report.shifts.data.map((z) => ({
        z_number: z.z_number,
        drawer: z.drawer_name,
        cashier: z.cashier,
        expected: z.expected,
        counted: z.counted,
        variance: z.variance,
        variance_reason: z.variance_reason,
      })),
    },
    dedupe_key: `daily_report:${report.store.code}:${report.date}:${m.id}`,
  }));
}

/**
 * Builds, stores and emails the acting store's report of local day `date`; a
 * second call for the same store and date changes nothing (`created: false`).
 * A failure after the date was claimed gives it back, so the next run does it
 * all again; emails already queued are not sent twice (their dedupe keys).
 */
export async function publishDailyReport(ctx: ServiceContext, date: string) {
  const store = ctx.store;
  const report = await buildDailyReport(ctx, date);
  const key = dailyReportKey(store.code, date);
  // Everything that can fail without side effects comes before the claim.
  const documents = ctx.config.documents;
  const link = await signedLink(
    ctx.config.publicBaseUrl,
    documents.signingSecret,
    key,
    MAX_LINK_TTL_SECONDS,
    ctx.now().getTime(),
  );
  const managers = await managerRecipients(ctx.hq.d1, store.id);
  const ref = { storeId: store.id, date };
  const claimed = await claimDailyReport(ctx.hq.db, {
    ...ref,
    timeZone: report.time_zone,
    data: JSON.stringify(report),
    r2Key: key,
    createdAt: ctx.now().toISOString(),
  });
  if (!claimed) return { store: store.code, date, created: false };
  try {
    await ctx.env.FILES.put(key, JSON.stringify(report, null, 2), {
      httpMetadata: { contentType: "application/json" },
    });
    await enqueueEmails(ctx.env.EMAIL_QUEUE, reportEmails(report, link, managers));
    await markEmailed(ctx.hq.db, ref, managers.length);
  } catch (error) {
    await releaseDailyReport(ctx.hq.db, ref);
    throw error;
  }
  return { store: store.code, date, created: true };
}

/** What GET /reports/daily lists of each stored report. */
export interface DailyReportListing {
  store_id: number;
  date: string;
  time_zone: string;
  emailed: number;
  created_at: string;
}

/** The acting store's stored reports, newest first. */
export async function listDailyReports(ctx: ServiceContext, page: PageRequest): Promise<Page<DailyReportListing>> {
  return mapPage(await pageOfDailyReports(ctx.hq.d1, ctx.store.id, page), (r) => ({
    store_id: r.storeId,
    date: r.date,
    time_zone: r.timeZone,
    emailed: r.emailed,
    created_at: r.createdAt,
  }));
}

/** The acting store's stored report of `date` (404 when that day has none). */
export async function getDailyReport(ctx: ServiceContext, date: string) {
  const data = await findDailyReportData(ctx.hq.db, { storeId: ctx.store.id, date });
  if (data === undefined) throw notFound("Daily report");
  return { data: JSON.parse(data) as Record<string, unknown>, date };
}
