/**
 * The email queue's consumer. Per message: claim its dedupe key in D1 (a key
 * already sent is acked without sending; a key another delivery is sending
 * right now is retried later), render, send, mark sent, ack. A failure is
 * recorded and retried with exponential backoff; after the queue's
 * max_retries the message goes to the dead-letter queue, whose consumer marks
 * it failed where admins can see it (GET /api/v1/admin/emails?status=failed).
 */
import { dbFor } from "../db/client";
import { claimEmail, emailStatus, markEmailFailed, markEmailRetrying, markEmailSent } from "../db/email-log";
import type { Bindings } from "../env";
import { backoffSeconds } from "../lib/backoff";
import { log } from "../lib/log";
import type { EmailMessage } from "./email-messages";
import { type RenderedEmail, renderEmail } from "./email-render";
import { type EmailTransport, transportFor } from "./email-transports";

const CLAIM_TTL_MS = 5 * 60_000;

export interface EmailDeps {
  env: Bindings;
  transport: EmailTransport;
  render: (message: EmailMessage) => Promise<RenderedEmail>;
  now?: () => number;
}

export const emailDeps = (env: Bindings): EmailDeps => ({
  env,
  transport: transportFor(env),
  render: (message) => renderEmail(env, message),
});

export { backoffSeconds };

type Claim = "claimed" | "already_sent" | "busy";

async function claim(d1: D1Database, message: EmailMessage, now: number): Promise<Claim> {
  if (await claimEmail(d1, message, now, CLAIM_TTL_MS)) return "claimed";
  return (await emailStatus(dbFor(d1), message.dedupe_key)) === "sent" ? "already_sent" : "busy";
}

const isEmailMessage = (body: unknown): body is EmailMessage =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as EmailMessage).dedupe_key === "string" &&
  typeof (body as EmailMessage).to === "string";

export async function handleEmailBatch(batch: MessageBatch<unknown>, deps: EmailDeps) {
  const d1 = deps.env.DB;
  for (const msg of batch.messages) {
    const message = msg.body;
    if (!isEmailMessage(message)) {
      log(deps.env, "error", "dropping malformed email message", { id: msg.id });
      msg.ack();
      continue;
    }
    const now = deps.now ? deps.now() : Date.now();
    const state = await claim(d1, message, now);
    if (state === "already_sent") {
      msg.ack();
      continue;
    }
    if (state === "busy") {
      msg.retry({ delaySeconds: 30 });
      continue;
    }
    try {
      const email = await deps.render(message);
      await deps.transport(message, email);
      await markEmailSent(dbFor(d1), message.dedupe_key, new Date(now).toISOString());
      msg.ack();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await markEmailRetrying(dbFor(d1), message.dedupe_key, reason.slice(0, 500), new Date(now).toISOString());
      log(deps.env, "warn", "email send failed; will retry", {
        dedupe_key: message.dedupe_key,
        attempts: msg.attempts,
        error: reason,
      });
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

/** Messages that exhausted their retries: record them as failed, for admins to see. */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Bindings) {
  const now = new Date().toISOString();
  for (const msg of batch.messages) {
    const message = msg.body;
    if (isEmailMessage(message)) await markEmailFailed(env.DB, message, msg.attempts, now);
    msg.ack();
  }
}
