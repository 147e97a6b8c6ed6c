/**
 * Webhook deliveries as the admin sees them (README "Webhooks"): newest
 * first, filtered, cursor-paged; one by id; and redelivery: back to pending,
 * due now, with a fresh retry schedule and the same `webhook-id`, then
 * enqueued. Refused (409) while an attempt is in flight, or when its
 * endpoint is gone or inactive (re-activate it first).
 */
import { auditAt, auditStatement } from "../audit/record";
import type { WebhookDeliveryStatus } from "../db/schema-webhooks";
import { type DeliveryListRow, findDelivery, listDeliveries, requeueStatement } from "../db/webhook-deliveries";
import { findEndpoint } from "../db/webhook-endpoints";
import { ApiError, notFound } from "../lib/errors";
import { log } from "../lib/log";
import { isoNow } from "../lib/time";
import { webhookIdOf } from "../webhooks/payload";
import { enqueueDeliveries } from "../webhooks/queue";
import type { ServiceContext } from "./context";

export const toDeliveryView = (row: DeliveryListRow) => ({
  id: row.id,
  endpoint_id: row.endpointId,
  event: { id: row.eventId, type: row.eventType },
  webhook_id: webhookIdOf(row.eventId),
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === "pending" ? row.nextAttemptAt : null,
  last_attempt_at: row.lastAttemptAt,
  last_status_code: row.lastStatusCode,
  last_response_excerpt: row.lastResponseExcerpt,
  last_error: row.lastError,
  delivered_at: row.deliveredAt,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type DeliveryView = ReturnType<typeof toDeliveryView>;

export interface DeliveryQuery {
  endpoint_id?: number | undefined;
  event_id?: number | undefined;
  status?: WebhookDeliveryStatus | undefined;
  /** The previous page's next_cursor. */
  cursor?: number | undefined;
  limit: number;
}

/** Newest first; `next_cursor` (null on the last page) reads the next page. */
export async function listDeliveryViews(
  ctx: ServiceContext,
  q: DeliveryQuery,
): Promise<{ data: DeliveryView[]; next_cursor: string | null }> {
  const rows = await listDeliveries(ctx.hq.d1, {
    endpointId: q.endpoint_id,
    eventId: q.event_id,
    status: q.status,
    before: q.cursor,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { data: page.map(toDeliveryView), next_cursor: rows.length > q.limit && last ? String(last.id) : null };
}

export async function getDelivery(ctx: ServiceContext, id: number): Promise<DeliveryView> {
  const row = await findDelivery(ctx.hq.d1, id);
  if (!row) throw notFound("Webhook delivery");
  return toDeliveryView(row);
}

export async function redeliver(ctx: ServiceContext, id: number): Promise<DeliveryView> {
  const row = await findDelivery(ctx.hq.d1, id);
  if (!row) throw notFound("Webhook delivery");
  if (row.status === "sending") {
    throw new ApiError("INVALID_STATE", `Webhook delivery ${id} is being sent right now; look again in a minute`);
  }
  const endpoint = await findEndpoint(ctx.hq.db, row.endpointId);
  if (!endpoint) throw new ApiError("INVALID_STATE", `Webhook endpoint ${row.endpointId} was deleted`);
  if (!endpoint.isActive) {
    throw new ApiError(
      "INVALID_STATE",
      `Webhook endpoint ${row.endpointId} is inactive; re-activate it (PUT is_active true) first`,
    );
  }
  const d1 = ctx.hq.d1;
  const now = isoNow(ctx.now());
  const [requeued] = await d1.batch([
    requeueStatement(d1, id, now),
    // A consumer that claimed it in between keeps it: nothing changed, nothing recorded.
    auditStatement(d1, auditAt(ctx, "hq"), {
      action: "webhook_delivery.redelivered",
      entityType: "webhook_delivery",
      entityId: id,
      before: { status: row.status, attempts: row.attempts },
      after: { status: "pending", attempts: 0 },
      onlyIfChanged: true,
    }),
  ]);
  if (!requeued?.results.length) {
    throw new ApiError("INVALID_STATE", `Webhook delivery ${id} is being sent right now; look again in a minute`);
  }
  try {
    await enqueueDeliveries(ctx.env, [id]);
  } catch (error) {
    // Committed as pending and due: the sweep sends it within minutes.
    log(ctx.env, "error", "could not enqueue a redelivery", { delivery_id: id, error: String(error) });
  }
  return getDelivery(ctx, id);
}
