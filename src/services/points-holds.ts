/**
 * Points holds, the loyalty half of the hold protocol (DESIGN.md "Stores"):
 * the sale holds the points at the head office in its first batch
 * (`holdPoints`, a write that cannot overdraw), writes the store's batch,
 * then confirms the hold, or releases it when the batch was refused. When the
 * batch's outcome is unknown the hold stays pending; once it expires,
 * `settleExpiredHolds` (the cron's sweep) looks the order up in its store and
 * settles it as the store's book says, as the stock objects' alarms do.
 */
import { runAlone } from "../db/batch";
import { dbFor } from "../db/client";
import { ordersWithNumbers } from "../db/orders";
import { confirmHoldStatement, expiredHolds, type PointsHold, releaseHoldStatements } from "../db/points-holds";
import { listStores } from "../db/stores";
import type { Bindings } from "../env";
import { log } from "../lib/log";
import { storeDatabase } from "../stores/scope";

/** How long a hold waits for its sale before the sweep settles it (as long as a stock hold). */
export const POINTS_HOLD_MS = 60_000;

/** Holds settled per sweep query. */
const SWEEP_PAGE = 100;

export const holdExpiry = (now: Date): string => new Date(now.getTime() + POINTS_HOLD_MS).toISOString();

/** The store's batch committed: the points are spent. */
export async function confirmHold(hq: D1Database, ref: string, now: Date): Promise<boolean> {
  return (await runAlone(confirmHoldStatement(hq, ref, now.toISOString()))) !== undefined;
}

/** The sale was not written: the points go back (idempotent; a confirmed hold stays confirmed). */
export async function releaseHold(hq: D1Database, ref: string, now: Date): Promise<boolean> {
  const results = await hq.batch(releaseHoldStatements(hq, ref, now.toISOString()).map((s) => s.prepared));
  return (results.at(-1)?.results.length ?? 0) > 0;
}

/**
 * Settles every pending hold past its expiry: confirmed when its order is in
 * its store's database, released otherwise. A store whose database does not
 * answer keeps its holds pending for the next sweep.
 */
export async function settleExpiredHolds(env: Bindings, now: Date): Promise<{ confirmed: number; released: number }> {
  const hq = dbFor(env.DB);
  const stores = new Map((await listStores(hq)).map((store) => [store.id, store]));
  const settled = { confirmed: 0, released: 0 };
  const skipped = new Set<string>();
  for (;;) {
    const page = (await expiredHolds(hq, now.toISOString(), SWEEP_PAGE + skipped.size)).filter(
      (hold) => !skipped.has(hold.ref),
    );
    if (page.length === 0) return settled;
    for (const [storeId, holds] of groupByStore(page)) {
      const store = stores.get(storeId);
      try {
        if (!store) throw new Error(`store ${storeId} is unknown`);
        const found = await ordersWithNumbers(
          storeDatabase(env, store),
          holds.map((hold) => hold.ref),
        );
        for (const hold of holds) {
          if (found.has(hold.ref)) {
            if (await confirmHold(env.DB, hold.ref, now)) settled.confirmed += 1;
          } else if (await releaseHold(env.DB, hold.ref, now)) settled.released += 1;
        }
      } catch (error) {
        for (const hold of holds) skipped.add(hold.ref);
        log(env, "warn", "points holds left pending: their store did not answer", { storeId, error: String(error) });
      }
    }
  }
}

function groupByStore(holds: PointsHold[]): Map<number, PointsHold[]> {
  const byStore = new Map<number, PointsHold[]>();
  for (const hold of holds) {
    const list = byStore.get(hold.storeId);
    if (list) list.push(hold);
    else byStore.set(hold.storeId, [hold]);
  }
  return byStore;
}
