/**
 * Reading the audit trail (README "Audit trail"): GET /audit-events and each
 * entity's history. A write records its event in its own database, so the
 * trail is spread over the head office and every store's database; a page
 * reads each database the caller may see (a few at a time), each its newest
 * `limit + 1` events after the cursor, and merges them newest first by
 * (at, id). Ids are unique across the chain (each database has its range),
 * so (at, id) orders every event and the cursor names a place in that order
 * exactly: no event is repeated or skipped across pages.
 *
 * Who sees what: an admin, every event; a manager, the events whose store is
 * one where they are manager (`audit:read` there), in the head office's
 * database too, read from the head office and those stores' databases.
 */

import { type AuditEventRow, type AuditFilter, type AuditPosition, auditEventsPage } from "../db/audit-events";
import { runAlone } from "../db/batch";
import type { Role } from "../db/schema";
import { listStores, rolesOfUser } from "../db/stores";
import { userById } from "../db/users";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { mapWithConcurrency } from "../lib/concurrency";
import { ApiError, invalidField } from "../lib/errors";
import { storeDatabase } from "../stores/scope";
import type { ServiceContext } from "./context";

/** Databases read at once for one page. */
export const AUDIT_READS_IN_FLIGHT = 6;

type Ctx = Pick<ServiceContext, "env" | "hq">;

/** One event as the API shows it. */
export interface AuditEventView {
  id: number;
  at: string;
  actor: { user_id: number | null; username: string | null; role: string | null };
  store_id: number | null;
  client_address: string | null;
  request_id: string | null;
  action: string;
  entity: { type: string; id: number };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
  approved_by: number | null;
}

export interface AuditPage {
  data: AuditEventView[];
  limit: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
  has_more: boolean;
}

