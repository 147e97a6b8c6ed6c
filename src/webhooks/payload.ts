/**
 * What a webhook request carries (README "Webhooks", payload):
 *
 *   { "type": "order.completed",
 *     "timestamp": "<when it happened, ISO 8601>",
 *     "data": { "event_id": 42, "store_id": 1, "resource_type": "order", "resource_id": 4294967297,
 *               "resource_version": null, "object": { ...the resource as the API returns it } } }
 *
 * The webhook id is the event's (`msg_<event id>`): the same on every retry
 * and redelivery of it, so a receiver drops duplicates by it; two endpoints
 * that get the same event get the same id (they are different receivers).
 */
import type { DeliveryJob } from "../db/webhook-deliveries";

/** A recorded event as a delivery reads it (db/webhook-deliveries.ts), with its feed id. */
export type StoredEvent = DeliveryJob["event"] & { id: number };

/** `webhook-id` of an event's deliveries. */
export const webhookIdOf = (eventId: number): string => `msg_${eventId}`;

/** The JSON body of an event's deliveries (the same bytes on every attempt: it is signed). */
export function eventBody(event: StoredEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    data: {
      event_id: event.id,
      store_id: event.storeId,
      resource_type: event.resourceType,
      resource_id: event.resourceId,
      resource_version: event.resourceVersion,
      object: JSON.parse(event.payload) as unknown,
    },
  });
}
