/**
 * Customers' points and total spent lag a sale until the store's outbox is
 * applied at the head office (README "Stores"). Tests that assert them call
 * `settleStoreEvents()` first: it applies every store's outbox rows through
 * the consumer's own function, as the queue would, and marks them sent.
 */
import { env } from "cloudflare:workers";
import { type ApplyOutcome, applyAndRecord } from "../../src/outbox/apply";
import type { StoreEventMessage } from "../../src/outbox/send";
import { refreshClosedDays } from "../../src/services/rollups";
import { MAIN_STORE, SECOND_STORE, storeDb } from "./stores";

interface OutboxRow {
  id: number;
  event_id: string;
  type: string;
  payload: string;
  created_at: string;
  sent_at: string | null;
}

/** A store's outbox rows, oldest first (sent or not). */
export const outboxRows = async (storeId: number): Promise<OutboxRow[]> =>
  (await storeDb(storeId).prepare("SELECT * FROM outbox ORDER BY id").all<OutboxRow>()).results;

/** An outbox row as the queue carries it (src/outbox/send.ts). */
export const asMessage = (storeId: number, row: OutboxRow): StoreEventMessage => ({
  event_id: row.event_id,
  type: row.type,
  store_id: storeId,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  created_at: row.created_at,
  seq: row.id,
});

/**
 * Per store, the outbox row id up to which every row is known to be applied
 * (this file's storage: module state lives as long as it). Rows above it are
 * read; those the head office already applied (the real queue got there
 * first) are skipped; so a long test that settles after every step (the
 * sequence property test) does not re-apply its whole history each time.
 */
const settledUpTo = new Map<number, number>();

/** What the head office has applied of a store's events. */
const appliedEventIds = async (storeId: number): Promise<Set<string>> =>
  new Set(
    (
      await env.DB.prepare("SELECT event_id FROM applied_events WHERE store_id = ?1")
        .bind(storeId)
        .all<{ event_id: string }>()
    ).results.map((row) => row.event_id),
  );

/**
 * Applies every outbox row of `storeId` not applied yet (idempotent by event
 * id); returns each applied row's outcome.
 */
export async function applyStoreOutbox(storeId: number): Promise<Map<string, ApplyOutcome>> {
  const outcomes = new Map<string, ApplyOutcome>();
  const since = settledUpTo.get(storeId) ?? 0;
  const fresh = (
    await storeDb(storeId).prepare("SELECT * FROM outbox WHERE id > ?1 ORDER BY id").bind(since).all<OutboxRow>()
  ).results;
  const lastRead = fresh.at(-1)?.id ?? since;
  const applied = fresh.length ? await appliedEventIds(storeId) : new Set<string>();
  let rows = fresh.filter((row) => !applied.has(row.event_id));
  // Oldest first, so an order's completion comes before its refunds; a second
  // pass takes what still waited (there should be none).
  for (let pass = 0; pass < 2 && rows.length; pass++) {
    const waiting: OutboxRow[] = [];
    for (const row of rows) {
      const message = asMessage(storeId, row);
      // With its events-feed record, as the consumer applies it (a replay by the real queue then records nothing).
      const outcome = await applyAndRecord(env, message);
      outcomes.set(row.event_id, outcome);
      // As the queue consumer does: a closed day the event changed gets its rollup rebuilt.
      if (outcome !== "waiting") await refreshClosedDays(env, message);
      if (outcome === "waiting") waiting.push(row);
    }
    rows = waiting;
  }
  if (rows.length) throw new Error(`store ${storeId} events still waiting: ${rows.map((r) => r.event_id).join(", ")}`);
  settledUpTo.set(storeId, lastRead);
  await storeDb(storeId)
    // Only what was applied: a row written meanwhile stays for the next call (or the queue).
    .prepare("UPDATE outbox SET sent_at = ?1 WHERE sent_at IS NULL AND id <= ?2")
    .bind(new Date().toISOString(), lastRead)
    .run();
  return outcomes;
}

/** Applies every store's outbox to the head office (MAIN and EAST), as the events queue would. */
export async function settleStoreEvents(): Promise<void> {
  for (const storeId of [MAIN_STORE.id, SECOND_STORE.id]) await applyStoreOutbox(storeId);
}
