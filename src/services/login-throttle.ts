/**
 * Failed-login throttling in D1, keyed by username and by client address.
 * A key that reaches its limit inside the window is locked for the window;
 * while locked, every attempt is a 429 with Retry-After, even one with the
 * right password, so guessing gains nothing.
 */
import type { LoginThrottleConfig } from "../lib/config";
import { ApiError } from "../lib/errors";

export interface ThrottleKeys {
  user: string;
  address: string;
}

export const throttleKeys = (username: string, address: string): ThrottleKeys => ({
  user: `user:${username.trim().toLowerCase()}`,
  address: `addr:${address}`,
});

/** Throws 429 when either key is locked. */
export async function assertNotThrottled(d1: D1Database, keys: ThrottleKeys, now = Date.now()) {
  const { results } = await d1
    .prepare("SELECT locked_until FROM login_attempts WHERE key IN (?1, ?2) AND locked_until > ?3")
    .bind(keys.user, keys.address, now)
    .all<{ locked_until: number }>();
  const lockedUntil = Math.max(0, ...results.map((row) => row.locked_until));
  if (lockedUntil > now) {
    const retryAfter = Math.ceil((lockedUntil - now) / 1000);
    throw new ApiError("RATE_LIMITED", `Too many failed login attempts; try again in ${retryAfter} seconds`, {
      headers: { "Retry-After": String(retryAfter) },
    });
  }
}

// One statement per key: the counter restarts when its window has passed, and
// the lock is set by the failure that reaches the limit. No read-then-write,
// so concurrent failures all count.
const RECORD_FAILURE = `
INSERT INTO login_attempts (key, failures, window_started_at, locked_until)
VALUES (?1, 1, ?2, CASE WHEN 1 >= ?3 THEN ?2 + ?4 ELSE NULL END)
ON CONFLICT(key) DO UPDATE SET
  failures = CASE WHEN login_attempts.window_started_at <= ?2 - ?4 THEN 1 ELSE login_attempts.failures + 1 END,
  window_started_at = CASE WHEN login_attempts.window_started_at <= ?2 - ?4 THEN ?2 ELSE login_attempts.window_started_at END,
  locked_until = CASE
    WHEN (CASE WHEN login_attempts.window_started_at <= ?2 - ?4 THEN 1 ELSE login_attempts.failures + 1 END) >= ?3
    THEN ?2 + ?4 ELSE NULL END`;

export async function recordFailure(d1: D1Database, keys: ThrottleKeys, config: LoginThrottleConfig, now = Date.now()) {
  const windowMs = config.lockoutSeconds * 1000;
  const statement = d1.prepare(RECORD_FAILURE);
  await d1.batch([
    statement.bind(keys.user, now, config.maxFailuresPerUser, windowMs),
    statement.bind(keys.address, now, config.maxFailuresPerAddress, windowMs),
  ]);
}

/** A successful login forgives the username's failures (not the address's). */
export async function clearFailures(d1: D1Database, keys: ThrottleKeys) {
  await d1.prepare("DELETE FROM login_attempts WHERE key = ?1").bind(keys.user).run();
}
