/**
 * Sign-ins: refresh tokens (one family per login, rotated on refresh) and the
 * sign-in throttle's counters (`login_attempts`). Simple reads and writes go
 * through Drizzle; the throttle's counting batch is raw SQL, because its
 * conditional upserts are the rule (services/login-throttle.ts explains it).
 */
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { Batch, returningRow, returningRows } from "./batch";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { loginAttempts, refreshTokens } from "./schema";

export type RefreshTokenRecord = Row<typeof refreshTokens>;

/** A sign-in's refresh token; not awaited here: run it in a `db.batch` with its audit event. */
export const insertRefreshToken = (db: AppDatabase, values: typeof refreshTokens.$inferInsert) =>
  db.insert(refreshTokens).values(values);

export const refreshTokenById = (db: AppDatabase, id: string): Promise<RefreshTokenRecord | undefined> =>
  db.select().from(refreshTokens).where(eq(refreshTokens.id, id)).get();

/**
 * Marks a refresh token used, once: one conditional UPDATE, so of two
 * concurrent spends exactly one gets true.
 */
export async function spendRefreshToken(db: AppDatabase, id: string, now: string): Promise<boolean> {
  const spent = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return spent.length > 0;
}

/** Ends one sign-in: every token of the family (run it alone, or inside a `db.batch` with its audit event). */
export const revokeFamily = (db: AppDatabase, familyId: string, now: string) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));

/**
 * Ends every sign-in of a user (`when`: only while that SQL holds, for a
 * batch whose earlier statement may not have happened). Not awaited here:
 * run it alone or inside a `db.batch`.
 */
export const revokeSessions = (db: AppDatabase, userId: number, now: string, options: { when?: SQL } = {}) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), options.when));

// ---------------------------------------------------------------------------
// login_attempts: the sign-in throttle's counters

/** The three counters one password check is counted against. */
export interface AttemptKeys {
  pair: string;
  address: string;
  name: string;
}

export interface AttemptLimits {
  windowMs: number;
  maxPerPair: number;
  maxPerAddress: number;
  /** Attempts on one username before each further one must wait. */
  backoffAfter: number;
  maxBackoffMs: number;
}

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

export type AttemptCounter = Pick<Row<typeof loginAttempts>, "failures" | "windowStartedAt">;
export type AttemptRecord = Row<typeof loginAttempts>;

/** What one counting batch saw: each counter it wrote (absent when its gate refused), and all three rows after. */
export interface AttemptCount {
  pair: AttemptCounter | undefined;
  address: AttemptCounter | undefined;
  name: AttemptCounter | undefined;
  state: Map<string, AttemptRecord>;
}

/**
 * Counts one attempt against the three keys in one batch, each gate only
 * when every earlier gate let it through, and reads the counters back.
 */
export async function countAttempt(
  d1: D1Database,
  keys: AttemptKeys,
  limits: AttemptLimits,
  now: number,
): Promise<AttemptCount> {
  const { windowMs } = limits;
  const batch = new Batch(d1);
  const pair = batch.add(
    returningRow<typeof loginAttempts, AttemptCounter>(
      loginAttempts,
      d1.prepare(COUNT_PAIR).bind(keys.pair, now, windowMs, keys.name),
    ),
  );
  const address = batch.add(
    returningRow<typeof loginAttempts, AttemptCounter>(
      loginAttempts,
      d1.prepare(COUNT_ADDRESS).bind(keys.address, now, windowMs, keys.name, keys.pair, limits.maxPerPair),
    ),
  );
  const name = batch.add(
    returningRow<typeof loginAttempts, AttemptCounter>(
      loginAttempts,
      d1
        .prepare(COUNT_NAME)
        .bind(
          keys.name,
          now,
          windowMs,
          keys.name,
          keys.pair,
          limits.maxPerPair,
          keys.address,
          limits.maxPerAddress,
          limits.backoffAfter,
          limits.maxBackoffMs,
        ),
    ),
  );
  const state = batch.add(
    returningRows(loginAttempts, d1.prepare(READ_STATE).bind(keys.pair, keys.address, keys.name)),
  );
  await batch.commit();
  return {
    pair: pair.value,
    address: address.value,
    name: name.value,
    state: new Map(state.value.map((row) => [row.key, row])),
  };
}

/** A good password: the pair and name counters start over, and the address takes its attempt back. */
export async function forgiveAttempt(db: AppDatabase, keys: AttemptKeys) {
  await db.batch([
    db.delete(loginAttempts).where(inArray(loginAttempts.key, [keys.pair, keys.name])),
    db
      .update(loginAttempts)
      .set({ failures: sql`MAX(${loginAttempts.failures} - 1, 0)` })
      .where(eq(loginAttempts.key, keys.address)),
  ]);
}

/** An attempt counted but never judged: each key takes it back. */
export async function takeBackAttempt(db: AppDatabase, keys: AttemptKeys) {
  await db
    .update(loginAttempts)
    .set({ failures: sql`MAX(${loginAttempts.failures} - 1, 0)` })
    .where(inArray(loginAttempts.key, [keys.pair, keys.address, keys.name]));
}
