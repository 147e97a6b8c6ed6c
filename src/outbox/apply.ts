/**
 * The head office's side of the store outbox: the consumer of the events
 * queue. Each event is applied in one head-office batch whose first statement
 * records its id in `applied_events` (primary key): a second delivery, from a
 * retry, a sweep racing the post-commit send, or a test replaying it, fails
 * on that statement and changes nothing, so each effect happens once.
 *
 *   order.completed  the customer's total_spent += total, points += earned
 *   order.cancelled  points redeemed on the order come back
 *   refund.created   points the refund takes back (as far as the customer
 *                    still has them; the ledger says what could not be) and,
 *                    when the order had completed, the money off total_spent
 *   order.created,   the order's row in the order index (db/order-index.ts),
 *   order.changed    every order's, with or without a customer; a snapshot
 *                    older (by `seq`) than the row's leaves it as it is
 *
 * Any other event without a customer changes nothing but is recorded all the same.
 *
 * Every event of a webhook type (events/types.ts: not order.changed) is also
 * recorded in the events feed, in the same batch as its effects (so a
 * waiting event is recorded once it applies, and a replay, refused by
 * `applied_events`, records nothing), with the resource its store holds
 * (outbox/feed.ts); after the batch commits, its webhook deliveries are
 * enqueued (a lost enqueue leaves them pending for the webhook sweep).
 */
import { recordApplied, wasApplied } from "../db/applied-events";
import { type CustomerEvent, creditCompletedOrder, returnCancelledRedemption, reverseRefund } from "../db/loyalty";
import { orderSnapshotOf, upsertOrderSnapshots } from "../db/order-index";
import type { Bindings } from "../env";
import { type EventRecord, recordEventStatements } from "../events/record";
import { backoffSeconds } from "../lib/backoff";
import { log } from "../lib/log";
import { refreshClosedDays } from "../services/rollups";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import { readFeed } from "./feed";
import type { StoreEventMessage } from "./send";

/** The queues of wrangler.toml this module consumes. */
export const EVENTS_QUEUE = "pos-events";
export const EVENTS_DEAD_LETTER_QUEUE = "pos-events-dlq";

/**
 * applied: this call applied it; already_applied: an earlier delivery did;
 * waiting: it depends on an event not applied yet (a refund of a completed
 * order before that order's completion), to be delivered again later.
 */
export type ApplyOutcome = "applied" | "already_applied" | "waiting";

/** A message body that is not a store event (it is recorded as a dead letter, never applied). */
export class MalformedEvent extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The body as a store event, or null when it is not one. */
export function asStoreEvent(body: unknown): StoreEventMessage | null {
  if (!isRecord(body)) return null;
  const { event_id, type, store_id, payload, created_at } = body;
  if (typeof event_id !== "string" || typeof type !== "string" || typeof store_id !== "number") return null;
  if (!isRecord(payload) || typeof created_at !== "string") return null;
  const seq = typeof body.seq === "number" && Number.isSafeInteger(body.seq) ? body.seq : undefined;
  return { event_id, type, store_id, payload, created_at, ...(seq === undefined ? {} : { seq }) };
}

function integer(payload: Record<string, unknown>, field: string): number {
  const value = payload[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new MalformedEvent(`${field} is not an integer (${JSON.stringify(value)})`);
  }
  return value;
}

/** What the event does to a customer, and the event it must follow (if any). */
interface Effects {
  statements: D1PreparedStatement[];
  /** Applied only once this event id has been. */
  after?: string;
}

/** The order index's row for an order event's snapshot (a message without seq: 0, so any later snapshot wins). */
function indexEffects(hq: D1Database, event: StoreEventMessage, now: string): Effects {
  const snapshot = orderSnapshotOf(event.payload, event.store_id, event.seq ?? 0);
  if ("problem" in snapshot) throw new MalformedEvent(snapshot.problem);
  return { statements: [upsertOrderSnapshots(hq, [snapshot], now)] };
}

function effectsOf(hq: D1Database, event: StoreEventMessage, now: string): Effects {
  // Indexed for every order; the loyalty effects below are for orders with a customer.
  if (event.type === "order.created" || event.type === "order.changed") return indexEffects(hq, event, now);
  const p = event.payload;
  if (p.customer_id === null || p.customer_id === undefined) return { statements: [] };
  const customer: CustomerEvent = {
    customerId: integer(p, "customer_id"),
    orderId: integer(p, "order_id"),
    orderNumber: String(p.order_number ?? ""),
    userId: typeof p.user_id === "number" ? p.user_id : null,
    at: typeof p.at === "string" ? p.at : event.created_at,
    now,
  };
  switch (event.type) {
    case "order.completed":
      return {
        statements: creditCompletedOrder(hq, {
          ...customer,
          total: integer(p, "total"),
          pointsEarned: integer(p, "points_earned"),
        }),
      };
    case "order.cancelled": {
      const points = integer(p, "points_redeemed");
      return { statements: points > 0 ? returnCancelledRedemption(hq, { ...customer, points }) : [] };
    }
    case "refund.created": {
      // Absent from events written before the field existed: those were refunds of completed orders.
      const reversesSpend = p.was_completed !== 0 && p.was_completed !== false;
      return {
        statements: reverseRefund(hq, {
          ...customer,
          amount: integer(p, "amount"),
          points: integer(p, "points_reversed"),
          reversesSpend,
        }),
        // What it takes back must have been given first: the order's completion.
        ...(reversesSpend ? { after: `order.completed:${customer.orderId}` } : {}),
      };
    }
    default:
      // A type this Worker does not know (a newer store schema): recorded, nothing applied.
      return { statements: [] };
  }
}

