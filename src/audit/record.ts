/**
 * Writing the audit trail (README "Audit trail"). A service that changes
 * money, stock, prices, people or settings adds exactly one audit statement
 * to the batch of its change, in the database of that change, so the event
 * commits with it or not at all:
 *
 *   batch.add(statement(auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
 *     action: "order.cancelled", entityType: "order", entityId: order.id,
 *     before: { status: "pending" }, after: { status: "cancelled" }, reason,
 *   })));
 *
 *   // Drizzle writes: the same row as a Drizzle insert for db.batch([...])
 *   await ctx.hq.db.batch([update, auditInsert(ctx.hq.db, auditAt(ctx, "hq"), entry)]);
 *
 * `entityId: LAST_INSERTED` names the row the statement just before inserted
 * (SQLite's last_insert_rowid(), which triggers do not disturb). With
 * `onlyIfChanged` the event is written only when the statement just before
 * changed a row (SQLite's changes()): a guarded UPDATE that matched nothing
 * records nothing.
 */
import { sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { LAST_INSERTED } from "../db/idempotency-keys";
import { auditEvents } from "../db/schema-audit";
import type { ServiceContext } from "../services/context";

/** Who wrote it. A null user is the system (a cron job, a queue consumer, a script). */
export interface AuditActor {
  userId: number | null;
  username: string | null;
  role: string | null;
  storeId: number | null;
  clientAddress: string | null;
  requestId: string | null;
}

/** Field values of an entity, before or after a change. */
export type AuditFields = Record<string, unknown>;

/** The row the statement just before inserted (the Idempotency-Key's marker, shared). */
export { LAST_INSERTED };

export interface AuditEntry {
  /** `<entity>.<what happened>`, lower case: `product.updated`, `product.price.updated`, `payment.refunded`. */
  action: string;
  /** The entity's type as its path names it, singular: `product`, `user`, `order`, `webhook_endpoint`. */
  entityType: string;
  entityId: number | typeof LAST_INSERTED;
  /** The fields the write changed, as they were (null or absent for a creation). */
  before?: AuditFields | null | undefined;
  /** The same fields as they are now (null or absent for a deletion that removes the row). */
  after?: AuditFields | null | undefined;
  reason?: string | null | undefined;
  /** The user who approved it, when the write needed an approval. */
  approvedBy?: number | null | undefined;
  /** Written only when the statement just before changed at least one row. */
  onlyIfChanged?: boolean | undefined;
}

/** Where and when: the database's id range (0 for the head office), the actor, the time. */
export interface AuditPlace {
  idBase: number;
  actor: AuditActor;
  at: string;
}

/** The audit place of a request's write to the head office or to its acting store. */
export function auditAt(ctx: Pick<ServiceContext, "actor" | "now" | "store">, database: "hq" | "store"): AuditPlace {
  return { idBase: database === "hq" ? 0 : ctx.store.idBase, actor: ctx.actor(), at: ctx.now().toISOString() };
}

/** Keys that never reach the trail, whatever the entity: credentials and secrets. */
const SECRET_KEY = /password|secret|token|hash|api_?key|signing/i;

/** The fields without credentials or secrets; a secret that changed shows as "[redacted]". */
export function redact(fields: AuditFields | null | undefined): AuditFields | null {
  if (!fields) return null;
  const out: AuditFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = SECRET_KEY.test(key) ? "[redacted]" : value;
  }
  return out;
}

/**
 * The fields that differ between `before` and `after` (compared as JSON),
 * each side holding only those: what an update's audit event records.
 * Keys absent from `after` were not written and are left out.
 */
export function changedFields(before: AuditFields, after: AuditFields): { before: AuditFields; after: AuditFields } {
  const was: AuditFields = {};
  const now: AuditFields = {};
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    if (JSON.stringify(before[key] ?? null) === JSON.stringify(value ?? null)) continue;
    was[key] = before[key] ?? null;
    now[key] = value;
  }
  return { before: was, after: now };
}

const json = (fields: AuditFields | null | undefined): string | null => {
  const clean = redact(fields);
  return clean ? JSON.stringify(clean) : null;
};

const COLUMNS =
  "id, at, actor_user_id, actor_username, actor_role, store_id, client_address, request_id, action, entity_type, entity_id, before, after, reason, approved_by";

function values(place: AuditPlace, entry: AuditEntry) {
  const { actor } = place;
  return {
    fixed: [
      place.at,
      actor.userId,
      actor.username,
      actor.role,
      actor.storeId,
      actor.clientAddress,
      actor.requestId,
      entry.action,
      entry.entityType,
    ],
    entityId: entry.entityId === LAST_INSERTED ? null : entry.entityId,
    rest: [json(entry.before), json(entry.after), entry.reason ?? null, entry.approvedBy ?? null],
  };
}

/**
 * The audit event as one D1 statement (for `Batch.add(statement(...))` or a
 * raw `d1.batch`). Ids continue the database's range, like every store row.
 */
export function auditStatement(d1: D1Database, place: AuditPlace, entry: AuditEntry): D1PreparedStatement {
  const v = values(place, entry);
  // ?1 idBase, ?2..?10 the fixed columns, ?11 entity id (null: last inserted), ?12..?15 the rest.
  return d1
    .prepare(
      `INSERT INTO audit_events (${COLUMNS})
       SELECT (SELECT COALESCE(MAX(id), ?1) + 1 FROM audit_events), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
              COALESCE(?11, last_insert_rowid()), ?12, ?13, ?14, ?15
       WHERE ${entry.onlyIfChanged ? "changes() > 0" : "1"}`,
    )
    .bind(place.idBase, ...v.fixed, v.entityId, ...v.rest);
}

/**
 * The same audit event as a Drizzle insert, for `db.batch([...])` next to
 * Drizzle writes (a raw \`db.run(sql)\` does not batch in drizzle-orm's D1 driver).
 */
export function auditInsert(db: AppDatabase, place: AuditPlace, entry: AuditEntry) {
  const v = values(place, entry);
  const [at, userId, username, role, storeId, address, requestId, action, entityType] = v.fixed;
  const [before, after, reason, approvedBy] = v.rest;
  return db.insert(auditEvents).select(
    sql`SELECT (SELECT COALESCE(MAX(id), ${place.idBase}) + 1 FROM audit_events), ${at}, ${userId}, ${username},
           ${role}, ${storeId}, ${address}, ${requestId}, ${action}, ${entityType},
           COALESCE(${v.entityId}, last_insert_rowid()), ${before}, ${after}, ${reason}, ${approvedBy}
    WHERE ${sql.raw(entry.onlyIfChanged ? "changes() > 0" : "1")}`,
  );
}
