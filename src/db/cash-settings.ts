/** The store's one cash_settings row (id 1, made by the migration). */
import { eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { cashSettings } from "./schema";

export type CashSettings = Row<typeof cashSettings>;

export async function readCashSettings(db: AppDatabase): Promise<CashSettings> {
  const row = await db.select().from(cashSettings).where(eq(cashSettings.id, 1)).get();
  if (!row) throw new Error("The store database has no cash_settings row (migration 0003 makes it)");
  return row;
}

export interface CashSettingsChange {
  requiresShift?: boolean | undefined;
  varianceReasonThreshold?: number | undefined;
  paidOutApprovalThreshold?: number | undefined;
}

/**
 * Changes the fields given (a Drizzle update RETURNING the row, for the
 * service's batch with its audit event); the triggers read the row inside
 * the next batch that needs it.
 */
export const updateCashSettings = (db: AppDatabase, change: CashSettingsChange, now: string) =>
  db
    .update(cashSettings)
    .set({ ...change, updatedAt: now })
    .where(eq(cashSettings.id, 1))
    .returning();
