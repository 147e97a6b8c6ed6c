/**
 * What travels on the webhooks queue: one message per delivery attempt,
 * naming the delivery row (the consumer reads everything else from D1, so a
 * message never carries a secret or a stale payload).
 */
import type { Bindings } from "../env";

export interface WebhookDeliveryMessage {
  delivery_id: number;
}

/** A queue batch takes at most 100 messages. */
const SEND_CHUNK = 100;

/** Sends one message per delivery id (optionally delayed: at most 12 hours, Queues' limit). */
export async function enqueueDeliveries(
  env: Pick<Bindings, "WEBHOOKS_QUEUE">,
  deliveryIds: readonly number[],
  delaySeconds = 0,
): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += SEND_CHUNK) {
    await env.WEBHOOKS_QUEUE.sendBatch(
      deliveryIds.slice(i, i + SEND_CHUNK).map((id) => ({
        body: { delivery_id: id } satisfies WebhookDeliveryMessage,
        contentType: "json" as const,
        ...(delaySeconds > 0 ? { delaySeconds: Math.min(delaySeconds, 43_200) } : {}),
      })),
    );
  }
}

/** Enqueues the pending deliveries of the events recorded under `keys` (after their batch committed). */
export async function enqueueDeliveriesOf(
  env: Pick<Bindings, "WEBHOOKS_QUEUE">,
  hq: D1Database,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const { results } = await hq
    .prepare(
      `SELECT d.id FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
       WHERE e.event_key IN (SELECT value FROM json_each(?1)) AND d.status = 'pending' AND d.attempts = 0`,
    )
    .bind(JSON.stringify(keys))
    .all<{ id: number }>();
  await enqueueDeliveries(
    env,
    results.map((r) => r.id),
  );
  return results.length;
}
