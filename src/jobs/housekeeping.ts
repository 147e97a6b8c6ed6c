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
import type { Bindings } from "../env";
import { appConfig } from "../lib/config";

export interface HousekeepingLimits {
  chunk: number;
  maxRounds: number;
}

export const HOUSEKEEPING_LIMITS: HousekeepingLimits = { chunk: 500, maxRounds: 10 };

interface Sweep {
  table: string;
  /** Rows to delete, with `?1`, `?2`… bound to `params(now)`. */
  where: string;
  params: (now: Date) => (string | number)[];
}

export function sweeps(env: Bindings): Sweep[] {
  const config = appConfig(env);
  const windowMs = config.loginThrottle.lockoutSeconds * 1000;
  return [
    {
      table: "login_attempts",
      // Times in ms: the counting window is over and no lock lies ahead.
      where: "window_started_at <= ?1 AND (locked_until IS NULL OR locked_until <= ?2)",
      params: (now) => [now.getTime() - windowMs, now.getTime()],
    },
    {
      table: "idempotency_keys",
      where: "created_at < ?1",
      params: (now) => [new Date(now.getTime() - config.idempotencyRetentionHours * 3_600_000).toISOString()],
    },
    {
      table: "refresh_tokens",
      where: "expires_at < ?1",
      params: (now) => [now.toISOString()],
    },
  ];
}

/** Deletes what the sweeps select, at most `maxRounds × chunk` rows per table; returns the counts. */
export async function runHousekeeping(
  env: Bindings,
  now = new Date(),
  limits: HousekeepingLimits = HOUSEKEEPING_LIMITS,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const sweep of sweeps(env)) {
    const statement = env.DB.prepare(
      `DELETE FROM ${sweep.table} WHERE rowid IN (SELECT rowid FROM ${sweep.table} WHERE ${sweep.where} LIMIT ${limits.chunk})`,
    );
    const params = sweep.params(now);
    let total = 0;
    for (let round = 0; round < limits.maxRounds; round++) {
      const result = await statement.bind(...params).run();
      const changes = result.meta.changes ?? 0;
      total += changes;
      if (changes < limits.chunk) break;
    }
    deleted[sweep.table] = total;
  }
  return deleted;
}
