/**
 * Events and webhooks, at the head office (README "Webhooks and the events
 * feed"). `events` is the chain's feed: one row per thing that happened that
 * other systems may hear about (an order completed at any store, a customer
 * changed), recorded once by its `event_key` (the store outbox's event id, or
 * the head-office write's), numbered in the order the head office recorded it
 * (the feed's cursor). Each event is offered to every active endpoint that
 * wants its type as one `webhook_deliveries` row, written in the same batch,
 * sent through the webhooks queue and retried until delivered or dead.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { inList } from "./schema-common";

export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Unique: where it came from (`order.completed:4294967297`, `customer.updated:12:v3`). */
    eventKey: text("event_key").notNull(),
    type: text("type").notNull(),
    /** The store it happened at (null: the head office). */
    storeId: integer("store_id"),
    resourceType: text("resource_type").notNull(),
    resourceId: integer("resource_id").notNull(),
    /** The resource's `version` when it has one. */
    resourceVersion: integer("resource_version"),
    /** JSON: the resource as the API returns it. */
    payload: text("payload").notNull(),
    occurredAt: text("occurred_at").notNull(),
    recordedAt: text("recorded_at").notNull(),
  },
  (t) => [uniqueIndex("events_key_unique").on(t.eventKey), index("events_type_idx").on(t.type, t.id)],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "sending", "delivered", "failed", "dead"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  url: text("url").notNull(),
  description: text("description"),
  /** JSON array of event types (`order.completed`, ...). */
  eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
  isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
  /** `whsec_` + base64 of the HMAC key; never returned except when created or rotated. */
  secret: text("secret").notNull(),
  /** After a rotation, the old secret also signs until it expires. */
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: text("previous_secret_expires_at"),
  /** The first failed attempt since the last success (null: not failing). */
  failingSince: text("failing_since"),
  disabledAt: text("disabled_at"),
  disabledReason: text("disabled_reason"),
  version: integer("version").notNull().default(1),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: integer("event_id").notNull(),
    endpointId: integer("endpoint_id").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** When the next attempt is due (the sweep re-sends a pending delivery long overdue: a lost message). */
    nextAttemptAt: text("next_attempt_at").notNull(),
    /** A consumer claimed it until then (status sending); past it, the sweep takes it back. */
    leaseUntil: text("lease_until"),
    lastAttemptAt: text("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    /** The first bytes of the receiver's answer (bounded read). */
    lastResponseExcerpt: text("last_response_excerpt"),
    deliveredAt: text("delivered_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_unique").on(t.eventId, t.endpointId),
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
    check("webhook_deliveries_status", sql`${inList("status", WEBHOOK_DELIVERY_STATUSES)}`),
  ],
);
