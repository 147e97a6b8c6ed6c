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
import type { AuthUser } from "../lib/auth/current-user";
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

/**
 * A value only the batch knows as it runs: the id of a row an earlier
 * statement of the batch inserted when another statement already took
 * `last_insert_rowid()` (the Idempotency-Key's claim), or a quantity the
 * batch computed. A SQL expression written by the service, never by input:
 *
 *   entityId: inBatch("SELECT MAX(id) FROM payments"),   // ids are MAX + 1 inside the batch
 *   after: { stock_quantity: inBatch("SELECT quantity FROM stock_levels WHERE product_id = 7") },
 */
export class InBatch {
  constructor(readonly expression: string) {}
}

export const inBatch = (expression: string) => new InBatch(expression);

/** The row the statement just before inserted (the Idempotency-Key's marker, shared). */
export { LAST_INSERTED };

export interface AuditEntry {
  /** `<entity>.<what happened>`, lower case: `product.updated`, `product.price.updated`, `payment.refunded`. */
  action: string;
  /** The entity's type as its path names it, singular: `product`, `user`, `order`, `webhook_endpoint`. */
  entityType: string;
  entityId: number | typeof LAST_INSERTED | InBatch;
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

/**
 * The audit place of a write by a caller the service confirmed itself (the
 * hot paths behind requirePermissionInBatch, where the request knows only the
 * token's claims until the service's first batch): their name and their role
 * at the acting store, as the confirmation found them.
 */
export function auditAtAs(
  ctx: Pick<ServiceContext, "actor" | "now" | "store">,
  database: "hq" | "store",
  caller: Pick<AuthUser, "id" | "username" | "role">,
): AuditPlace {
  const place = auditAt(ctx, database);
  return {
    ...place,
    actor: { ...place.actor, userId: caller.id, username: caller.username || null, role: caller.role },
  };
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
  if (!clean) return null;
  return JSON.stringify(Object.fromEntries(Object.entries(clean).filter(([, value]) => !(value instanceof InBatch))));
};

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `json_set` arguments that set each `InBatch` field of a before/after
 * column to its expression's value as the batch runs ("" when none is).
 */
function computedFields(fields: AuditFields | null | undefined): string {
  return Object.entries(redact(fields) ?? {})
    .filter((entry): entry is [string, InBatch] => entry[1] instanceof InBatch)
    .map(([key, value]) => {
      if (!FIELD_NAME.test(key)) throw new Error(`An audit field computed in the batch needs a plain name: ${key}`);
      return `, '$.${key}', (${value.expression})`;
    })
    .join("");
}

/** The SQL of a before/after column: the bound JSON (`param`), its computed fields set. */
const jsonColumn = (param: string, fields: AuditFields | null | undefined) => {
  const sets = computedFields(fields);
  return sets ? `json_set(${param}${sets})` : param;
};

/** The entity id when it is not bound: the row inserted just before, or the expression. */
const entityIdFallback = (entityId: AuditEntry["entityId"]) =>
  entityId instanceof InBatch ? `(${entityId.expression})` : "last_insert_rowid()";

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
    entityId: typeof entry.entityId === "number" ? entry.entityId : null,
    rest: [json(entry.before), json(entry.after), entry.reason ?? null, entry.approvedBy ?? null],
  };
}

/**
 * The audit event as one D1 statement (for `Batch.add(statement(...))` or a
 * raw `d1.batch`). Ids continue the database's range, like every store row.
 */
export function auditStatement(d1: D1Database, place: AuditPlace, entry: AuditEntry): D1PreparedStatement {
  const v = values(place, entry);
  // ?1 idBase, ?2..?10 the fixed columns, ?11 entity id (null: last inserted or in batch), ?12..?15 the rest.
  return d1
    .prepare(
      `INSERT INTO audit_events (${COLUMNS})
       SELECT (SELECT COALESCE(MAX(id), ?1) + 1 FROM audit_events), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
              COALESCE(?11, ${entityIdFallback(entry.entityId)}), ${jsonColumn("?12", entry.before)},
              ${jsonColumn("?13", entry.after)}, ?14, ?15
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
  const column = (bound: unknown, fields: AuditFields | null | undefined) => {
    const sets = computedFields(fields);
    return sets ? sql`json_set(${bound}${sql.raw(sets)})` : sql`${bound}`;
  };
  return db.insert(auditEvents).select(
    sql`SELECT (SELECT COALESCE(MAX(id), ${place.idBase}) + 1 FROM audit_events), ${at}, ${userId}, ${username},
           ${role}, ${storeId}, ${address}, ${requestId}, ${action}, ${entityType},
           COALESCE(${v.entityId}, ${sql.raw(entityIdFallback(entry.entityId))}), ${column(before, entry.before)},
           ${column(after, entry.after)}, ${reason}, ${approvedBy}
    WHERE ${sql.raw(entry.onlyIfChanged ? "changes() > 0" : "1")}`,
  );
}
