/**
 * Calendar days in the store's time zone (IANA name, e.g. "Europe/Berlin")
 * as UTC instants, DST included, using only Intl (no tz database to ship).
 */

// Building a DateTimeFormat costs far more than using one (a 3-year daily
// report spent over a second here); one per zone lives as long as the isolate.
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(tz: string): Intl.DateTimeFormat {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(tz, format);
  }
  return format;
}

/** Offset of `tz` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
export function zoneOffsetMs(instant: Date, tz: string): number {
  const parts = formatFor(tz).formatToParts(instant);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * Local midnights already computed, per zone and date: a year of daily
 * buckets costs four Intl calls a day (about 15 ms), and reports ask for the
 * same ranges again and again. A midnight never moves (short of a tz
 * database update, which comes with a new isolate); the map is emptied when
 * it grows past MIDNIGHTS_KEPT entries, so memory stays bounded.
 */
const midnights = new Map<string, number>();
const MIDNIGHTS_KEPT = 50_000;

/** The UTC instant at which local date `YYYY-MM-DD` begins in `tz`. */
export function localDayStart(date: string, tz: string): Date {
  const key = `${tz} ${date}`;
  const known = midnights.get(key);
  if (known !== undefined) return new Date(known);
  const [y = 1970, m = 1, d = 1] = date.split("-").map(Number);
  const naive = Date.UTC(y, m - 1, d);
  // Two passes: the offset at the guessed instant may differ across a DST change.
  const first = naive - zoneOffsetMs(new Date(naive), tz);
  const second = naive - zoneOffsetMs(new Date(first), tz);
  if (midnights.size >= MIDNIGHTS_KEPT) midnights.clear();
  midnights.set(key, second);
  return new Date(second);
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(date: string, days: number): string {
  const [y = 1970, m = 1, d = 1] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The local calendar date of `instant` in `tz`. */
export function localDate(instant: Date, tz: string): string {
  return new Date(instant.getTime() + zoneOffsetMs(instant, tz)).toISOString().slice(0, 10);
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatFor(tz); // cached, so checking on every request costs a map lookup
    return true;
  } catch {
    return false;
  }
}
