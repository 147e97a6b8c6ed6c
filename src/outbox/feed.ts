/**
 * What the events feed records for a store event (README "Events feed"):
 * for each event of a type other systems hear about (events/types.ts), the
 * resource as the API returns it, read from the store's database by the head
 * office when it applies the event (outbox/apply.ts records it in the same
 * batch). The outbox row itself stays small (ids and what the head office
 * needs): a trigger cannot render an order view, and a view copied into every
 * outbox row would weigh on the store's hottest batches.
 *
 * So the payload is the resource as it was when the head office recorded the
 * event, which may be later than the change itself (a refund applied a
 * minute after the sale shows the refunded order): `occurred_at` says when
 * it happened, the resource's `version` (when it has one) which state the
 * receiver saw, and a receiver that needs the very latest reads the resource.
 *
 * Reads are per queue batch: the events already applied are left out in one
 * query (a replay reads nothing), each store's row is read once, and the
 * events' resources are read in parallel (at most ~5 queries each).
 */
import { appliedAmong } from "../db/applied-events";
import { dbFor } from "../db/client";
import { findLog } from "../db/inventory";
import { findPaymentWithOwner } from "../db/payments";
import { findShiftRow } from "../db/shifts";
import { findStore } from "../db/stores";
import type { Bindings } from "../env";
import type { EventRecord } from "../events/record";
import { type EventType, isEventType } from "../events/types";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { createServiceContext, type ServiceContext } from "../services/context";
import { toLogView } from "../services/inventory";
import { loadOrder } from "../services/orders-read";
import { toPaymentShiftView } from "../services/payments-view";
import { productsAtStore } from "../services/products";
import { refundResult } from "../services/refunds";
import { toShiftView } from "../services/shifts-view";
import { scopeOf } from "../stores/scope";
import type { StoreEventMessage } from "./send";

/** The resource an event is about, as the API shows it. */
interface Resource {
  type: string;
  id: number;
  version: number | null;
  view: unknown;
}

/** Who the feed reads a shift as: a receiver of the owner's systems sees what an admin sees (expected cash too). */
const FEED_VIEWER = { role: "admin" } as const;

function idIn(payload: Record<string, unknown>, field: string): number | null {
  const value = payload[field];
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

/** A refund's view, or null when it is not there (refundResult says so with a 404). */
async function refundView(ctx: ServiceContext, id: number) {
  try {
    return await refundResult(ctx, id);
  } catch (error) {
    if (error instanceof ApiError && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

/** The event's resource read in its store; null when the payload names none or the row is gone. */
async function readResource(ctx: ServiceContext, type: EventType, payload: Record<string, unknown>) {
  const resource = async (kind: string, field: string, read: (id: number) => Promise<unknown>) => {
    const id = idIn(payload, field);
    if (id === null) return null;
    const view = await read(id);
    return view ? { type: kind, id, version: null, view } : null;
  };
  switch (type) {
    case "order.created":
    case "order.completed":
    case "order.cancelled":
      return resource("order", "order_id", async (id) => (await loadOrder(ctx, { id }))?.view);
    case "payment.completed":
      return resource("payment", "payment_id", async (id) => {
        const found = await findPaymentWithOwner(ctx.store.db, id);
        return found && toPaymentShiftView(found.payment, found.tender);
      });
    case "refund.created":
      return resource("refund", "refund_id", (id) => refundView(ctx, id));
    case "inventory.adjusted":
      return resource("inventory_log", "log_id", async (id) => {
        const row = await findLog(ctx.store.db, id);
        return row && toLogView(row);
      });
    case "stock.low": {
      // The product as this store sees it: its own stock and minimum, the catalog's version.
      const id = idIn(payload, "product_id");
      const view = id === null ? undefined : (await productsAtStore(ctx, [id])).get(id);
      return view ? { type: "product", id: view.id, version: view.version, view } : null;
    }
    case "shift.opened":
    case "shift.closed":
      return resource("shift", "shift_id", async (id) => {
        const row = await findShiftRow(ctx.store.d1, id);
        return row && toShiftView(row, ctx.store.id, FEED_VIEWER);
      });
    default:
      // customer.* and transfer.* are head-office writes, recorded where they happen.
      return null;
  }
}

/** The feed records of a batch of store events, by event id; a failed read fails its event only. */
export interface FeedReads {
  /** The record to write with `event` (null: nothing for the feed); throws when its read failed, so it is retried. */
  recordOf(event: StoreEventMessage): EventRecord | null;
}

const NOTHING: FeedReads = { recordOf: () => null };

/** The service context of each store the events came from, built once per store (null: no such store here). */
async function storeContexts(env: Bindings, storeIds: number[]): Promise<Map<number, ServiceContext | null>> {
  const hq = dbFor(env.DB);
  const entries = await Promise.all(
    [...new Set(storeIds)].map(async (id): Promise<[number, ServiceContext | null]> => {
      const store = await findStore(hq, id);
      return [id, store ? createServiceContext(env, { store: scopeOf(env, store) }) : null];
    }),
  );
  return new Map(entries);
}

/**
 * Reads what the feed records for each of `events` not applied yet whose type
 * is a webhook event type (order.changed, for one, is not). Never throws: a
 * failed read fails only the events that needed it (their `recordOf`
 * throws, so the consumer retries them), and the others still apply.
 */
export async function readFeed(env: Bindings, events: readonly (StoreEventMessage | null)[]): Promise<FeedReads> {
  const candidates = events.filter((e): e is StoreEventMessage => e !== null && isEventType(e.type));
  if (candidates.length === 0) return NOTHING;
  try {
    return await readCandidates(env, candidates);
  } catch (error) {
    return {
      recordOf: (event) => {
        if (isEventType(event.type)) throw error;
        return null;
      },
    };
  }
}

async function readCandidates(env: Bindings, candidates: StoreEventMessage[]): Promise<FeedReads> {
  const applied = await appliedAmong(
    env.DB,
    candidates.map((e) => e.event_id),
  );
  const fresh = candidates.filter((e) => !applied.has(e.event_id));
  if (fresh.length === 0) return NOTHING;
  const contexts = await storeContexts(
    env,
    fresh.map((e) => e.store_id),
  );
  const read = new Map<string, EventRecord | null | { failed: unknown }>();
  await Promise.all(
    fresh.map(async (event) => {
      const ctx = contexts.get(event.store_id);
      const type = event.type as EventType;
      try {
        const resource: Resource | null = ctx ? await readResource(ctx, type, event.payload) : null;
        if (!resource) {
          log(env, "warn", "store event's resource not found; not recorded in the feed", {
            event_id: event.event_id,
            store_id: event.store_id,
          });
        }
        read.set(event.event_id, resource && feedRecord(event, type, resource));
      } catch (error) {
        read.set(event.event_id, { failed: error });
      }
    }),
  );
  return {
    recordOf(event) {
      const found = read.get(event.event_id);
      if (found && "failed" in found) throw found.failed;
      return found ?? null;
    },
  };
}

const feedRecord = (event: StoreEventMessage, type: EventType, resource: Resource): EventRecord => ({
  key: event.event_id,
  type,
  storeId: event.store_id,
  resourceType: resource.type,
  resourceId: resource.id,
  resourceVersion: resource.version,
  payload: resource.view,
  occurredAt: event.created_at,
});
