/**
 * Sending a store's outbox: the rows its batches wrote (points and total
 * spent on completion, cancels, refunds: the store schema's triggers) go to
 * the events queue, then are marked sent. Called after a commit (deferred,
 * after the response) and by the outbox sweep for what a lost send left.
 * Two senders racing may send a row twice: the head office applies each
 * event id once (outbox/apply.ts), so that costs a message, never an effect.
 */
import type { Bindings } from "../env";

/** What travels on the events queue. */
export interface StoreEventMessage {
  event_id: string;
  type: string;
  store_id: number;
  payload: Record<string, unknown>;
  created_at: string;
  /**
   * The outbox row's id: increasing in commit order within its store, so the
   * head office can tell the newer of two snapshots of one order. Absent from
   * messages sent before it existed.
   */
  seq?: number;
}

/** Rows per send: a queue batch takes at most 100 messages. */
export const SEND_LIMIT = 100;

/**
 * Sends up to 100 unsent rows of the store's outbox, oldest first, and marks
 * them sent; returns how many went. `createdBefore` (an ISO time) leaves out
 * rows newer than that: the sweep's way of not racing the send that follows
 * each commit.
 */
export async function sendOutbox(
  env: Pick<Bindings, "EVENTS_QUEUE">,
  store: { id: number; d1: D1Database },
  now: Date = new Date(),
  createdBefore?: string,
): Promise<number> {
  const { results } = await store.d1
    .prepare(
      `SELECT id, event_id, type, payload, created_at FROM outbox
       WHERE sent_at IS NULL AND (?2 IS NULL OR created_at < ?2) ORDER BY id LIMIT ?1`,
    )
    .bind(SEND_LIMIT, createdBefore ?? null)
    .all<{ id: number; event_id: string; type: string; payload: string; created_at: string }>();
  if (results.length === 0) return 0;
  await env.EVENTS_QUEUE.sendBatch(
    results.map((row) => ({
      body: {
        event_id: row.event_id,
        type: row.type,
        store_id: store.id,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
        created_at: row.created_at,
        seq: row.id,
      } satisfies StoreEventMessage,
      contentType: "json" as const,
    })),
  );
  await store.d1
    .prepare("UPDATE outbox SET sent_at = ?1 WHERE id IN (SELECT value FROM json_each(?2)) AND sent_at IS NULL")
    .bind(now.toISOString(), JSON.stringify(results.map((row) => row.id)))
    .run();
  return results.length;
}
