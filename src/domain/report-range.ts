/**
 * Report periods in the store's time zone: a range of local calendar days
 * and its buckets (hour, day, ISO week, month, year) as UTC instants, DST
 * included, so SQL can group by plain timestamp comparisons.
 */
import { addDays, localDate, localDayStart } from "./time-zone";

export type Granularity = "hour" | "day" | "week" | "month" | "year";

export const MAX_RANGE_DAYS = 1096; // three years
export const MAX_HOUR_RANGE_DAYS = 31;

export interface DayRange {
  start_date: string;
  end_date: string;
}

export interface Bucket {
  /** Local label: "2026-11-25", "2026-11-25T14:00", "2026-W48", "2026-11", "2026". */
  label: string;
  /** UTC ISO instants, end exclusive. */
  start: string;
  end: string;
}

export type RangeResult = { ok: true; range: DayRange } | { ok: false; field: string; reason: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const isDate = (value: string) => {
  if (!DATE.test(value)) return false;
  const noon = Date.parse(`${value}T12:00:00Z`);
  // An impossible date (month 13) does not parse; an overflowing one (30 February) comes back different.
  return !Number.isNaN(noon) && localDate(new Date(noon), "UTC") === value;
};

const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** Resolves `days` or `start_date`/`end_date` into an inclusive local-day range. */
export function resolveRange(
  input: { days?: number | undefined; start_date?: string | undefined; end_date?: string | undefined },
  tz: string,
  now = new Date(),
): RangeResult {
  const today = localDate(now, tz);
  if (input.start_date !== undefined || input.end_date !== undefined) {
    const start = input.start_date ?? input.end_date ?? today;
    const end = input.end_date ?? today;
    if (!isDate(start)) return { ok: false, field: "start_date", reason: "Not a calendar date (YYYY-MM-DD)" };
    if (!isDate(end)) return { ok: false, field: "end_date", reason: "Not a calendar date (YYYY-MM-DD)" };
    if (end < start) return { ok: false, field: "end_date", reason: "end_date is before start_date" };
    if (daysBetween(start, end) + 1 > MAX_RANGE_DAYS)
      return { ok: false, field: "start_date", reason: "Ranges are capped at 3 years" };
    return { ok: true, range: { start_date: start, end_date: end } };
  }
  const days = input.days ?? 30;
  return { ok: true, range: { start_date: addDays(today, -(days - 1)), end_date: today } };
}

/** The UTC instants that bound the range. */
/** Calendar days in a range, both ends included (2026-11-01..2026-11-30 is 30). */
export const dayCount = (range: DayRange) =>
  Math.round((Date.parse(range.end_date) - Date.parse(range.start_date)) / 86_400_000) + 1;

export function rangeInstants(range: DayRange, tz: string) {
  return {
    start: localDayStart(range.start_date, tz).toISOString(),
    end: localDayStart(addDays(range.end_date, 1), tz).toISOString(),
  };
}

/** ISO-8601 week label of a date: weeks start on Monday, week 1 holds January 4th. */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3); // that week's Thursday
  const jan4 = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((d.getTime() - jan4.getTime()) / 86_400_000 - 3 + ((jan4.getUTCDay() + 6) % 7)) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Every bucket of the range, empty ones included, clipped to the range. */
export function buckets(range: DayRange, granularity: Granularity, tz: string): Bucket[] {
  const out: Bucket[] = [];
  const { end: rangeEnd } = rangeInstants(range, tz);
  if (granularity === "hour") {
    // Step in UTC hours: a local day has 23 or 25 of them on DST changes.
    let t = localDayStart(range.start_date, tz).getTime();
    const stop = Date.parse(rangeEnd);
    const fmt = new Intl.DateTimeFormat("sv-SE", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    for (; t < stop; t += 3_600_000) {
      out.push({
        label: fmt.format(new Date(t)).replace(" ", "T"),
        start: new Date(t).toISOString(),
        end: new Date(Math.min(t + 3_600_000, stop)).toISOString(),
      });
    }
    return out;
  }
  let day = range.start_date;
  while (day <= range.end_date) {
    let next: string;
    let label: string;
    if (granularity === "day") {
      next = addDays(day, 1);
      label = day;
    } else if (granularity === "week") {
      const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
      next = addDays(day, 7 - weekday);
      label = isoWeek(day);
    } else if (granularity === "month") {
      const [y = 0, m = 1] = day.split("-").map(Number);
      next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
      label = day.slice(0, 7);
    } else {
      next = `${Number(day.slice(0, 4)) + 1}-01-01`;
      label = day.slice(0, 4);
    }
    const endDay = next > range.end_date ? addDays(range.end_date, 1) : next;
    out.push({ label, start: localDayStart(day, tz).toISOString(), end: localDayStart(endDay, tz).toISOString() });
    day = endDay;
  }
  return out;
}

/** UTC bounds for an optional first and last local day (either end may be open). */
export function localDayBounds(tz: string, startDate?: string, endDate?: string) {
  return {
    start: startDate ? localDayStart(startDate, tz).toISOString() : undefined,
    end: endDate ? localDayStart(addDays(endDate, 1), tz).toISOString() : undefined,
  };
}
