/**
 * The daily report (Cron): for every active store, its own yesterday in its
 * own time zone, published by services/daily-reports.ts — stored once per
 * store and date, as JSON in R2, and emailed to the store's managers and the
 * admins. One store's failure does not stop the others; the run fails after
 * all were tried, naming each store that failed (the next run retries them:
 * a published report is not published twice).
 *
 * The same day's rollup (services/rollups.ts) is written for the chain-wide
 * reports, on its own: a report that fails does not keep the rollup from
 * being written, nor the other way round; writing it again replaces it.
 */
import { addDays, localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { createServiceContext } from "../services/context";
import { publishDailyReport } from "../services/daily-reports";
import { rebuildRollup } from "../services/rollups";
import { storeScopes } from "./stores";

/** Runs each active store's report for its local day before `scheduledTime`. */
export async function runDailyReport(env: Bindings, scheduledTime: number) {
  const ctx = createServiceContext(env);
  const at = new Date(scheduledTime);
  const reports: { store: string; date: string; created: boolean }[] = [];
  const failures: string[] = [];
  for (const store of await storeScopes(env, "active")) {
    const date = addDays(localDate(at, store.timeZone), -1);
    try {
      reports.push(await publishDailyReport(ctx.forStore(store), date));
    } catch (error) {
      failures.push(`${store.code} ${date}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      await rebuildRollup(ctx.hq.d1, store, date, ctx.now);
    } catch (error) {
      failures.push(`${store.code} ${date} rollup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length) throw new Error(`daily report failed for ${failures.join("; ")}`);
  return { reports };
}