/**
 * Applies one store event to the head office, at most once per event id;
 * `feed` (outbox/feed.ts's read of it) goes into the events feed in the same
 * batch. Without one, nothing is recorded in the feed: only for callers that
 * replay history no receiver should hear of (the seed).
 */
export async function applyStoreEvent(
  hq: D1Database,
  event: StoreEventMessage,
  now: Date = new Date(),
  feed: EventRecord | null = null,
): Promise<ApplyOutcome> {
  const at = now.toISOString();
  const effects = effectsOf(hq, event, at);
  if (effects.after && !(await wasApplied(hq, effects.after))) {
    // Checked for the waiting case only: a twin recording it meanwhile is caught by the batch below.
    return (await wasApplied(hq, event.event_id)) ? "already_applied" : "waiting";
  }
  const record = recordApplied(hq, { eventId: event.event_id, storeId: event.store_id, type: event.type }, at);
  try {
    const recorded = feed ? recordEventStatements(hq, feed, at) : [];
    await hq.batch([record, ...effects.statements, ...recorded]);
    return "applied";
  } catch (error) {
    // The record's PRIMARY KEY refused it: an earlier delivery applied it. Anything else is retried.
    if (await wasApplied(hq, event.event_id)) return "already_applied";
    throw error;
  }
}

/** Enqueues the webhook deliveries of the events these calls recorded (after their batches committed). */
async function announce(env: Bindings, keys: string[]): Promise<void> {
  try {
    await enqueueDeliveriesOf(env, env.DB, keys);
  } catch (error) {
    // Committed already: the deliveries stay pending and the webhook sweep sends them.
    log(env, "warn", "webhook deliveries not enqueued; left to the sweep", {
      events: keys.length,
      error: reasonOf(error),
    });
  }
}

/**
 * Applies `event` with its feed record (read now) and enqueues its webhook
 * deliveries: the whole path of one event, for callers outside the queue
 * (tests that settle the outbox by hand).
 */
export async function applyAndRecord(env: Bindings, event: StoreEventMessage, now = new Date()): Promise<ApplyOutcome> {
  const feed = (await readFeed(env, [event])).recordOf(event);
  const outcome = await applyStoreEvent(env.DB, event, now, feed);
  if (outcome === "applied" && feed) await announce(env, [feed.key]);
  return outcome;
}

/** Where a dead letter is kept (R2): what it said, why it died, when. Replayable by hand. */
const deadLetterKey = (event: StoreEventMessage | null, messageId: string) =>
  `dead-letters/${EVENTS_QUEUE}/${event ? `store-${event.store_id}/${event.event_id}` : `malformed/${messageId}`}.json`;

async function recordDeadLetter(env: Bindings, message: Message<unknown>, reason: string): Promise<void> {
  const event = asStoreEvent(message.body);
  const key = deadLetterKey(event, message.id);
  await env.FILES.put(
    key,
    JSON.stringify({ body: message.body, reason, attempts: message.attempts, at: new Date().toISOString() }),
    { httpMetadata: { contentType: "application/json" } },
  );
  log(env, "error", "store event not applied; kept as a dead letter", {
    key,
    event_id: event?.event_id,
    reason,
  });
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * The events queue: each message acked once applied (or found applied), retried otherwise.
 * Once applied, the closed days it changed get their rollups rebuilt
 * (services/rollups.ts); a failed rebuild retries the message, whose second
 * delivery finds the event applied and rebuilds again.
 */
export async function handleStoreEvents(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const events = batch.messages.map((message) => asStoreEvent(message.body));
  // The whole batch's resources in parallel, before any is applied: a few round trips, not one per message.
  const feed = await readFeed(env, events);
  const recorded: string[] = [];
  for (const [i, message] of batch.messages.entries()) {
    const event = events[i] ?? null;
    try {
      if (!event) throw new MalformedEvent("not a store event");
      const record = feed.recordOf(event);
      const outcome = await applyStoreEvent(env.DB, event, new Date(), record);
      if (outcome === "applied" && record) recorded.push(record.key);
      if (outcome === "waiting") {
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
        continue;
      }
      await refreshClosedDays(env, event);
      message.ack();
    } catch (error) {
      if (error instanceof MalformedEvent) {
        // Retrying cannot make it well formed: keep it where an admin can see it.
        await recordDeadLetter(env, message, reasonOf(error));
        message.ack();
        continue;
      }
      log(env, "warn", "store event not applied; will retry", {
        event_id: event?.event_id,
        attempts: message.attempts,
        error: reasonOf(error),
      });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
  await announce(env, recorded);
}

/**
 * The dead-letter queue: one last try (most waited for an event that has
 * arrived since), else the message is kept in R2 and logged. It is acked only
 * once kept: a failing R2 write leaves it on the queue.
 */
export async function handleDeadStoreEvents(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    const event = asStoreEvent(message.body);
    let reason = "not a store event";
    if (event) {
      try {
        const outcome = await applyAndRecord(env, event);
        if (outcome !== "waiting") {
          await refreshClosedDays(env, event);
          message.ack();
          continue;
        }
        reason = "still waiting for an earlier event after every retry";
      } catch (error) {
        reason = reasonOf(error);
      }
    }
    try {
      await recordDeadLetter(env, message, reason);
      message.ack();
    } catch (error) {
      log(env, "error", "dead store event could not be kept; left on the queue", { error: reasonOf(error) });
      message.retry();
    }
  }
}
