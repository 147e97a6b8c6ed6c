/**
 * Hourly housekeeping: removes rows that only ever grow and that nothing
 * needs any more, in every database of the chain.
 *
 * - head office: `login_attempts` whose counting window has passed and that
 *   lock nothing;
 * - every store: `idempotency_keys` older than IDEMPOTENCY_RETENTION_HOURS (at
 *   least 24 h: a key must outlive any client's retries, or a late retry
 *   makes a second order);
 * - every store: `outbox` rows sent more than OUTBOX_RETENTION_DAYS ago (the
 *   largest share of a store's bytes per sold line otherwise: README "Sizing");
 *   rows not sent yet stay, whatever their age;
 * - head office: `refresh_tokens` past their expiry (their JWT no longer verifies, so the
 *   row can neither sign anyone in nor detect a reuse). Spent tokens are kept
 *   until then on purpose: presenting one is how a stolen token is detected.
 * - head office: webhook deliveries finished (delivered or dead) more than
 *   FEED_RETENTION_DAYS ago, and feed events older than that which no
 *   unfinished delivery still needs (README "Webhooks and the events feed").
 *
 * Work per run is bounded: each table of each database loses at most
 * `maxRounds × chunk` rows, each round one DELETE of at most `chunk` rows, so
 * a backlog (a first run on an old database) drains over several runs
 * instead of one long one. The counts are per table, summed over the stores;
 * `stores` says how many store databases were swept.
 */

import type { AppDatabase } from "../db/client";
import {
  deleteSome,
  deliveriesFinishedBefore,
  eventsRecordedBefore,
  keysCreatedBefore,
  outboxSentBefore,
  refreshTokensExpiredBefore,
  type Sweep,
  spentLoginCounters,
} from "../db/housekeeping";
import type { Bindings } from "../env";
import type { AppConfig } from "../lib/config";
import { createServiceContext } from "../services/context";
import { storeScopes } from "./stores";

export interface HousekeepingLimits {
  chunk: number;
  maxRounds: number;
}

export const HOUSEKEEPING_LIMITS: HousekeepingLimits = { chunk: 500, maxRounds: 10 };

/** Sent outbox rows are kept this long: far past the events queue's retries (hours) and the sweep's. */
export const OUTBOX_RETENTION_DAYS = 7;

/** The events feed and the delivery log keep a month (a delivery's retries end within four days). */
export const FEED_RETENTION_DAYS = 30;

/** What may go at `now`, by table (the table's name keys the run's counts), in each kind of database. */
export function sweeps(
  config: AppConfig,
  now: Date,
): { headOffice: Record<string, Sweep>; store: Record<string, Sweep> } {
  const windowMs = config.loginThrottle.lockoutSeconds * 1000;
  const keysKeptMs = config.idempotencyRetentionHours * 3_600_000;
  return {
    headOffice: {
      // The counting window is over and no lock lies ahead.
      login_attempts: spentLoginCounters(now.getTime() - windowMs, now.getTime()),
      refresh_tokens: refreshTokensExpiredBefore(now.toISOString()),
      // Deliveries first: an event goes once none of its deliveries is still running.
      webhook_deliveries: deliveriesFinishedBefore(
        new Date(now.getTime() - FEED_RETENTION_DAYS * 86_400_000).toISOString(),
      ),
      events: eventsRecordedBefore(new Date(now.getTime() - FEED_RETENTION_DAYS * 86_400_000).toISOString()),
    },
    store: {
      idempotency_keys: keysCreatedBefore(new Date(now.getTime() - keysKeptMs).toISOString()),
      outbox: outboxSentBefore(new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000).toISOString()),
    },
  };
}

/** Deletes what `sweep` selects in `db`, at most `maxRounds × chunk` rows; how many. */
async function sweepTable(db: AppDatabase, sweep: Sweep, limits: HousekeepingLimits): Promise<number> {
  let total = 0;
  for (let round = 0; round < limits.maxRounds; round++) {
    const changes = await deleteSome(db, sweep, limits.chunk);
    total += changes;
    if (changes < limits.chunk) break;
  }
  return total;
}

/** Deletes what the sweeps select in the head office and in every store; returns the counts per table. */
export async function runHousekeeping(
  env: Bindings,
  now = new Date(),
  limits: HousekeepingLimits = HOUSEKEEPING_LIMITS,
): Promise<Record<string, number>> {
  const ctx = createServiceContext(env, { now: () => now });
  const { headOffice, store } = sweeps(ctx.config, ctx.now());
  const deleted: Record<string, number> = {};
  for (const [table, sweep] of Object.entries(headOffice)) deleted[table] = await sweepTable(ctx.hq.db, sweep, limits);
  const stores = await storeScopes(env, "all");
  for (const [table, sweep] of Object.entries(store)) {
    deleted[table] = 0;
    for (const scope of stores) deleted[table] += await sweepTable(scope.db, sweep, limits);
  }
  deleted.stores = stores.length;
  return deleted;
}
