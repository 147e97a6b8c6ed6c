/**
 * Reports as a request asks for them: the query's local days resolved in the
 * acting store's time zone at this request's clock (a 422 naming the query field
 * when they cannot be), the figures (services/reports.ts), and the
 * parameters the answer echoes beside `data`.
 */
import {
  buckets,
  type DayRange,
  dayCount,
  type Granularity,
  MAX_HOUR_RANGE_DAYS,
  rangeInstants,
  resolveRange,
} from "../domain/report-range";
import { localDate } from "../domain/time-zone";
import { invalidField } from "../lib/errors";
import type { ServiceContext } from "./context";
import { cashiersReport, dailySummary, paymentMethodsReport, productSalesReport, salesReport } from "./reports";

type Ctx = Pick<ServiceContext, "store" | "hq" | "now">;

export interface RangeInput {
  days?: number | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
}

/** The range of local days a query names (default: the last 30, today included), and its UTC instants. */
export function reportPeriod(ctx: Ctx, query: RangeInput) {
  const timeZone = ctx.store.timeZone;
  const resolved = resolveRange(query, timeZone, ctx.now());
  if (!resolved.ok) throw invalidField(["query", resolved.field], resolved.reason);
  const range: DayRange = resolved.range;
  return { range, instants: rangeInstants(range, timeZone), timeZone };
}

/** Sales per bucket over the query's range; hourly buckets over at most MAX_HOUR_RANGE_DAYS. */
export async function salesOverRange(ctx: Ctx, query: RangeInput & { group_by: Granularity }) {
  const { range, timeZone } = reportPeriod(ctx, query);
  const span = Date.parse(range.end_date) - Date.parse(range.start_date);
  if (query.group_by === "hour" && span >= MAX_HOUR_RANGE_DAYS * 86_400_000) {
    throw invalidField(["query", "group_by"], `Hourly buckets cover at most ${MAX_HOUR_RANGE_DAYS} days`);
  }
  const data = await salesReport(ctx, buckets(range, query.group_by, timeZone));
  return { data, group_by: query.group_by, days: dayCount(range), ...range, time_zone: timeZone };
}

export async function productSalesOverRange(ctx: Ctx, query: RangeInput & { limit: number }) {
  const { range, instants, timeZone } = reportPeriod(ctx, query);
  const data = await productSalesReport(ctx, { ...instants, limit: query.limit });
  return { data, limit: query.limit, ...range, time_zone: timeZone };
}

export async function paymentMethodsOverRange(ctx: Ctx, query: RangeInput) {
  const { range, instants, timeZone } = reportPeriod(ctx, query);
  const data = await paymentMethodsReport(ctx, instants);
  return { data, ...range, time_zone: timeZone };
}

export async function cashiersOverRange(ctx: Ctx, query: RangeInput) {
  const { range, instants, timeZone } = reportPeriod(ctx, query);
  const data = await cashiersReport(ctx, instants);
  return { data, ...range, time_zone: timeZone };
}

/** The daily summary of a local day (default: today in the store's time zone). */
export async function dailySummaryOf(ctx: Ctx, query: { date?: string | undefined }) {
  const timeZone = ctx.store.timeZone;
  const date = query.date ?? localDate(ctx.now(), timeZone);
  const resolved = resolveRange({ start_date: date, end_date: date }, timeZone, ctx.now());
  if (!resolved.ok) throw invalidField(["query", "date"], resolved.reason);
  const data = await dailySummary(ctx, { date, tz: timeZone });
  return { data, date, time_zone: timeZone };
}
