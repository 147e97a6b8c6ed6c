/**
 * The SQL of webhook deliveries (README "Webhooks"): claiming one for an
 * attempt, recording its outcome, what the sweep takes back, redelivery and
 * the admin's list. One row per (event, endpoint), written by
 * events/record.ts; its status moves pending → sending (claimed, under a
 * lease) → delivered, or back to pending with the next attempt's time, or
 * dead (attempts used up, endpoint disabled, inactive or deleted).
 */

import type { FeedRow } from "./events-feed";
import { Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { webhookDeliveries } from "./schema-webhooks";

export type DeliveryRow = Row<typeof webhookDeliveries>;

/** What an attempt needs: the delivery, its event and its endpoint (null: deleted). */
export interface DeliveryJob {
  id: number;
  attempts: number;
  eventId: number;
  endpointId: number;
  event: {
    type: string;
    storeId: number | null;
    resourceType: string;
    resourceId: number;
    resourceVersion: number | null;
    payload: string;
    occurredAt: string;
  };
  endpoint: {
    url: string;
    isActive: boolean;
    secret: string;
    previousSecret: string | null;
    previousSecretExpiresAt: string | null;
  } | null;
}

/**
 * Takes a pending delivery that is due for one attempt: `sending` until
 * `leaseUntil`, attempts + 1. A duplicate message, or one for a delivery
 * that is not due (an older message after a reschedule), claims nothing.
 */
export async function claimDelivery(
  d1: D1Database,
  id: number,
  at: { now: string; dueBy: string; leaseUntil: string },
): Promise<number | null> {
  const row = await d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, lease_until = ?2,
         last_attempt_at = ?3, updated_at = ?3
       WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?4
       RETURNING attempts`,
    )
    .bind(id, at.leaseUntil, at.now, at.dueBy)
    .first<{ attempts: number }>();
  return row?.attempts ?? null;
}

/** The delivery's columns, its event's as the feed stores them, and its endpoint's (null: the endpoint was deleted). */
interface JobRaw extends Omit<FeedRow, "id" | "event_key" | "recorded_at"> {
  id: number;
  attempts: number;
  event_id: number;
  endpoint_id: number;
  url: string | null;
  is_active: number | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
}

export async function readDeliveryJob(d1: D1Database, id: number): Promise<DeliveryJob | null> {
  const raw = await d1
    .prepare(
      `SELECT d.id, d.attempts, d.event_id, d.endpoint_id, e.type, e.store_id, e.resource_type, e.resource_id,
              e.resource_version, e.payload, e.occurred_at, w.url, w.is_active, w.secret, w.previous_secret,
              w.previous_secret_expires_at
       FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
       LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.id = ?1`,
    )
    .bind(id)
    .first<JobRaw>();
  if (!raw) return null;
  return {
    id: raw.id,
    attempts: raw.attempts,
    eventId: raw.event_id,
    endpointId: raw.endpoint_id,
    event: {
      type: raw.type,
      storeId: raw.store_id,
      resourceType: raw.resource_type,
      resourceId: raw.resource_id,
      resourceVersion: raw.resource_version,
      payload: raw.payload,
      occurredAt: raw.occurred_at,
    },
    endpoint:
      raw.url === null || raw.secret === null
        ? null
        : {
            url: raw.url,
            isActive: raw.is_active === 1,
            secret: raw.secret,
            previousSecret: raw.previous_secret,
            previousSecretExpiresAt: raw.previous_secret_expires_at,
          },
  };
}

export interface AttemptRecord {
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
}

/** The claimed attempt succeeded. */
export const markDelivered = (d1: D1Database, id: number, attempt: AttemptRecord, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?2, lease_until = NULL, last_status_code = ?3,
         last_response_excerpt = ?4, last_error = NULL, updated_at = ?2
       WHERE id = ?1 AND status = 'sending'`,
    )
    .bind(id, now, attempt.statusCode, attempt.excerpt);

/** The claimed attempt failed: pending again at `nextAttemptAt`, or dead when `nextAttemptAt` is null. */
export const markFailed = (
  d1: D1Database,
  id: number,
  attempt: AttemptRecord,
  nextAttemptAt: string | null,
  now: string,
) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = CASE WHEN ?5 IS NULL THEN 'dead' ELSE 'pending' END,
         next_attempt_at = COALESCE(?5, next_attempt_at), lease_until = NULL, last_status_code = ?2,
         last_response_excerpt = ?3, last_error = ?4, updated_at = ?6
       WHERE id = ?1 AND status = 'sending'`,
    )
    .bind(id, attempt.statusCode, attempt.excerpt, attempt.error, nextAttemptAt, now);

/** Dead without an attempt (endpoint gone or inactive) or from the dead-letter queue; a delivered one stays delivered. */
export const markDead = (d1: D1Database, id: number, error: string | null, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'dead', lease_until = NULL, last_error = COALESCE(?2, last_error, 'dead-letter queue'), updated_at = ?3
       WHERE id = ?1 AND status NOT IN ('delivered', 'dead')`,
    )
    .bind(id, error, now);

