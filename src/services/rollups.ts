/**
 * Daily rollups: a store's local day of figures kept at the head office for
 * the chain-wide reports (services/reports-chain.ts). A rollup is always
 * rebuilt whole from the store's database (db/rollups.ts reads it with the
 * reports' own statements over the day's instants, so it says what the live
 * report of that day says) and written in ONE head-office batch that replaces
 * the store-day's rows in the five tables: rebuilding is idempotent.
 *
 * Who writes them: the daily job (each store's yesterday), `npm run
 * rollups:rebuild` (any range), and `refreshClosedDays` when the head office
 * applies a store event that changes a day that already has a rollup (a late
 * payment, cancel or refund of an order from a closed day).
 *
 * Two rebuilds of one day may race (a late event's refresh and the job): each
 * notes the store's newest outbox row when it read, and after writing looks
 * for newer rows about that day; if there are, it reads and writes again, so
 * the last write is never older than the last event about the day.
 */
import { Batch, runAlone } from "../db/batch";
import { dbFor } from "../db/client";
import {
  addStoreFigures,
  laterEventsOfDay,
  readStoreFigures,
  replaceRollupStatements,
  rollupDatesAmong,
  type StoreDayRollup,
  type StoreFigures,
} from "../db/rollups";
import { findStore } from "../db/stores";
import { buckets, rangeInstants } from "../domain/report-range";
import { addDays, localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import type { StoreEventMessage } from "../outbox/send";
import { storeDatabase } from "../stores/scope";

/** What a rollup needs of a store: its database, time zone and currency. */
export interface RollupStore {
  id: number;
  code: string;
  timeZone: string;
  currency: string;
  d1: D1Database;
}

/** Reads and writes at most this many times when events about the day keep arriving meanwhile. */
const MAX_ATTEMPTS = 3;

/**
 * Two lists of (key, x, y) joined on the key as [key, x, y, x', y'], zeros
 * where a list has no row: a method's payments beside its refunds, a
 * cashier's sales beside the refunds of their orders.
 */
function joinOnKey<K>(
  first: [K, number, number][],
  second: [K, number, number][],
): [K, number, number, number, number][] {
  const rows = new Map<K, [K, number, number, number, number]>();
  for (const [key, x, y] of first) rows.set(key, [key, x, y, 0, 0]);
  for (const [key, x, y] of second) {
    const row = rows.get(key) ?? [key, 0, 0, 0, 0];
    row[3] = x;
    row[4] = y;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** A store's figures of one local day as the rollup tables hold them. */
export function rollupOfFigures(store: RollupStore, date: string, f: StoreFigures, computedAt: string): StoreDayRollup {
  const sold = f.sales[0] ?? { orders: 0, gross: 0, discounts: 0, tax: 0, total: 0 };
  return {
    storeId: store.id,
    date,
    currency: store.currency,
    computedAt,
    totals: {
      orders: f.outcomes.total_orders,
      soldOrders: sold.orders,
      cancelledOrders: f.outcomes.cancelled_orders,
      gross: sold.gross,
      discounts: sold.discounts,
      tax: sold.tax,
      sales: sold.total,
      pendingAmount: f.outcomes.pending_amount,
      taken: f.taken,
      refunds: f.refunds,
      refundCount: f.methodsRefunded.reduce((n, m) => n + m.count, 0),
    },
    products: f.products.map((p) => [p.product_id, p.name, p.sku, p.categoryId, p.units, p.revenue, p.cost]),
    categories: f.categories.map((c) => [c.categoryId ?? 0, c.category, c.units, c.revenue, c.cost]),
    methods: joinOnKey(
      f.methodsTaken.map((m) => [m.payment_method, m.count, m.amount]),
      f.methodsRefunded.map((m) => [m.payment_method, m.count, m.amount]),
    ),
    cashiers: joinOnKey(
      f.cashierSales.map((c) => [c.user_id, c.orders, c.sales]),
      f.cashierRefunds.map((c) => [c.user_id, c.count, c.amount]),
    ),
  };
}

/** A store's figures of local day `date` read from its database (one store batch). */
export async function readStoreDay(store: RollupStore, date: string) {
  const range = { start_date: date, end_date: date };
  const day = rangeInstants(range, store.timeZone);
  const figures = await readStoreFigures(store.d1, day, buckets(range, "day", store.timeZone));
  return { day, figures };
}

/**
 * Builds (or rebuilds) the rollup of a store's local day `date` and writes it
 * at the head office in one batch; returns what was written.
 */
export async function rebuildRollup(
  hq: D1Database,
  store: RollupStore,
  date: string,
  now: () => Date = () => new Date(),
): Promise<StoreDayRollup> {
  for (let attempt = 1; ; attempt++) {
    const { day, figures } = await readStoreDay(store, date);
    const rollup = rollupOfFigures(store, date, figures, now().toISOString());
    await hq.batch(replaceRollupStatements(hq, [rollup]).map((s) => s.prepared));
    const [later] = await runAlone(laterEventsOfDay(store.d1, figures.outboxSeq, day));
    if (!later?.n || attempt >= MAX_ATTEMPTS) return rollup;
  }
}

/** Every local date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * The store's local dates an event is about: the day its order was created
 * (order events carry `created_at`) and the day it happened (`at`: a payment,
 * a cancel, a refund), in the store's time zone.
 */
export function eventDates(event: StoreEventMessage, timeZone: string): string[] {
  return [...new Set(eventInstants(event).map((t) => localDate(new Date(t), timeZone)))];
}

/** The instants an event names: its order's creation, when it happened, when the store wrote it. */
function eventInstants(event: StoreEventMessage): string[] {
  const p = event.payload;
  return [p.created_at, p.at, event.created_at].filter(
    (v): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v)),
  );
}

/** Local dates a UTC instant can fall on in any time zone (UTC−12 … UTC+14). */
const possibleDates = (t: string) => {
  const ms = Date.parse(t);
  return [localDate(new Date(ms - 12 * 3_600_000), "UTC"), localDate(new Date(ms + 14 * 3_600_000), "UTC")];
};

/**
 * After the head office applied `event`: rebuilds the rollups of the days it
 * changed that already have one (a closed day). Days without a rollup are
 * left alone: the job or a report's live read will see the event anyway.
 * `env` needs the head office (`DB`) and the store's database binding.
 * Returns the dates rebuilt. Safe to call again for the same event.
 */
export async function refreshClosedDays(
  env: Pick<Bindings, "DB"> | Record<string, unknown>,
  event: StoreEventMessage,
): Promise<string[]> {
  const bindings = env as Bindings;
  if (!event.type.startsWith("order.") && !event.type.startsWith("refund.")) return [];
  const candidates = [...new Set(eventInstants(event).flatMap(possibleDates))];
  if (candidates.length === 0) return [];
  // The store's row (its time zone) and which candidate dates have a rollup, in parallel: one round trip.
  const [store, held] = await Promise.all([
    findStore(dbFor(bindings.DB), event.store_id),
    runAlone(rollupDatesAmong(bindings.DB, event.store_id, candidates)),
  ]);
  if (!store || held.length === 0) return [];
  const closed = new Set(held.map((r) => r.date));
  const dates = eventDates(event, store.timeZone).filter((d) => closed.has(d));
  // Only the store's database is needed (the seed and scripts pass their local databases as bindings).
  const scope: RollupStore = { ...store, d1: storeDatabase(bindings, store) };
  for (const date of dates) await rebuildRollup(bindings.DB, scope, date);
  return dates;
}

/** Days read in one store batch and written in one head-office batch by a range rebuild. */
const DAYS_PER_BATCH = 7;

/**
 * Rebuilds a few consecutive days of a store at once: one store batch reads
 * them all, one head-office batch replaces them all. When the store wrote
 * events about those days meanwhile, each day is rebuilt again on its own
 * (rebuildRollup's check).
 */
async function rebuildDays(hq: D1Database, store: RollupStore, dates: string[], now: () => Date) {
  const batch = new Batch(store.d1);
  const days = dates.map((date) => {
    const range = { start_date: date, end_date: date };
    const day = rangeInstants(range, store.timeZone);
    return { date, day, figures: addStoreFigures(batch, day, buckets(range, "day", store.timeZone)) };
  });
  await batch.commit();
  const rollups = days.map((d) => rollupOfFigures(store, d.date, d.figures(), now().toISOString()));
  await hq.batch(replaceRollupStatements(hq, rollups).map((s) => s.prepared));
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return rollups;
  const span = { start: first.day.start, end: last.day.end };
  const [later] = await runAlone(laterEventsOfDay(store.d1, first.figures().outboxSeq, span));
  if (!later?.n) return rollups;
  const again: StoreDayRollup[] = [];
  for (const date of dates) again.push(await rebuildRollup(hq, store, date, now));
  return again;
}

/** What a range rebuild did, per store. */
export interface RebuildSummary {
  store: string;
  days: number;
  orders: number;
}

/**
 * Rebuilds every store's rollups for the local dates `from`..`to` (the
 * `rollups:rebuild` script, a bench filling history): one store-day after
 * another, each in its own head-office batch. `onDay` hears of each.
 */
export async function rebuildRollups(
  hq: D1Database,
  stores: RollupStore[],
  range: { from: string; to: string },
  onDay?: (store: RollupStore, date: string, rollup: StoreDayRollup) => void,
): Promise<RebuildSummary[]> {
  const dates = datesBetween(range.from, range.to);
  const out: RebuildSummary[] = [];
  const now = () => new Date();
  for (const store of stores) {
    let orders = 0;
    for (let i = 0; i < dates.length; i += DAYS_PER_BATCH) {
      for (const rollup of await rebuildDays(hq, store, dates.slice(i, i + DAYS_PER_BATCH), now)) {
        orders += rollup.totals.orders;
        onDay?.(store, rollup.date, rollup);
      }
    }
    out.push({ store: store.code, days: dates.length, orders });
  }
  return out;
}
