/**
 * Recording an event at the head office (README "Webhooks and the events
 * feed"): the feed's row and, in the same batch, one delivery row per active
 * endpoint that wants its type. Recording the same `key` again changes
 * nothing (a replayed store event, a retried request), so each event is in the
 * feed once and offered to each endpoint once. After the batch commits, the
 * caller enqueues the deliveries (`enqueueDeliveriesOf`, webhooks/queue.ts); a crash in between
 * leaves them pending, and the webhook sweep sends them.
 *
 *   await hq.batch([...changes, ...recordEventStatements(hq, event, now)]);
 *   ctx.defer(enqueueDeliveriesOf(env, hq, [event.key]));   // webhooks/queue.ts
 */
import type { EventType } from "./types";

export interface EventRecord {
  /** Unique per event: the store outbox's event id, or `<type>:<resource id>:v<version>` for head-office writes. */
  key: string;
  type: EventType;
  /** The store it happened at (null: the head office). */
  storeId: number | null;
  resourceType: string;
  resourceId: number;
  resourceVersion: number | null;
  /** The resource as the API returns it. */
  payload: unknown;
  occurredAt: string;
}

export function recordEventStatements(hq: D1Database, event: EventRecord, now: string): D1PreparedStatement[] {
  return [
    hq
      .prepare(
        `INSERT INTO events (event_key, type, store_id, resource_type, resource_id, resource_version, payload, occurred_at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (event_key) DO NOTHING`,
      )
      .bind(
        event.key,
        event.type,
        event.storeId,
        event.resourceType,
        event.resourceId,
        event.resourceVersion,
        JSON.stringify(event.payload),
        event.occurredAt,
        now,
      ),
    hq
      .prepare(
        `INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at)
         SELECT e.id, w.id, 'pending', 0, ?2, ?2, ?2
         FROM events e JOIN webhook_endpoints w ON w.is_active = 1
           AND EXISTS (SELECT 1 FROM json_each(w.event_types) j WHERE j.value = e.type OR j.value = '*')
         WHERE e.event_key = ?1
         ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
      )
      .bind(event.key, now),
  ];
}
