/**
 * `GET /events` (README "Events feed"): the events webhooks deliver, as a
 * feed for systems that prefer pulling. Oldest first in the order the head
 * office recorded them; a client keeps the `next_cursor` of its last page and
 * asks again with it as `after` to get what arrived since, so each event is
 * seen once, none skipped. An event's `id` is the `data.event_id` of its
 * webhook deliveries, so a system using both can drop what it already has.
 */
import { type FeedRow, feedPage } from "../db/events-feed";
import type { EventType } from "../events/types";
import { invalidField } from "../lib/errors";
import type { ServiceContext } from "./context";

export interface FeedQuery {
  after?: string | undefined;
  types?: readonly string[] | undefined;
  limit: number;
}

export interface FeedItem {
  id: number;
  type: EventType;
  /** The store it happened at (null: the head office). */
  store_id: number | null;
  resource: { type: string; id: number; version: number | null };
  /** The resource as the API returned it when the head office recorded the event. */
  data: unknown;
  occurred_at: string;
  recorded_at: string;
}

export interface FeedPage {
  data: FeedItem[];
  /** Pass as `after` for the next page (and, on the last page, to poll for what comes next); null: the feed is empty. */
  next_cursor: string | null;
  has_more: boolean;
}

const toItem = (row: FeedRow): FeedItem => ({
  id: row.id,
  // Only events/record.ts writes the feed, with an EventType.
  type: row.type as EventType,
  store_id: row.store_id,
  resource: { type: row.resource_type, id: row.resource_id, version: row.resource_version },
  data: JSON.parse(row.payload) as unknown,
  occurred_at: row.occurred_at,
  recorded_at: row.recorded_at,
});

const CURSOR = /^(0|[1-9][0-9]{0,15})$/;

const badCursor = (msg: string) => invalidField(["query", "after"], msg);

/** The event id a cursor stands for; 422 for one this feed never gave out. */
function cursorId(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!CURSOR.test(after))
    throw badCursor("Not a cursor of this feed: pass a next_cursor (an event id) as it was given");
  const id = Number(after);
  if (!Number.isSafeInteger(id)) throw badCursor("Not a cursor of this feed");
  return id;
}

export async function readFeedPage(ctx: Pick<ServiceContext, "hqPrimary">, query: FeedQuery): Promise<FeedPage> {
  const afterId = cursorId(query.after);
  // One more than asked: whether another page follows, without a count. From the primary: a
  // replica behind it would not have the events a poller's last page (read anywhere) ended on.
  const { rows, newestId } = await feedPage(ctx.hqPrimary, { afterId, types: query.types, limit: query.limit + 1 });
  // Ids only grow, so a cursor past the newest event was never given out (a mistyped or foreign one).
  if (afterId > newestId) throw badCursor(`Unknown cursor: the feed's newest event is ${newestId}`);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(toItem),
    next_cursor: last ? String(last.id) : afterId > 0 ? String(afterId) : null,
    has_more: rows.length > query.limit,
  };
}
