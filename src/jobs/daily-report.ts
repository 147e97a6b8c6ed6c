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
 *
 * The cron runs hourly, so each store's yesterday is done within the hour
 * after its own midnight, wherever it is. A run skips the stores whose day
 * is done (one head-office query) and does at most STORES_PER_RUN of the
 * rest: a store's report and rollup take about 35 D1 queries, and an
 * invocation gets 1,000, so a chain of any size is done over a few runs.
 */
import { storeDaysDone } from "../db/daily-reports";
import { addDays, localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { createServiceContext } from "../services/context";
import { publishDailyReport } from "../services/daily-reports";
import { rebuildRollup } from "../services/rollups";
import { storeScopes } from "./stores";

/** Stores whose day one run does: 20 × ~35 queries stays well under D1's 1,000 per invocation. */
export const STORES_PER_RUN = 20;

/** Runs each active store's report for its local day before `scheduledTime` (at most STORES_PER_RUN not done yet). */
export async function runDailyReport(env: Bindings, scheduledTime: number, storesPerRun = STORES_PER_RUN) {
  const ctx = createServiceContext(env);
  const at = new Date(scheduledTime);
  const reports: { store: string; date: string; created: boolean }[] = [];
  const failures: string[] = [];
  const due = (await storeScopes(env, "active")).map((store) => ({
    store,
    date: addDays(localDate(at, store.timeZone), -1),
  }));
  const done = new Set(
    (
      await storeDaysDone(
        env.DB,
        due.map(({ store, date }) => ({ storeId: store.id, date })),
      )
    ).map((d) => `${d.storeId}/${d.date}`),
  );
  const todo = due.filter(({ store, date }) => !done.has(`${store.id}/${date}`));
  for (const { store, date } of todo.slice(0, storesPerRun)) {
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
  return { reports, left_for_next_run: Math.max(0, todo.length - storesPerRun) };
}
