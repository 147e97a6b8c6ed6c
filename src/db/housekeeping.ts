/**
 * What the hourly housekeeping deletes: rows of tables that only ever grow,
 * once nothing needs them. Each condition below is the whole rule for its
 * table; `deleteSome` removes at most `limit` matching rows per call, so a
 * run's work stays bounded however large the backlog. The retention rules
 * of three aggregates' tables (sessions' login attempts and refresh tokens,
 * idempotency keys) sit together here on purpose: they are one job's rules,
 * read and changed together.
 */
import { and, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AppDatabase } from "./client";
import { events, idempotencyKeys, loginAttempts, outbox, refreshTokens, webhookDeliveries } from "./schema";

/** A table and the rows of it that may go. */
export interface Sweep {
  table: SQLiteTable;
  where: SQL | undefined;
}

/**
 * Sign-in throttle counters whose window started at or before `windowStartedBy`
 * and that lock nothing after `nowMs` (both in ms, as the table stores them).
 */
export const spentLoginCounters = (windowStartedBy: number, nowMs: number): Sweep => ({
  table: loginAttempts,
  where: and(
    lte(loginAttempts.windowStartedAt, windowStartedBy),
    or(isNull(loginAttempts.lockedUntil), lte(loginAttempts.lockedUntil, nowMs)),
  ),
});

/** Idempotency keys created before `before` (ISO instant). */
export const keysCreatedBefore = (before: string): Sweep => ({
  table: idempotencyKeys,
  where: lt(idempotencyKeys.createdAt, before),
});

/**
 * Outbox rows sent before `before` (ISO instant). Once sent, a row is only
 * the record of a message the head office applies by its event id; the
 * queue's retries end within days, and a row never sent is never swept.
 * The newest row always stays: the `order.changed` trigger names its event
 * after MAX(id) + 1, which must keep growing (an emptied outbox would start
 * again at 1 and give an order's later change an event id already applied).
 */
export const outboxSentBefore = (before: string): Sweep => ({
  table: outbox,
  where: and(
    sql`${outbox.sentAt} IS NOT NULL`,
    lt(outbox.sentAt, before),
    sql`${outbox.id} < (SELECT MAX(id) FROM outbox)`,
  ),
});

/**
 * Webhook deliveries that finished (delivered or dead) before `before`:
 * `GET /webhook-deliveries` shows a month of history. Pending, sending and
 * failed ones stay whatever their age: they are still being retried.
 */
export const deliveriesFinishedBefore = (before: string): Sweep => ({
  table: webhookDeliveries,
  where: and(sql`${webhookDeliveries.status} IN ('delivered', 'dead')`, lt(webhookDeliveries.updatedAt, before)),
});

/**
 * Feed events recorded before `before` that no delivery still needs (a
 * delivery's payload is its event's). The feed keeps a month: a puller
 * further behind than that starts again from the oldest event kept. The
 * newest event always stays (a quiet month must not make every cursor given
 * out look unknown).
 */
export const eventsRecordedBefore = (before: string): Sweep => ({
  table: events,
  where: and(
    lt(events.recordedAt, before),
    // The newest stays, however old: it is what tells a poller's cursor from one the feed never gave out.
    sql`${events.id} < (SELECT MAX(id) FROM ${events})`,
    sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} d WHERE d.event_id = ${events.id} AND d.status NOT IN ('delivered', 'dead'))`,
  ),
});

/** Refresh tokens that expired before `now` (ISO instant). */
export const refreshTokensExpiredBefore = (now: string): Sweep => ({
  table: refreshTokens,
  where: lt(refreshTokens.expiresAt, now),
});

/** Deletes at most `limit` rows of the sweep; how many it deleted. */
export async function deleteSome(db: AppDatabase, sweep: Sweep, limit: number): Promise<number> {
  const result = await db
    .delete(sweep.table)
    .where(sql`rowid IN (SELECT rowid FROM ${sweep.table} WHERE ${sweep.where} LIMIT ${limit})`)
    .run();
  return result.meta.changes ?? 0;
}
