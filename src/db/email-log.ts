/**
 * The email log (one row per dedupe key): the consumer's claim, its
 * outcome, and the admin's page of it. The claim and the dead letter are
 * raw upserts (their conditions are the point); the rest is Drizzle.
 */
import { desc, eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import type { Row } from "./rows";
import { emailLog } from "./schema";

export type EmailLogRecord = Row<typeof emailLog>;

export const EMAIL_STATUSES = ["sending", "sent", "retrying", "failed"] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** What the log keeps of a message. */
export interface LoggedEmail {
  dedupe_key: string;
  kind: string;
  to: string;
}

/**
 * Claims a message's key for sending at `now` (ms): inserts it, or takes over
 * a key whose last attempt failed or whose claim is older than `claimTtlMs`.
 * True when this delivery holds the claim.
 */
export async function claimEmail(d1: D1Database, message: LoggedEmail, now: number, claimTtlMs: number) {
  const row = await d1
    .prepare(
      `INSERT INTO email_log (dedupe_key, kind, recipient, status, attempts, claimed_at, created_at, updated_at)
       VALUES (?1, ?2, ?3, 'sending', 1, ?4, ?5, ?5)
       ON CONFLICT(dedupe_key) DO UPDATE SET status = 'sending', attempts = attempts + 1, claimed_at = ?4, updated_at = ?5
         WHERE email_log.status IN ('retrying', 'failed') OR (email_log.status = 'sending' AND email_log.claimed_at < ?4 - ?6)
       RETURNING status`,
    )
    .bind(message.dedupe_key, message.kind, message.to, now, new Date(now).toISOString(), claimTtlMs)
    .first<{ status: string }>();
  return row !== null;
}

export async function emailStatus(db: AppDatabase, dedupeKey: string): Promise<string | undefined> {
  const row = await db
    .select({ status: emailLog.status })
    .from(emailLog)
    .where(eq(emailLog.dedupeKey, dedupeKey))
    .get();
  return row?.status;
}

export const markEmailSent = async (db: AppDatabase, dedupeKey: string, now: string) => {
  await db
    .update(emailLog)
    .set({ status: "sent", sentAt: now, updatedAt: now, lastError: null })
    .where(eq(emailLog.dedupeKey, dedupeKey));
};

export const markEmailRetrying = async (db: AppDatabase, dedupeKey: string, error: string, now: string) => {
  await db
    .update(emailLog)
    .set({ status: "retrying", lastError: error, updatedAt: now })
    .where(eq(emailLog.dedupeKey, dedupeKey));
};

/** A message that exhausted its retries: failed, unless some delivery of it was sent. */
export const markEmailFailed = async (d1: D1Database, message: LoggedEmail, attempts: number, now: string) => {
  await d1
    .prepare(
      `INSERT INTO email_log (dedupe_key, kind, recipient, status, attempts, last_error, created_at, updated_at)
       VALUES (?1, ?2, ?3, 'failed', ?4, 'gave up after retries', ?5, ?5)
       ON CONFLICT(dedupe_key) DO UPDATE SET status = 'failed', updated_at = ?5 WHERE email_log.status != 'sent'`,
    )
    .bind(message.dedupe_key, message.kind, message.to, attempts, now)
    .run();
};

/** The log, most recently changed first, optionally of one status. */
export const pageOfEmails = (
  db: AppDatabase,
  query: PageRequest & { status?: EmailStatus | undefined },
): Promise<Page<EmailLogRecord>> =>
  pageOf(db, emailLog, {
    where: query.status ? eq(emailLog.status, query.status) : undefined,
    orderBy: [desc(emailLog.updatedAt)],
    skip: query.skip,
    limit: query.limit,
  });
