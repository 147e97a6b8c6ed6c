/**
 * Hourly housekeeping: removes rows that only ever grow and that nothing
 * needs any more.
 *
 * - `login_attempts` whose counting window has passed and that lock nothing;
 * - `idempotency_keys` older than IDEMPOTENCY_RETENTION_HOURS (at least 24 h:
 *   a key must outlive any client's retries, or a late retry makes a second
 *   order);
 * - `refresh_tokens` past their expiry (their JWT no longer verifies, so the
 *   row can neither sign anyone in nor detect a reuse). Spent tokens are kept
 *   until then on purpose: presenting one is how a stolen token is detected.
 *
 * Work per run is bounded: each table loses at most `maxRounds × chunk` rows,
 * each round one DELETE of at most `chunk` rows, so a backlog (a first run on
 * an old database) drains over several runs instead of one long one.
 */
import {
  deleteSome,
  keysCreatedBefore,
  refreshTokensExpiredBefore,
  type Sweep,
  spentLoginCounters,
} from "../db/housekeeping";
import type { Bindings } from "../env";
import type { AppConfig } from "../lib/config";
import { createServiceContext } from "../services/context";

export interface HousekeepingLimits {
  chunk: number;
  maxRounds: number;
}

export const HOUSEKEEPING_LIMITS: HousekeepingLimits = { chunk: 500, maxRounds: 10 };

/** What may go at `now`, by table (the table's name keys the run's counts). */
export function sweeps(config: AppConfig, now: Date): Record<string, Sweep> {
  const windowMs = config.loginThrottle.lockoutSeconds * 1000;
  const keysKeptMs = config.idempotencyRetentionHours * 3_600_000;
  return {
    // The counting window is over and no lock lies ahead.
    login_attempts: spentLoginCounters(now.getTime() - windowMs, now.getTime()),
    idempotency_keys: keysCreatedBefore(new Date(now.getTime() - keysKeptMs).toISOString()),
    refresh_tokens: refreshTokensExpiredBefore(now.toISOString()),
  };
}

/** Deletes what the sweeps select, at most `maxRounds × chunk` rows per table; returns the counts. */
export async function runHousekeeping(
  env: Bindings,
  now = new Date(),
  limits: HousekeepingLimits = HOUSEKEEPING_LIMITS,
): Promise<Record<string, number>> {
  const ctx = createServiceContext(env, { now: () => now });
  const deleted: Record<string, number> = {};
  for (const [table, sweep] of Object.entries(sweeps(ctx.config, ctx.now()))) {
    let total = 0;
    for (let round = 0; round < limits.maxRounds; round++) {
      const changes = await deleteSome(ctx.db, sweep, limits.chunk);
      total += changes;
      if (changes < limits.chunk) break;
    }
    deleted[table] = total;
  }
  return deleted;
}
