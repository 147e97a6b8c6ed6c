/**
 * The daily report (Cron): yesterday in STORE_TIMEZONE, published by
 * services/daily-reports.ts — stored once per date, as JSON in R2, and
 * emailed to every active manager and admin.
 */
import { addDays, localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { createServiceContext } from "../services/context";
import { publishDailyReport } from "../services/daily-reports";

/** Runs for the local day before `scheduledTime`; a second run for the same day changes nothing. */
export async function runDailyReport(env: Bindings, scheduledTime: number) {
  const ctx = createServiceContext(env);
  const date = addDays(localDate(new Date(scheduledTime), ctx.config.timeZone), -1);
  return publishDailyReport(ctx, date);
}
