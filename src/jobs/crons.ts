/**
 * Cron expressions of wrangler.toml [triggers] and the job each runs (kept out
 * of the entry module: it may only export handlers). A test checks this table
 * against wrangler.toml, so a schedule changed in one place fails there.
 */
import type { Bindings } from "../env";
import { sweepWebhookDeliveries } from "../webhooks/sweep";
import { runAuditRetention } from "./audit-retention";
import { runBackup } from "./backup";
import { runDailyReport } from "./daily-report";
import { runHousekeeping } from "./housekeeping";
import { runOutboxSweep } from "./outbox-sweep";

/** Hourly: each store's yesterday is done soon after its own midnight (jobs/daily-report.ts). */
export const CRON_DAILY_REPORT = "5 * * * *";
export const CRON_BACKUP = "30 2 * * *";
export const CRON_HOUSEKEEPING = "17 * * * *";
export const CRON_OUTBOX_SWEEP = "*/5 * * * *";

export const CRON_JOBS: Record<string, (env: Bindings, scheduledTime: number) => Promise<Record<string, unknown>>> = {
  [CRON_DAILY_REPORT]: (env, at) => runDailyReport(env, at),
  // The backup first, then the audit events past retention leave D1 for R2 (jobs/audit-retention.ts).
  [CRON_BACKUP]: async (env, at) => ({
    ...(await runBackup(env, new Date(at))),
    audit_retention: await runAuditRetention(env, new Date(at)),
  }),
  [CRON_HOUSEKEEPING]: (env, at) => runHousekeeping(env, new Date(at)),
  [CRON_OUTBOX_SWEEP]: async (env, at) => {
    // Webhook deliveries no message will bring (webhooks/sweep.ts), swept first: a failing store does not hold them up.
    const webhooks = await sweepWebhookDeliveries(env, new Date(at));
    return { ...(await runOutboxSweep(env, new Date(at))), webhooks };
  },
};
