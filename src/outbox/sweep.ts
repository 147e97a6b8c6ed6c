/**
 * The outbox sweep for one store: what a lost send left behind (the Worker
 * stopped between the commit and the send, the queue refused the send) goes
 * out now. Rows younger than `settleMs` are left to the send that follows
 * their commit; sending one twice would only cost a message (the head office
 * applies each event id once).
 */
import type { Bindings } from "../env";
import { SEND_LIMIT, sendOutbox } from "./send";

export interface SweepOptions {
  /** Rows younger than this are not swept (default one minute). */
  settleMs?: number;
  /** At most this many sends of 100 per run (default 20): a huge backlog drains over several runs. */
  maxPages?: number;
}

/** Sends the store's unsent outbox rows older than `settleMs`; returns how many went. */
export async function sweepOutbox(
  env: Pick<Bindings, "EVENTS_QUEUE">,
  store: { id: number; d1: D1Database },
  now: Date,
  options: SweepOptions = {},
): Promise<number> {
  const createdBefore = new Date(now.getTime() - (options.settleMs ?? 60_000)).toISOString();
  const maxPages = options.maxPages ?? 20;
  let sent = 0;
  for (let page = 0; page < maxPages; page++) {
    const went = await sendOutbox(env, store, now, createdBefore);
    sent += went;
    if (went < SEND_LIMIT) break;
  }
  return sent;
}
