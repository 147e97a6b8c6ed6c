/**
 * Cash variance over a range of local days: the shifts closed in it (by the
 * local day of their close, in their store's time zone), per cashier or per
 * store: how many, Σ expected, Σ counted, Σ variance, Σ |variance|, how many
 * were off, and the worst one. Closed shifts are not in the daily rollups, so
 * a chain-wide answer (`store_id=all`) reads every store's database live, at
 * most LIVE_CONCURRENCY at a time, over that store's own local days.
 */
import { runAlone } from "../db/batch";
import { closedShiftVariance, staffNamesOf, type VarianceGroupRow } from "../db/shift-reports";
import { toDecimal } from "../domain/money";
import { rangeInstants } from "../domain/report-range";
import { mapWithConcurrency } from "../lib/concurrency";
import type { StoreScope } from "../stores/scope";
import type { ServiceContext } from "./context";
import { type ChainQuery, chainStores, LIVE_CONCURRENCY } from "./reports-chain";
import { type RangeInput, reportPeriod } from "./reports-requests";

type Ctx = Pick<ServiceContext, "env" | "store" | "hq" | "now">;

export type VarianceGrouping = "cashier" | "store";

/** One group's sums in cents, and its worst shift. */
interface Sums {
  shifts: number;
  expected: number;
  counted: number;
  variance: number;
  absolute: number;
  off: number;
  worst: { variance: number; shiftId: number } | null;
}

const empty = (): Sums => ({ shifts: 0, expected: 0, counted: 0, variance: 0, absolute: 0, off: 0, worst: null });

function add(into: Sums, row: VarianceGroupRow) {
  into.shifts += row.shifts;
  into.expected += row.expected;
  into.counted += row.counted;
  into.variance += row.variance;
  into.absolute += row.absolute_variance;
  into.off += row.shifts_with_variance;
  if (!into.worst || Math.abs(row.worst_variance) > Math.abs(into.worst.variance)) {
    into.worst = { variance: row.worst_variance, shiftId: row.worst_shift_id };
  }
}

const figures = (s: Sums) => ({
  shifts: s.shifts,
  expected: toDecimal(s.expected),
  counted: toDecimal(s.counted),
  variance: toDecimal(s.variance),
  absolute_variance: toDecimal(s.absolute),
  shifts_with_variance: s.off,
  worst_variance: toDecimal(s.worst?.variance ?? 0),
  worst_shift_id: s.worst?.shiftId ?? null,
});

/** A store's closed shifts over its own local days of `range`, grouped (an aggregate over no shift is dropped). */
async function readStore(store: StoreScope, range: { start_date: string; end_date: string }, by: VarianceGrouping) {
  const rows = await runAlone(closedShiftVariance(store.d1, rangeInstants(range, store.timeZone), by));
  return { store, rows: rows.filter((r) => r.shifts > 0) };
}

/** Rows per group, biggest Σ |variance| first; names of cashiers from the head office. */
async function view(ctx: Pick<Ctx, "hq">, parts: Awaited<ReturnType<typeof readStore>>[], by: VarianceGrouping) {
  const groups = new Map<number, { sums: Sums; store?: StoreScope }>();
  for (const { store, rows } of parts) {
    for (const row of rows) {
      const id = by === "cashier" ? (row.cashier_id as number) : store.id;
      const group = groups.get(id) ?? { sums: empty(), store };
      add(group.sums, row);
      groups.set(id, group);
    }
  }
  const ids = [...groups.keys()];
  const names =
    by === "cashier" && ids.length
      ? new Map((await runAlone(staffNamesOf(ctx.hq.d1, ids))).map((u) => [u.id, u]))
      : null;
  return [...groups.entries()]
    .sort(([a, x], [b, y]) => y.sums.absolute - x.sums.absolute || a - b)
    .map(([id, { sums, store }]) => {
      const who = names?.get(id);
      return by === "cashier"
        ? {
            user_id: id,
            username: who?.username ?? `user-${id}`,
            full_name: who?.full_name ?? null,
            store_id: null,
            store_code: null,
            ...figures(sums),
          }
        : {
            user_id: null,
            username: null,
            full_name: null,
            store_id: id,
            store_code: store?.code ?? null,
            ...figures(sums),
          };
    });
}

export interface CashVarianceQuery extends RangeInput {
  group_by: VarianceGrouping;
}

/** The acting store's cash variance over the query's local days. */
export async function cashVarianceOverRange(ctx: Ctx, query: CashVarianceQuery) {
  const { range, timeZone } = reportPeriod(ctx, query);
  const part = await readStore(ctx.store, range, query.group_by);
  return { data: await view(ctx, [part], query.group_by), group_by: query.group_by, ...range, time_zone: timeZone };
}

/** Chain-wide (store_id=all): every store the caller may report on, in one currency. */
export async function chainCashVarianceOverRange(
  ctx: Ctx,
  userId: number,
  query: CashVarianceQuery & Pick<ChainQuery, "currency">,
) {
  const { range, timeZone } = reportPeriod(ctx, query);
  const chain = await chainStores(ctx, userId, query.currency);
  const parts = await mapWithConcurrency(chain.stores, LIVE_CONCURRENCY, (store) =>
    readStore(store, range, query.group_by),
  );
  return {
    data: await view(ctx, parts, query.group_by),
    group_by: query.group_by,
    ...range,
    time_zone: timeZone,
    store_id: "all" as const,
    stores: chain.stores.map((s) => ({ id: s.id, code: s.code })),
    currency: chain.currency,
  };
}
