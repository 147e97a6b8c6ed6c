/**
 * Reading the audit trail of one database (the head office's or a store's;
 * services/audit-trail.ts merges them) and the statements of its retention
 * (jobs/audit-retention.ts). The rows are written by src/audit/record.ts
 * only; the triggers of the audit migrations keep them append-only.
 *
 * Pages are keyset pages, newest first by (at, id): the cursor is the last
 * row's (at, id), so a page never repeats or skips a row however many rows
 * arrive while a client pages.
 */

import { returningRow, returningRows, type Statement, statement } from "./batch";
import { Where } from "./paging";
import type { Row } from "./rows";
import { auditArchive, auditEvents } from "./schema-audit";

export type AuditEventRow = Row<typeof auditEvents>;
export type AuditArchiveRow = Row<typeof auditArchive>;

/** Where a page starts: strictly after (older than) this row. */
export interface AuditPosition {
  at: string;
  id: number;
}

/** What a reader asks of the trail; every field narrows it. */
export interface AuditFilter {
  entityType?: string | undefined;
  entityId?: number | undefined;
  actorUserId?: number | undefined;
  /** One action, or every action in [from, below) (a prefix such as `product.` as a range). */
  action?: { exact: string } | { from: string; below: string } | undefined;
  storeId?: number | undefined;
  /** Only events whose store is one of these (a manager's stores); absent: any store, none too. */
  storeIn?: number[] | undefined;
  /** Only these entity types (a manager's view of the head office's events). */
  entityTypeIn?: readonly string[] | undefined;
  /** ISO instants: from inclusive, to exclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

function whereOf(filter: AuditFilter, after: AuditPosition | undefined): Where {
  const where = new Where();
  if (filter.entityType !== undefined) where.and((p) => `entity_type = ${p}`, filter.entityType);
  if (filter.entityId !== undefined) where.and((p) => `entity_id = ${p}`, filter.entityId);
  if (filter.actorUserId !== undefined) where.and((p) => `actor_user_id = ${p}`, filter.actorUserId);
  const action = filter.action;
  if (action && "exact" in action) where.and((p) => `action = ${p}`, action.exact);
  // A range, not LIKE: D1 refuses LIKE patterns over 50 bytes, and a range uses the action index.
  if (action && "from" in action) {
    where.and((p) => `action >= ${p}`, action.from);
    where.and((p) => `action < ${p}`, action.below);
  }
  if (filter.storeId !== undefined) where.and((p) => `store_id = ${p}`, filter.storeId);
  // One JSON parameter however many stores (D1 binds at most 100 values).
  if (filter.storeIn)
    where.and((p) => `store_id IN (SELECT value FROM json_each(${p}))`, JSON.stringify(filter.storeIn));
  if (filter.entityTypeIn)
    where.and((p) => `entity_type IN (SELECT value FROM json_each(${p}))`, JSON.stringify(filter.entityTypeIn));
  if (filter.from !== undefined) where.and((p) => `at >= ${p}`, filter.from);
  if (filter.to !== undefined) where.and((p) => `at < ${p}`, filter.to);
  if (after) {
    const at = where.bind(after.at);
    const id = where.bind(after.id);
    where.and(`(at < ${at} OR (at = ${at} AND id < ${id}))`);
  }
  return where;
}

/** Up to `limit` events of one database matching `filter`, newest first, after the cursor `after`. */
export function auditEventsPage(
  d1: D1Database,
  filter: AuditFilter,
  after: AuditPosition | undefined,
  limit: number,
): Statement<AuditEventRow[]> {
  const where = whereOf(filter, after);
  const n = where.params.length;
  return returningRows(
    auditEvents,
    d1
      .prepare(`SELECT * FROM audit_events ${where.clause} ORDER BY at DESC, id DESC LIMIT ?${n + 1}`)
      .bind(...where.params, limit),
  );
}

/**
 * The database's archive mark, and its oldest event not archived yet that is
 * older than `cutoff` (null: nothing to archive).
 */
export function retentionProbe(
  d1: D1Database,
  cutoff: string,
): Statement<{ archivedBefore: string; lastHash: string; oldest: string | null } | undefined> {
  return {
    prepared: d1
      .prepare(
        `SELECT archived_before, last_hash,
                (SELECT MIN(at) FROM audit_events WHERE at >= a.archived_before AND at < ?1) AS oldest
           FROM audit_archive a WHERE id = 1`,
      )
      .bind(cutoff),
    decode: (result) => {
      const row = result.results[0] as
        | { archived_before: string; last_hash: string; oldest: string | null }
        | undefined;
      return row && { archivedBefore: row.archived_before, lastHash: row.last_hash, oldest: row.oldest };
    },
  };
}

/**
 * Up to `limit` raw rows (as D1 stores them: what the backup writes) of the
 * events in [from, below), oldest first by (at, id), after `after`.
 */
export function auditRowsBetween(
  d1: D1Database,
  range: { from: string; below: string },
  after: AuditPosition | undefined,
  limit: number,
): Statement<Record<string, unknown>[]> {
  const cursor = after ? "AND (at > ?4 OR (at = ?4 AND id > ?5))" : "";
  return {
    prepared: d1
      .prepare(`SELECT * FROM audit_events WHERE at >= ?1 AND at < ?2 ${cursor} ORDER BY at, id LIMIT ?3`)
      .bind(range.from, range.below, limit, ...(after ? [after.at, after.id] : [])),
    decode: (result) => result.results as Record<string, unknown>[],
  };
}

/**
 * Moves the archive mark to `archivedBefore` with the chain's new tip, only
 * if the mark is still where the run found it and the events between the
 * two marks are exactly the `archived` the run wrote to R2 (an event that
 * arrived since with an old time, or a second run at once, leaves the mark
 * where it was, and the DELETE after it then matches nothing).
 */
export function advanceArchiveMark(
  d1: D1Database,
  found: { archivedBefore: string; lastHash: string },
  next: { archivedBefore: string; lastHash: string; archived: number; at: string },
): Statement<AuditArchiveRow | undefined> {
  return returningRow(
    auditArchive,
    d1
      .prepare(
        `UPDATE audit_archive SET archived_before = ?1, last_hash = ?2, updated_at = ?3
          WHERE id = 1 AND archived_before = ?4 AND last_hash = ?5
            AND (SELECT COUNT(*) FROM audit_events WHERE at >= ?4 AND at < ?1) = ?6
          RETURNING *`,
      )
      .bind(next.archivedBefore, next.lastHash, next.at, found.archivedBefore, found.lastHash, next.archived),
  );
}

/**
 * Deletes the events between the mark the run found and the mark as it is
 * now: what the run archived, or nothing when the mark did not move. (An
 * event below the old mark, which no run archived, stays; the triggers
 * refuse anything above the mark.)
 */
export const deleteArchivedEvents = (d1: D1Database, found: { archivedBefore: string }) =>
  statement(
    d1
      .prepare(
        "DELETE FROM audit_events WHERE at >= ?1 AND at < (SELECT archived_before FROM audit_archive WHERE id = 1)",
      )
      .bind(found.archivedBefore),
  );
