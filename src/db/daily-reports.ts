/**
 * The daily_reports table: one row per local date, written by the daily
 * report job. The row is the job's lock: inserting it claims the date, and
 * a run that fails afterwards deletes it to give the date back.
 */
import { eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { dailyReports } from "./schema";

/** What a list shows of a stored report (not its data). */
export type DailyReportSummary = Pick<Row<typeof dailyReports>, "date" | "timeZone" | "emailed" | "createdAt">;

/**
 * Stored reports, newest date first, without their data (a page of 1,000
 * would otherwise carry every report's JSON).
 */
export const pageOfDailyReports = (d1: D1Database, page: PageRequest): Promise<Page<DailyReportSummary>> =>
  readPage(d1, {
    select: "SELECT date, time_zone, emailed, created_at FROM daily_reports",
    from: "FROM daily_reports",
    where: new Where(),
    orderBy: "date DESC",
    ...page,
    decode: (raw) => decodeRow<typeof dailyReports, DailyReportSummary>(dailyReports, raw),
  });

/** The stored report's data (JSON text), or undefined when that date has none. */
export const findDailyReportData = async (db: AppDatabase, date: string): Promise<string | undefined> =>
  (await db.select({ data: dailyReports.data }).from(dailyReports).where(eq(dailyReports.date, date)).get())?.data;

/** Claims `date`: true when this call inserted its row, false when a row was already there. */
export async function claimDailyReport(
  db: AppDatabase,
  row: Pick<Row<typeof dailyReports>, "date" | "timeZone" | "data" | "r2Key" | "createdAt">,
): Promise<boolean> {
  const inserted = await db
    .insert(dailyReports)
    .values(row)
    .onConflictDoNothing({ target: dailyReports.date })
    .returning({ date: dailyReports.date });
  return inserted.length > 0;
}

/** Records how many managers the report was sent to. */
export const markEmailed = (db: AppDatabase, date: string, emailed: number) =>
  db.update(dailyReports).set({ emailed }).where(eq(dailyReports.date, date)).run();

/** Gives the date back (its run failed after claiming it): the next run does it all again. */
export const releaseDailyReport = (db: AppDatabase, date: string) =>
  db.delete(dailyReports).where(eq(dailyReports.date, date)).run();
