/**
 * The head office's record of the store events it applied (`applied_events`,
 * primary key `event_id`). The record is the first statement of the batch
 * that applies an event, so a second delivery fails on it and changes nothing.
 */

/** Records `event_id` as applied; fails (PRIMARY KEY) when it already was. */
export const recordApplied = (
  d1: D1Database,
  event: { eventId: string; storeId: number; type: string },
  now: string,
): D1PreparedStatement =>
  d1
    .prepare("INSERT INTO applied_events (event_id, store_id, type, applied_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(event.eventId, event.storeId, event.type, now);

/** Whether the event was applied already. */
export const wasApplied = async (d1: D1Database, eventId: string): Promise<boolean> =>
  (await d1.prepare("SELECT 1 AS found FROM applied_events WHERE event_id = ?1").bind(eventId).first()) !== null;

/** Which of `eventIds` were applied already (one query however many). */
export async function appliedAmong(d1: D1Database, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { results } = await d1
    .prepare("SELECT event_id FROM applied_events WHERE event_id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(eventIds))
    .all<{ event_id: string }>();
  return new Set(results.map((row) => row.event_id));
}
