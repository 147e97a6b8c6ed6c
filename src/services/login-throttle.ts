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
 *
 * The counting batch's SQL is in src/db/sessions.ts; this file holds what
 * its answer means.
 */
import { type AttemptKeys, countAttempt, forgiveAttempt, takeBackAttempt } from "../db/sessions";
import type { LoginThrottleConfig } from "../lib/config";
import { ApiError } from "../lib/errors";
import type { ServiceContext } from "./context";

export type ThrottleKeys = AttemptKeys;

export const throttleKeys = (username: string, address: string): ThrottleKeys => {
  const name = username.trim().toLowerCase();
  return { pair: `pair:${name}|${address}`, address: `addr:${address}`, name: `name:${name}` };
};

const refused = (untilMs: number, now: number) => {
  const retryAfter = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new ApiError("RATE_LIMITED", `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, {
    headers: { "Retry-After": String(retryAfter) },
  });
};

/**
 * Counts one password check against all three keys, in one atomic batch,
 * before the password is hashed, at `ctx.now()`. Throws 429 with Retry-After
 * when a gate is closed; otherwise the attempt stays counted until `forgive`
 * or `forgiveUnjudged` takes it back.
 */
export async function admitAttempt(
  ctx: Pick<ServiceContext, "hq" | "now" | "config">,
  keys: ThrottleKeys,
  config: LoginThrottleConfig = ctx.config.loginThrottle,
): Promise<void> {
  const now = ctx.now().getTime();
  const windowMs = config.lockoutSeconds * 1000;
  const { pair, address, name, state } = await countAttempt(
    ctx.hq.d1,
    keys,
    {
      windowMs,
      maxPerPair: config.maxFailuresPerUser,
      maxPerAddress: config.maxFailuresPerAddress,
      backoffAfter: config.userBackoffAfter,
      maxBackoffMs: config.userBackoffMaxSeconds * 1000,
    },
    now,
  );

  if (!pair) throw refused(state.get(keys.name)?.lockedUntil ?? now, now);
  if (pair.failures > config.maxFailuresPerUser) throw refused(pair.windowStartedAt + windowMs, now);
  if (!address || address.failures > config.maxFailuresPerAddress) {
    throw refused((state.get(keys.address)?.windowStartedAt ?? now) + windowMs, now);
  }
  if (!name) throw new Error("login throttle: the name counter was not written");
}

/** A good password: the pair and name counters start over, and the address takes its attempt back. */
export const forgive = (ctx: Pick<ServiceContext, "hq">, keys: ThrottleKeys) => forgiveAttempt(ctx.hq.db, keys);

/** An attempt counted but never judged (no hash slot): each key takes it back. */
export const forgiveUnjudged = (ctx: Pick<ServiceContext, "hq">, keys: ThrottleKeys) =>
  takeBackAttempt(ctx.hq.db, keys);
