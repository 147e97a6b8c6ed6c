/**
 * The webhooks queue's consumer (README "Webhooks", delivery): each message
 * names one delivery. The consumer claims it with a conditional UPDATE
 * (pending and due → sending under a lease, attempts + 1), so a duplicate
 * or stale message does nothing; checks the target again; signs and POSTs
 * (webhooks/send.ts); and records the outcome:
 * - 2xx: delivered; the endpoint is healthy again.
 * - otherwise: pending again at the next time of the backoff schedule
 *   (webhooks/backoff.ts) and re-enqueued with that delay; out of attempts
 *   (three days and more): dead, and its id goes to the dead-letter queue.
 *   The endpoint is failing; failing for `disableAfterHours`: disabled.
 * - endpoint deleted or inactive (disabled): dead, never attempted.
 * A message that makes the consumer itself fail is retried by the queue and
 * ends in the dead-letter queue, whose consumer marks the delivery dead.
 * What a lost message or a crashed attempt leaves behind, the sweep
 * (webhooks/sweep.ts) sends again.
 */
import {
  claimDelivery,
  type DeliveryJob,
  markDead,
  markDeadLetter,
  markDelivered,
  markFailed,
  readDeliveryJob,
} from "../db/webhook-deliveries";
import type { Bindings } from "../env";
import { backoffSeconds } from "../lib/backoff";
import { appConfig } from "../lib/config";
import { log } from "../lib/log";
import { nextRetryDelaySeconds } from "./backoff";
import { disableIfFailingTooLong, failingStatement, healthyStatement } from "./health";
import { eventBody, webhookIdOf } from "./payload";
import { enqueueDeliveries, type WebhookDeliveryMessage } from "./queue";
import { type Fetcher, type SendResult, sendSigned } from "./send";
import { checkTarget } from "./target";

/** The queues' names (wrangler.toml), as the Worker's queue() tells them apart. */
export const WEBHOOKS_QUEUE = "pos-webhooks";
export const WEBHOOKS_DEAD_LETTER_QUEUE = "pos-webhooks-dlq";

/** A claimed attempt is the consumer's for this long (a 10-second request and some); then the sweep takes it back. */
export const LEASE_SECONDS = 120;
/** A message may arrive a little before the time its delay aimed at. */
const EARLY_TOLERANCE_MS = 30_000;

export interface DeliverDeps {
  now: () => Date;
  fetch: Fetcher;
}

const realDeps: DeliverDeps = { now: () => new Date(), fetch: (request) => fetch(request) };

export type AttemptOutcome =
  | { kind: "not_claimed" }
  | { kind: "skipped"; reason: string }
  | { kind: "delivered"; statusCode: number }
  | { kind: "retry"; delaySeconds: number; nextAttemptAt: string; result: SendResult }
  | { kind: "dead"; result: SendResult; endpointDisabled: boolean };

/** The secrets that sign now: the current one, and the previous one during its grace period. */
export function signingSecrets(endpoint: NonNullable<DeliveryJob["endpoint"]>, now: Date): string[] {
  const graceOver = endpoint.previousSecretExpiresAt === null || endpoint.previousSecretExpiresAt <= now.toISOString();
  return endpoint.previousSecret && !graceOver ? [endpoint.secret, endpoint.previousSecret] : [endpoint.secret];
}

