/**
 * Reading the events feed (head office `events`, written by
 * events/record.ts only): keyset pages in the order the head office recorded
 * the events, oldest first. The cursor is an event's id: ids only grow (one
 * writer, AUTOINCREMENT), so a page after id N never repeats or skips an
 * event however many arrive while a client pages.
 */

/** One feed row as D1 stores it. */
export interface FeedRow {
  id: number;
  event_key: string;
  type: string;
  store_id: number | null;
  resource_type: string;
  resource_id: number;
  resource_version: number | null;
  payload: string;
  occurred_at: string;
  recorded_at: string;
}

export interface FeedQuery {
  /** Strictly after this event id (0: from the start). */
  afterId: number;
  /** Only these types (absent: every type). */
  types?: readonly string[] | undefined;
  limit: number;
}

/**
 * Up to `limit` events after `afterId`, with the newest event id of the
 * whole feed (to tell a cursor the feed never gave out), in one round trip.
 */
export async function feedPage(d1: D1Database, query: FeedQuery): Promise<{ rows: FeedRow[]; newestId: number }> {
  const columns =
    "id, event_key, type, store_id, resource_type, resource_id, resource_version, payload, occurred_at, recorded_at";
  const page = query.types
    ? d1
        .prepare(
          `SELECT ${columns} FROM events
           WHERE id > ?1 AND type IN (SELECT value FROM json_each(?2)) ORDER BY id LIMIT ?3`,
        )
        .bind(query.afterId, JSON.stringify(query.types), query.limit)
    : d1.prepare(`SELECT ${columns} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2`).bind(query.afterId, query.limit);
  const [rows, newest] = await d1.batch([page, d1.prepare("SELECT COALESCE(MAX(id), 0) AS newest FROM events")]);
  return {
    rows: (rows?.results ?? []) as FeedRow[],
    newestId: (newest?.results[0] as { newest: number } | undefined)?.newest ?? 0,
  };
}
