/**
 * Every five minutes: each active store's outbox rows that no send took
 * (older than a minute, so the send after each commit is not raced) go to
 * the events queue, then points holds whose till never said how its sale
 * ended are settled (services/points-holds.ts), and transfer steps whose
 * store batch's outcome was never heard (services/transfers-settle.ts). A store that fails is
 * logged and the others are still swept; the run fails at the end so the
 * cron shows it.
 */
import { dbFor } from "../db/client";
import { listStores } from "../db/stores";
import type { Bindings } from "../env";
import { log } from "../lib/log";
import { sweepOutbox } from "../outbox/sweep";
import { settleExpiredHolds } from "../services/points-holds";
import { settlePendingTransferSteps } from "../services/transfers-settle";
import { scopeOf } from "../stores/scope";

export async function runOutboxSweep(env: Bindings, now: Date = new Date()): Promise<Record<string, unknown>> {
  const stores = (await listStores(dbFor(env.DB))).filter((store) => store.status === "active");
  const sent: Record<string, number> = {};
  const failed: string[] = [];
  for (const store of stores) {
    try {
      sent[store.code] = await sweepOutbox(env, scopeOf(env, store), now);
    } catch (error) {
      failed.push(store.code);
      log(env, "error", "outbox sweep failed for a store", { store: store.code, error: String(error) });
    }
  }
  const holds = await settleExpiredHolds(env, now);
  // Transfer steps whose store batch's outcome nobody heard (services/transfers-settle.ts).
  const transfers = await settlePendingTransferSteps(env, now);
  if (failed.length) throw new Error(`outbox sweep failed for ${failed.join(", ")}`);
  return { sent, holds, transfers };
}
