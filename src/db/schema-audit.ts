/**
 * The audit trail (README "Audit trail"), in both kinds of database: a write
 * records its one audit event in its own database and its own batch, so a
 * write that fails records nothing. The head office's audit events are its
 * own writes (catalog, people, settings, webhooks); a store's are its sales,
 * payments, stock, shifts and transfers. Ids follow the store id ranges
 * (STORE_ID_SPAN; 0 for the head office), so an event's id names its database
 * and is unique across the chain.
 *
 * Append-only: triggers (hand-written in both migrations) refuse every UPDATE,
 * and every DELETE of a row the retention job has not archived to R2 yet
 * (`audit_archive.archived_before`, which only moves forward).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey(),
    at: text("at").notNull(),
    /** Null for the system (a cron job, the queue consumer). */
    actorUserId: integer("actor_user_id"),
    actorUsername: text("actor_username"),
    actorRole: text("actor_role"),
    /** The store the request acted on. */
    storeId: integer("store_id"),
    clientAddress: text("client_address"),
    requestId: text("request_id"),
    /** `<entity>.<what happened>`: `product.updated`, `product.price.updated`, `order.cancelled`. */
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: integer("entity_id").notNull(),
    /** JSON objects of the fields that changed (secrets and password hashes never). */
    before: text("before"),
    after: text("after"),
    reason: text("reason"),
    /** Who approved it, when the write needed an approval (a paid-out, a discount override). */
    approvedBy: integer("approved_by"),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at, t.id),
    index("audit_events_entity_idx").on(t.entityType, t.entityId, t.at),
    index("audit_events_actor_idx").on(t.actorUserId, t.at),
    index("audit_events_action_idx").on(t.action, t.at),
    index("audit_events_store_idx").on(t.storeId, t.at),
  ],
);

/**
 * One row (id 1, inserted by the migration): audit events older than
 * `archived_before` are in R2 (audit/<db>/<day>.json, chained by `last_hash`)
 * and may leave D1; no other row may.
 */
export const auditArchive = sqliteTable("audit_archive", {
  id: integer("id").primaryKey(),
  archivedBefore: text("archived_before").notNull(),
  /** The hash of the last archived day of this database (the next day's chain starts from it). */
  lastHash: text("last_hash").notNull(),
  updatedAt: text("updated_at").notNull(),
});
