/** The email delivery log, as admins read it (the consumer writes it: jobs/email-consumer.ts). */
import { type EmailLogRecord, type EmailStatus, pageOfEmails } from "../db/email-log";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import type { ServiceContext } from "./context";

export interface EmailLogFilters extends PageRequest {
  status?: EmailStatus | undefined;
}

/** A page of the log, most recently changed first (status=failed: what ended in the dead-letter queue). */
export const listEmailLog = async (ctx: ServiceContext, filters: EmailLogFilters) =>
  mapPage(await pageOfEmails(ctx.hq.db, filters), toEmailLogView);

export const toEmailLogView = (row: EmailLogRecord) => ({
  dedupe_key: row.dedupeKey,
  kind: row.kind,
  recipient: row.recipient,
  status: row.status as EmailStatus,
  attempts: row.attempts,
  last_error: row.lastError,
  sent_at: row.sentAt,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type EmailLogView = ReturnType<typeof toEmailLogView>;
export type EmailLogPage = Page<EmailLogView>;
