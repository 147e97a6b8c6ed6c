/**
 * The daily report (Cron): yesterday in STORE_TIMEZONE — orders, sales, tax,
 * discounts, refunds, payments by method, top products, low stock. Stored once
 * per date (the D1 row is the lock: INSERT … ON CONFLICT DO NOTHING), as JSON
 * in R2, and emailed to every active manager and admin.
 */
import { buckets, rangeInstants } from "../domain/report-range";
import { addDays, localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { appConfig, documentsConfig, MAX_LINK_TTL_SECONDS, storeTimeZone } from "../lib/config";
import { signedLink } from "../lib/signed-links";
import { lowStock } from "../services/products";
import { dailySummary, paymentMethodsReport, productSalesReport, salesReport } from "../services/reports";
import { enqueueEmails, managerRecipients } from "./email-messages";

export async function buildDailyReport(d1: D1Database, date: string, tz: string) {
  const range = { start_date: date, end_date: date };
  const { start, end } = rangeInstants(range, tz);
  const [summary, [sales], methods, products, low] = await Promise.all([
    dailySummary(d1, date, tz),
    salesReport(d1, buckets(range, "day", tz)),
    paymentMethodsReport(d1, start, end),
    productSalesReport(d1, start, end, 5),
    lowStock(d1, 0, 20),
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
      stock: p.stock_quantity,
      minimum: p.min_stock_level,
    })),
    low_stock_total: low.total,
  };
}

export type DailyReport = Awaited<ReturnType<typeof buildDailyReport>>;

/** Runs for the local day before `scheduledTime`; a second run for the same day changes nothing. */
export async function runDailyReport(env: Bindings, scheduledTime: number) {
  const tz = storeTimeZone(env);
  const date = addDays(localDate(new Date(scheduledTime), tz), -1);
  const report = await buildDailyReport(env.DB, date, tz);
  const key = `reports/daily/${date}.json`;
  // Everything that can fail without side effects comes before the claim.
  const config = documentsConfig(env);
  const origin = appConfig(env).publicBaseUrl;
  const link = await signedLink(origin, config.signingSecret, key, MAX_LINK_TTL_SECONDS);
  const managers = await managerRecipients(env.DB);
  const claimed = await env.DB.prepare(
    "INSERT INTO daily_reports (date, time_zone, data, r2_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(date) DO NOTHING RETURNING date",
  )
    .bind(date, tz, JSON.stringify(report), key, new Date().toISOString())
    .first();
  if (!claimed) return { date, created: false };
  try {
    await env.FILES.put(key, JSON.stringify(report, null, 2), { httpMetadata: { contentType: "application/json" } });
    const s = report.summary;
    await enqueueEmails(
      env.EMAIL_QUEUE,
      managers.map((m) => ({
        kind: "daily_report" as const,
        to: m.email,
        data: {
          date,
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
        dedupe_key: `daily_report:${date}:${m.id}`,
      })),
    );
    await env.DB.prepare("UPDATE daily_reports SET emailed = ?2 WHERE date = ?1").bind(date, managers.length).run();
  } catch (error) {
    // Give the day back so the next run does it all again; emails already
    // queued are not sent twice (their dedupe keys).
    await env.DB.prepare("DELETE FROM daily_reports WHERE date = ?1").bind(date).run();
    throw error;
  }
  return { date, created: true };
}
