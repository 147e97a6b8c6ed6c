/**
 * Email messages as they travel through the queue. Producers only enqueue;
 * the consumer (email-consumer.ts) renders and sends, once per dedupe key.
 */
import { dbFor } from "../db/client";
import { storeManagers } from "../db/users";

export type EmailKind = "receipt" | "low_stock" | "daily_report" | "password_changed" | "webhook_disabled";

export interface EmailMessage {
  kind: EmailKind;
  to: string;
  /** What the template needs; ids rather than rendered text, so a retry renders fresh. */
  data: Record<string, unknown>;
  /** Same key = same email: a message delivered twice is sent once. */
  dedupe_key: string;
}

export async function enqueueEmails(queue: Queue, messages: EmailMessage[]) {
  if (messages.length === 0) return;
  for (let i = 0; i < messages.length; i += 100) {
    await queue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}

/** A store's active managers and every active admin: who hears about its stock and its daily report. */
export const managerRecipients = (hq: D1Database, storeId: number): Promise<{ id: number; email: string }[]> =>
  storeManagers(dbFor(hq), storeId);
