/**
 * The daily_reports table (head office): one row per store and local date,
 * written by the daily report job. The row is the job's lock: inserting it
 * claims the store's date, and a run that fails afterwards deletes it to give
 * the date back.
 */
import { and, eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { dailyReports } from "./schema";

/** Which report: a store's local date. */
export interface DailyReportRef {
  storeId: number;
  date: string;
}

/** What a list shows of a stored report (not its data). */
export type DailyReportSummary = Pick<
  Row<typeof dailyReports>,
  "storeId" | "date" | "timeZone" | "emailed" | "createdAt"
>;

const isReport = (ref: DailyReportRef) => and(eq(dailyReports.storeId, ref.storeId), eq(dailyReports.date, ref.date));

/**
 * A store's stored reports, newest date first, without their data (a page of
 * 1,000 would otherwise carry every report's JSON).
 */
export const pageOfDailyReports = (
  d1: D1Database,
  storeId: number,
  page: PageRequest,
): Promise<Page<DailyReportSummary>> =>
  readPage(d1, {
    select: "SELECT store_id, date, time_zone, emailed, created_at FROM daily_reports",
    from: "FROM daily_reports",
    where: new Where().and((p) => `store_id = ${p}`, storeId),
    orderBy: "date DESC",
    ...page,
    decode: (raw) => decodeRow<typeof dailyReports, DailyReportSummary>(dailyReports, raw),
  });

/** The stored report's data (JSON text), or undefined when that store's date has none. */
export const findDailyReportData = async (db: AppDatabase, ref: DailyReportRef): Promise<string | undefined> =>
  (await db.select({ data: dailyReports.data }).from(dailyReports).where(isReport(ref)).get())?.data;

/** Claims the store's date: true when this call inserted its row, false when a row was already there. */
export async function claimDailyReport(
  db: AppDatabase,
  row: Pick<Row<typeof dailyReports>, "storeId" | "date" | "timeZone" | "data" | "r2Key" | "createdAt">,
): Promise<boolean> {
  const inserted = await db
    .insert(dailyReports)
    .values(row)
    .onConflictDoNothing({ target: [dailyReports.storeId, dailyReports.date] })
    .returning({ date: dailyReports.date });
  return inserted.length > 0;
}

/** Records how many managers the report was sent to. */
export const markEmailed = (db: AppDatabase, ref: DailyReportRef, emailed: number) =>
  db.update(dailyReports).set({ emailed }).where(isReport(ref)).run();

/** Gives the date back (its run failed after claiming it): the next run does it all again. */
export const releaseDailyReport = (db: AppDatabase, ref: DailyReportRef) =>
  db.delete(dailyReports).where(isReport(ref)).run();

/**
 * Of the given (store, date) pairs, those whose report and rollup are both
 * written: the daily job skips them. One statement, the pairs as one JSON
 * parameter (any number of stores).
 */
export async function storeDaysDone(d1: D1Database, pairs: DailyReportRef[]): Promise<DailyReportRef[]> {
  if (pairs.length === 0) return [];
  const { results } = await d1
    .prepare(
      `SELECT r.store_id AS storeId, r.date AS date
       FROM json_each(?1) p
       JOIN daily_reports r ON r.store_id = json_extract(p.value, '$.storeId') AND r.date = json_extract(p.value, '$.date')
       JOIN daily_rollups u ON u.store_id = r.store_id AND u.date = r.date`,
    )
    .bind(JSON.stringify(pairs))
    .all<DailyReportRef>();
  return results;
}
