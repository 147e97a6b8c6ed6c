/**
 * The webhook part of the five-minute sweep (jobs/outbox-sweep.ts): what no
 * message will bring to the consumer is enqueued again, a bounded number per
 * run (the next run takes the rest):
 * - pending deliveries overdue by more than a few minutes: their batch
 *   committed but the enqueue after it never happened (a crash), or the
 *   message was lost;
 * - sending deliveries whose lease expired: the consumer died mid-attempt
 *   (they count that attempt and go back to pending, due now).
 * A message that was only late finds its delivery claimed by whichever
 * arrives first; the other does nothing.
 */
import { overduePending, reclaimExpiredLeases } from "../db/webhook-deliveries";
import type { Bindings } from "../env";
import { enqueueDeliveries } from "./queue";

/** A pending delivery is only overdue this long after its time (the normal enqueue is not raced). */
export const OVERDUE_AFTER_MS = 3 * 60_000;
/** At most this many of each kind per run. */
export const SWEEP_LIMIT = 500;

export async function sweepWebhookDeliveries(
  env: Pick<Bindings, "DB" | "WEBHOOKS_QUEUE">,
  now: Date = new Date(),
): Promise<{ overdue: number; reclaimed: number }> {
  const reclaimed = await reclaimExpiredLeases(env.DB, now.toISOString(), SWEEP_LIMIT);
  const overdue = await overduePending(env.DB, new Date(now.getTime() - OVERDUE_AFTER_MS).toISOString(), SWEEP_LIMIT);
  await enqueueDeliveries(env, [...new Set([...overdue, ...reclaimed])]);
  return { overdue: overdue.length, reclaimed: reclaimed.length };
}
