import { describe, it } from "vitest";
import { buckets, isoWeek, resolveRange } from "../../src/domain/report-range";
import { localDayStart } from "../../src/domain/time-zone";

describe("report ranges in the store's time zone", () => {
  it("finds local midnight across DST changes", ({ expect }) => {
    expect(localDayStart("2026-07-01", "Europe/Berlin").toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(localDayStart("2026-12-01", "Europe/Berlin").toISOString()).toBe("2026-11-30T23:00:00.000Z");
    expect(localDayStart("2026-03-08", "America/New_York").toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(localDayStart("2026-03-09", "America/New_York").toISOString()).toBe("2026-03-09T04:00:00.000Z");
  });

  it("makes a DST-change day 23 hours long and the autumn one 25", ({ expect }) => {
    const spring = buckets({ start_date: "2026-03-29", end_date: "2026-03-29" }, "hour", "Europe/Berlin");
    expect(spring).toHaveLength(23);
    const autumn = buckets({ start_date: "2026-10-25", end_date: "2026-10-25" }, "hour", "Europe/Berlin");
    expect(autumn).toHaveLength(25);
    const [day] = buckets({ start_date: "2026-03-29", end_date: "2026-03-29" }, "day", "Europe/Berlin");
    expect(day).toEqual({ label: "2026-03-29", start: "2026-03-28T23:00:00.000Z", end: "2026-03-29T22:00:00.000Z" });
  });

  it("covers the range with week, month and year buckets, clipped at the ends", ({ expect }) => {
    const weeks = buckets({ start_date: "2026-11-25", end_date: "2026-12-08" }, "week", "UTC");
    expect(weeks.map((b) => b.label)).toEqual(["2026-W48", "2026-W49", "2026-W50"]);
    expect(weeks[0]?.start).toBe("2026-11-25T00:00:00.000Z");
    expect(weeks.at(-1)?.end).toBe("2026-12-09T00:00:00.000Z");
    expect(buckets({ start_date: "2025-12-15", end_date: "2026-02-10" }, "month", "UTC").map((b) => b.label)).toEqual([
      "2025-12",
      "2026-01",
      "2026-02",
    ]);
    expect(buckets({ start_date: "2024-06-01", end_date: "2026-01-01" }, "year", "UTC").map((b) => b.label)).toEqual([
      "2024",
      "2025",
      "2026",
    ]);
    expect(isoWeek("2027-01-01")).toBe("2026-W53");
    expect(isoWeek("2026-01-01")).toBe("2026-W01");
  });

  it("validates ranges: bad dates, reversed, longer than three years", ({ expect }) => {
    const now = new Date("2026-11-25T10:00:00Z");
    expect(resolveRange({ days: 7 }, "UTC", now)).toEqual({
      ok: true,
      range: { start_date: "2026-11-19", end_date: "2026-11-25" },
    });
    expect(resolveRange({ start_date: "2026-02-30" }, "UTC", now)).toMatchObject({ ok: false, field: "start_date" });
    expect(resolveRange({ start_date: "2026-13-01" }, "UTC", now)).toMatchObject({ ok: false, field: "start_date" });

    expect(resolveRange({ start_date: "2026-11-25", end_date: "2026-11-24" }, "UTC", now)).toMatchObject({
      ok: false,
      field: "end_date",
    });
    expect(resolveRange({ start_date: "2023-01-01", end_date: "2026-11-24" }, "UTC", now)).toMatchObject({ ok: false });
    expect(resolveRange({ start_date: "2023-11-26", end_date: "2026-11-25" }, "UTC", now)).toMatchObject({ ok: true });
    // "Today" is the store's today: 23:30 UTC is already tomorrow in Tokyo.
    expect(resolveRange({ days: 1 }, "Asia/Tokyo", new Date("2026-11-25T23:30:00Z"))).toMatchObject({
      range: { end_date: "2026-11-26" },
    });
  });
});