/** What a request asks for, as the query names it. */
export interface AuditQuery {
  entity_type?: string | undefined;
  entity_id?: number | undefined;
  actor?: number | undefined;
  action?: string | undefined;
  store_id?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

const parseFields = (json: string | null): Record<string, unknown> | null =>
  json === null ? null : (JSON.parse(json) as Record<string, unknown>);

export const toAuditEventView = (row: AuditEventRow): AuditEventView => ({
  id: row.id,
  at: row.at,
  actor: { user_id: row.actorUserId, username: row.actorUsername, role: row.actorRole },
  store_id: row.storeId,
  client_address: row.clientAddress,
  request_id: row.requestId,
  action: row.action,
  entity: { type: row.entityType, id: row.entityId },
  before: parseFields(row.before),
  after: parseFields(row.after),
  reason: row.reason,
  approved_by: row.approvedBy,
});

/** The cursor is opaque to clients: base64url of the last event's [at, id]. */
export const encodeCursor = (position: AuditPosition): string =>
  btoa(JSON.stringify([position.at, position.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function decodeCursor(cursor: string): AuditPosition {
  const refused = invalidField(["query", "cursor"], "Not a cursor this list gave out: pass next_cursor as it came");
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw refused;
  const [at, id] = decoded as [unknown, unknown];
  if (typeof at !== "string" || !ISO_INSTANT.test(at) || !Number.isSafeInteger(id)) throw refused;
  return { at, id: id as number };
}

/**
 * `action=product.price.updated` is that action; one ending in a dot
 * (`product.`) is every action it starts, read as the range [prefix, prefix
 * with its last character's successor).
 */
export function actionFilter(action: string): AuditFilter["action"] {
  if (!action.endsWith(".")) return { exact: action };
  const last = action.charCodeAt(action.length - 1);
  return { from: action, below: `${action.slice(0, -1)}${String.fromCharCode(last + 1)}` };
}

/**
 * What a manager sees of the head office's own events, besides the store
 * filter: the records of the business they run (the catalog, customers,
 * transfers, their store's row). A head-office event's store is the store
 * the writer acted on, not necessarily the record's, so people, sign-ins,
 * webhooks and backups (admin matters, whoever's home store the admin has)
 * stay with admins.
 */
export const MANAGER_HEAD_OFFICE_ENTITIES = ["product", "category", "customer", "transfer", "store"] as const;

/**
 * The databases a caller reads (the head office's first) and the stores
 * whose events they may see (absent: every event, store-less ones too).
 */
export async function auditReach(ctx: Ctx, actor: AuthUser): Promise<{ sources: D1Database[]; storeIn?: number[] }> {
  const db = ctx.hq.db;
  if (actor.role === "admin") {
    const stores = await listStores(db);
    return { sources: [ctx.hq.d1, ...stores.map((s) => storeDatabase(ctx.env, s))] };
  }
  const [user, stores, roles] = await Promise.all([userById(db, actor.id), listStores(db), rolesOfUser(db, actor.id)]);
  if (!user) throw new ApiError("UNAUTHORIZED", "User not found");
  const roleAt = new Map<number, Role>(roles.map((r) => [r.storeId, r.role]));
  // Their role at each store, as the request middleware reads it: the home store's on the user, others' in store_roles.
  const mine = stores.filter((s) => {
    const role = s.id === user.homeStoreId ? user.role : roleAt.get(s.id);
    return role !== undefined && hasPermission(role, "audit:read");
  });
  return {
    sources: [ctx.hq.d1, ...mine.map((s) => storeDatabase(ctx.env, s))],
    storeIn: mine.map((s) => s.id),
  };
}

/** Newest first: at DESC, then id DESC (ids are unique across the chain). */
const newestFirst = (a: AuditEventRow, b: AuditEventRow) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1);

/** An instant of the query as the trail writes them (toISOString), so text order is time order. */
function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidField(["query", field], "Must be an ISO 8601 date or date-time");
  return new Date(ms).toISOString();
}

function filterOf(query: AuditQuery): AuditFilter {
  const from = instant(query.from, "from");
  const to = instant(query.to, "to");
  if (from !== undefined && to !== undefined && from >= to) {
    throw invalidField(["query", "to"], "Must be later than from");
  }
  return {
    entityType: query.entity_type,
    entityId: query.entity_id,
    actorUserId: query.actor,
    action: query.action === undefined ? undefined : actionFilter(query.action),
    storeId: query.store_id,
    from,
    to,
  };
}

/** A page of the trail as the caller may see it, newest first. */
export async function listAuditEvents(ctx: Ctx, actor: AuthUser, query: AuditQuery): Promise<AuditPage> {
  const filter = filterOf(query);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const reach = await auditReach(ctx, actor);
  const scoped: AuditFilter = reach.storeIn ? { ...filter, storeIn: reach.storeIn } : filter;
  // Each database's newest limit + 1 after the cursor: the merged page is among them, and one more says there is a next page.
  const headOffice: AuditFilter = reach.storeIn ? { ...scoped, entityTypeIn: MANAGER_HEAD_OFFICE_ENTITIES } : scoped;
  const pages = await mapWithConcurrency(reach.sources, AUDIT_READS_IN_FLIGHT, (d1) =>
    runAlone(auditEventsPage(d1, d1 === ctx.hq.d1 ? headOffice : scoped, after, query.limit + 1)),
  );
  const merged = pages.flat().sort(newestFirst);
  const page = merged.slice(0, query.limit);
  const last = page.at(-1);
  const hasMore = merged.length > query.limit;
  return {
    data: page.map(toAuditEventView),
    limit: query.limit,
    next_cursor: hasMore && last ? encodeCursor(last) : null,
    has_more: hasMore,
  };
}

/** One entity's history: the trail filtered to it. */
export const entityHistory = (
  ctx: Ctx,
  actor: AuthUser,
  entity: { type: string; id: number },
  paging: { cursor?: string | undefined; limit: number },
) => listAuditEvents(ctx, actor, { entity_type: entity.type, entity_id: entity.id, ...paging });
