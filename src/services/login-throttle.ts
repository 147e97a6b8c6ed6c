/**
 * Sign-in throttling in D1 (login, and change-password's old password).
 *
 * Every password check is counted BEFORE argon2 runs, by one batch that
 * records the attempt and reads back the counts, so parallel requests cannot
 * all pass a check that only later failures would have closed. Three
 * counters, each a `login_attempts` row whose `failures` are the attempts
 * counted and not forgiven, in a fixed window of LOGIN_LOCKOUT_SECONDS from
 * its first attempt:
 *
 * - `pair:<username>|<address>`: LOGIN_MAX_FAILURES_PER_USER per window. An
 *   attacker's address locks itself out of that account, nobody else.
 * - `addr:<address>`: LOGIN_MAX_FAILURES_PER_ADDRESS per window, whatever the
 *   usernames (one address guessing many accounts).
 * - `name:<username>`, across all addresses: after LOGIN_USER_BACKOFF_AFTER
 *   attempts in a window, each further attempt must come 1 s, 2 s, 4 s, …
 *   (at most LOGIN_USER_BACKOFF_MAX_SECONDS) after the previous one
 *   (`locked_until`). Guessing from many addresses slows down; the account's
 *   own user waits seconds, never a lockout.
 *
 * The gates are checked in that order inside the batch, and a gate counts
 * only attempts that every earlier gate let through, so attempts refused for
 * one key never spend another key's budget. A good password forgives: the
 * pair and name counters are deleted and the address takes one attempt back.
 * An attempt that was counted but never judged (the hash gate's 503) takes
 * back what it counted.
 */
import type { LoginThrottleConfig } from "../lib/config";
import { ApiError } from "../lib/errors";

export interface ThrottleKeys {
  pair: string;
  address: string;
  name: string;
}

export const throttleKeys = (username: string, address: string): ThrottleKeys => {
  const name = username.trim().toLowerCase();
  return { pair: `pair:${name}|${address}`, address: `addr:${address}`, name: `name:${name}` };
};

// ?1 key, ?2 now (ms), ?3 window (ms). A window restarts at the first attempt after it has passed.
const EXPIRED = "login_attempts.window_started_at <= ?2 - ?3";
const NEXT_COUNT = `CASE WHEN ${EXPIRED} THEN 1 ELSE login_attempts.failures + 1 END`;
const COUNT_IN_WINDOW = `failures = ${NEXT_COUNT},
  window_started_at = CASE WHEN ${EXPIRED} THEN ?2 ELSE login_attempts.window_started_at END`;
// The username's spacing gate is closed while its locked_until lies ahead (?4 = the name key).
const NAME_GATE_OPEN = "NOT EXISTS (SELECT 1 FROM login_attempts WHERE key = ?4 AND locked_until > ?2)";
const within = (key: string, limit: string) => `(SELECT failures FROM login_attempts WHERE key = ${key}) <= ${limit}`;

const COUNT_PAIR = `
INSERT INTO login_attempts (key, failures, window_started_at, locked_until)
SELECT ?1, 1, ?2, NULL WHERE ${NAME_GATE_OPEN}
ON CONFLICT(key) DO UPDATE SET ${COUNT_IN_WINDOW}
RETURNING failures, window_started_at`;

// ?5 pair key, ?6 pair limit.
const COUNT_ADDRESS = `
INSERT INTO login_attempts (key, failures, window_started_at, locked_until)
SELECT ?1, 1, ?2, NULL WHERE ${NAME_GATE_OPEN} AND ${within("?5", "?6")}
ON CONFLICT(key) DO UPDATE SET ${COUNT_IN_WINDOW}
RETURNING failures, window_started_at`;

// ?1 = ?4 = name key; ?5 pair key, ?6 pair limit, ?7 address key, ?8 address limit,
// ?9 attempts before the backoff starts, ?10 longest wait (ms). The attempt
// that makes the count n (n ≥ ?9) closes the gate for min(2^(n − ?9) s, ?10).
const wait = (count: string) =>
  `CASE WHEN ${count} >= ?9 THEN ?2 + MIN(1000 << MIN(${count} - ?9, 20), ?10) ELSE NULL END`;
const COUNT_NAME = `
INSERT INTO login_attempts (key, failures, window_started_at, locked_until)
SELECT ?1, 1, ?2, ${wait("1")} WHERE ${NAME_GATE_OPEN} AND ${within("?5", "?6")} AND ${within("?7", "?8")}
ON CONFLICT(key) DO UPDATE SET ${COUNT_IN_WINDOW}, locked_until = ${wait(NEXT_COUNT)}
RETURNING failures, window_started_at, locked_until`;

const READ_STATE =
  "SELECT key, failures, window_started_at, locked_until FROM login_attempts WHERE key IN (?1, ?2, ?3)";

interface CounterRow {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

const refused = (untilMs: number, now: number) => {
  const retryAfter = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new ApiError("RATE_LIMITED", `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, {
    headers: { "Retry-After": String(retryAfter) },
  });
};

/**
 * Counts one password check against all three keys, in one atomic batch,
 * before the password is hashed. Throws 429 with Retry-After when a gate is
 * closed; otherwise the attempt stays counted until `forgive` or
 * `forgiveUnjudged` takes it back.
 */
export async function admitAttempt(d1: D1Database, keys: ThrottleKeys, config: LoginThrottleConfig, now = Date.now()) {
  const windowMs = config.lockoutSeconds * 1000;
  const [pairResult, addressResult, nameResult, stateResult] = await d1.batch<CounterRow>([
    d1.prepare(COUNT_PAIR).bind(keys.pair, now, windowMs, keys.name),
    d1.prepare(COUNT_ADDRESS).bind(keys.address, now, windowMs, keys.name, keys.pair, config.maxFailuresPerUser),
    d1
      .prepare(COUNT_NAME)
      .bind(
        keys.name,
        now,
        windowMs,
        keys.name,
        keys.pair,
        config.maxFailuresPerUser,
        keys.address,
        config.maxFailuresPerAddress,
        config.userBackoffAfter,
        config.userBackoffMaxSeconds * 1000,
      ),
    d1.prepare(READ_STATE).bind(keys.pair, keys.address, keys.name),
  ]);
  const pair = pairResult?.results[0];
  const address = addressResult?.results[0];
  const state = new Map((stateResult?.results ?? []).map((row) => [row.key, row]));

  if (!pair) throw refused(state.get(keys.name)?.locked_until ?? now, now);
  if (pair.failures > config.maxFailuresPerUser) throw refused(pair.window_started_at + windowMs, now);
  if (!address || address.failures > config.maxFailuresPerAddress) {
    throw refused((state.get(keys.address)?.window_started_at ?? now) + windowMs, now);
  }
  if (!nameResult?.results[0]) throw new Error("login throttle: the name counter was not written");
}

/** A good password: the pair and name counters start over, and the address takes its attempt back. */
export async function forgive(d1: D1Database, keys: ThrottleKeys) {
  await d1.batch([
    d1.prepare("DELETE FROM login_attempts WHERE key IN (?1, ?2)").bind(keys.pair, keys.name),
    d1.prepare("UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key = ?1").bind(keys.address),
  ]);
}

/** An attempt counted but never judged (no hash slot): each key takes it back. */
export async function forgiveUnjudged(d1: D1Database, keys: ThrottleKeys) {
  await d1
    .prepare("UPDATE login_attempts SET failures = MAX(failures - 1, 0) WHERE key IN (?1, ?2, ?3)")
    .bind(keys.pair, keys.address, keys.name)
    .run();
}