/** A dead letter's delivery: dead, unless delivered, dead already, or being sent under a live lease. */
export const markDeadLetter = (d1: D1Database, id: number, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'dead', lease_until = NULL, last_error = COALESCE(last_error, 'dead-letter queue'), updated_at = ?2
       WHERE id = ?1 AND status NOT IN ('delivered', 'dead') AND NOT (status = 'sending' AND lease_until > ?2)`,
    )
    .bind(id, now);

/** Every delivery of an endpoint still waiting for an attempt: dead (the endpoint was disabled or deleted). */
export const killPendingOf = (d1: D1Database, endpointId: number, error: string, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'dead', lease_until = NULL, last_error = ?2, updated_at = ?3
       WHERE endpoint_id = ?1 AND status = 'pending'`,
    )
    .bind(endpointId, error, now);

/**
 * The sweep (jobs): `sending` deliveries whose lease ran out (the consumer
 * died mid-attempt) go back to pending, due now; returns their ids.
 */
export async function reclaimExpiredLeases(d1: D1Database, now: string, limit: number): Promise<number[]> {
  const { results } = await d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = ?1, updated_at = ?1
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'sending' AND lease_until < ?1 LIMIT ?2)
       RETURNING id`,
    )
    .bind(now, limit)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

/** Pending deliveries due before `dueBefore` (their message was lost, or never sent), oldest first. */
export async function overduePending(d1: D1Database, dueBefore: string, limit: number): Promise<number[]> {
  const { results } = await d1
    .prepare(
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?1
       ORDER BY next_attempt_at LIMIT ?2`,
    )
    .bind(dueBefore, limit)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

/**
 * Back to pending, due now, with a fresh retry schedule (attempts from 0);
 * only while it is not being sent. The row after, or undefined when it was
 * sending (or is gone).
 */
export const requeueStatement = (d1: D1Database, id: number, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2, lease_until = NULL,
         updated_at = ?2
       WHERE id = ?1 AND status <> 'sending'
       RETURNING *`,
    )
    .bind(id, now);

/** A delivery with its event's type, as the admin's list shows it. */
export type DeliveryListRow = DeliveryRow & { eventType: string };

const decodeListRow = (raw: unknown): DeliveryListRow => {
  const row = decodeRow(webhookDeliveries, raw) as DeliveryRow & { event_type: string };
  const { event_type, ...rest } = row;
  return { ...rest, eventType: event_type };
};

export async function findDelivery(d1: D1Database, id: number): Promise<DeliveryListRow | null> {
  const raw = await d1
    .prepare(
      "SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?1",
    )
    .bind(id)
    .first();
  return raw ? decodeListRow(raw) : null;
}

export interface DeliveryFilter {
  endpointId?: number | undefined;
  eventId?: number | undefined;
  status?: string | undefined;
  /** Newest first: only ids below this one (the previous page's `next_cursor`). */
  before?: number | undefined;
  limit: number;
}

/** Deliveries newest first, `limit` of them (the caller asks one more to know whether another page follows). */
export async function listDeliveries(d1: D1Database, filter: DeliveryFilter): Promise<DeliveryListRow[]> {
  const where = new Where();
  if (filter.endpointId !== undefined) where.and((p) => `d.endpoint_id = ${p}`, filter.endpointId);
  if (filter.eventId !== undefined) where.and((p) => `d.event_id = ${p}`, filter.eventId);
  if (filter.status !== undefined) where.and((p) => `d.status = ${p}`, filter.status);
  if (filter.before !== undefined) where.and((p) => `d.id < ${p}`, filter.before);
  const { results } = await d1
    .prepare(
      `SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
       ${where.clause} ORDER BY d.id DESC LIMIT ?${where.params.length + 1}`,
    )
    .bind(...where.params, filter.limit)
    .all();
  return results.map(decodeListRow);
}