/** One attempt at delivery `id`, if it is pending and due. */
export async function attemptDelivery(
  env: Bindings,
  id: number,
  deps: DeliverDeps = realDeps,
): Promise<AttemptOutcome> {
  const d1 = env.DB;
  const now = deps.now();
  const at = now.toISOString();
  const attempts = await claimDelivery(d1, id, {
    now: at,
    dueBy: new Date(now.getTime() + EARLY_TOLERANCE_MS).toISOString(),
    leaseUntil: new Date(now.getTime() + LEASE_SECONDS * 1000).toISOString(),
  });
  if (attempts === null) return { kind: "not_claimed" };
  const job = await readDeliveryJob(d1, id);
  if (!job) return { kind: "not_claimed" };
  if (!job.endpoint?.isActive) {
    const reason = job.endpoint ? "endpoint inactive" : "endpoint deleted";
    await markDead(d1, id, reason, at).run();
    return { kind: "skipped", reason };
  }

  const target = checkTarget(job.endpoint.url, { allowLoopback: appConfig(env).webhooks.allowLoopback });
  const result: SendResult = target.ok
    ? await sendSigned(
        target.url,
        {
          id: webhookIdOf(job.eventId),
          body: eventBody({ id: job.eventId, ...job.event }),
          secrets: signingSecrets(job.endpoint, now),
          at: now,
        },
        deps.fetch,
      )
    : { ok: false, statusCode: null, excerpt: null, error: `target refused: URL ${target.reason}`, durationMs: 0 };
  // The outcome is recorded at the time the answer came (a long request is not "now" any more).
  const done = deps.now().toISOString();
  const record = { statusCode: result.statusCode, excerpt: result.excerpt, error: result.error };

  if (result.ok) {
    await d1.batch([markDelivered(d1, id, record, done), healthyStatement(d1, job.endpointId)]);
    return { kind: "delivered", statusCode: result.statusCode ?? 200 };
  }

  const delaySeconds = nextRetryDelaySeconds(attempts);
  const nextAttemptAt = delaySeconds === null ? null : new Date(now.getTime() + delaySeconds * 1000).toISOString();
  await d1.batch([markFailed(d1, id, record, nextAttemptAt, done), failingStatement(d1, job.endpointId, at)]);
  const endpointDisabled = await disableIfFailingTooLong(env, job.endpointId, now);
  if (delaySeconds === null || nextAttemptAt === null) {
    await env.WEBHOOKS_DEAD_LETTER_QUEUE.send({ delivery_id: id } satisfies WebhookDeliveryMessage, {
      contentType: "json",
    });
    return { kind: "dead", result, endpointDisabled };
  }
  // Disabling marked this delivery dead with the endpoint's other pending ones: nothing to send later.
  if (endpointDisabled) return { kind: "dead", result, endpointDisabled };
  await enqueueDeliveries(env, [id], delaySeconds);
  return { kind: "retry", delaySeconds, nextAttemptAt, result };
}

const deliveryIdOf = (body: unknown): number | null => {
  const id = (body as Partial<WebhookDeliveryMessage> | null)?.delivery_id;
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : null;
};

/** The `pos-webhooks` consumer: the batch's deliveries are attempted side by side (each may take 10 seconds). */
export async function handleWebhookBatch(
  batch: MessageBatch<unknown>,
  env: Bindings,
  deps: DeliverDeps = realDeps,
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (msg) => {
      const id = deliveryIdOf(msg.body);
      if (id === null) {
        log(env, "error", "dropping malformed webhook message", { id: msg.id });
        msg.ack();
        return;
      }
      try {
        await attemptDelivery(env, id, deps);
        msg.ack();
      } catch (error) {
        // The queue tries again (a claimed row waits for its lease; the sweep takes it back); at the end, the DLQ.
        log(env, "error", "webhook delivery attempt failed", { delivery_id: id, error: String(error) });
        // Backed off (10 s doubling to an hour): a D1 hiccup must not spend the queue's retries in a minute.
        msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      }
    }),
  );
}

/**
 * The `pos-webhooks-dlq` consumer: deliveries out of attempts, and messages
 * the consumer kept failing on, are dead (a delivered one stays delivered,
 * and one another consumer is sending under a live lease is left to it).
 */
export async function handleDeadWebhooks(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const now = new Date().toISOString();
  for (const msg of batch.messages) {
    const id = deliveryIdOf(msg.body);
    if (id !== null) await markDeadLetter(env.DB, id, now).run();
    msg.ack();
  }
}
