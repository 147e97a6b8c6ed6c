/** A store's cash rules (cash_settings, one row in the store's database): decimals outside, cents inside. */
import { auditAt, auditInsert, changedFields } from "../audit/record";
import { type CashSettings, type CashSettingsChange, readCashSettings, updateCashSettings } from "../db/cash-settings";
import { toDecimal } from "../domain/money";
import type { ServiceContext } from "./context";

export interface CashSettingsView {
  store_id: number;
  requires_shift: boolean;
  variance_reason_threshold: number;
  paid_out_approval_threshold: number;
  updated_at: string;
}

const toView = (row: CashSettings, storeId: number): CashSettingsView => ({
  store_id: storeId,
  requires_shift: row.requiresShift,
  variance_reason_threshold: toDecimal(row.varianceReasonThreshold),
  paid_out_approval_threshold: toDecimal(row.paidOutApprovalThreshold),
  updated_at: row.updatedAt,
});

/** The settings as the audit trail records them (thresholds in cents, like the row). */
const auditFields = (s: CashSettingsChange) => ({
  requires_shift: s.requiresShift,
  variance_reason_threshold: s.varianceReasonThreshold,
  paid_out_approval_threshold: s.paidOutApprovalThreshold,
});

export const getCashSettings = async (ctx: ServiceContext): Promise<CashSettingsView> =>
  toView(await readCashSettings(ctx.store.db), ctx.store.id);

/**
 * Changes the fields given, with its audit event (`cash_settings.updated`,
 * the store's id as the entity's) in the same batch of the store's database.
 */
export async function changeCashSettings(ctx: ServiceContext, change: CashSettingsChange): Promise<CashSettingsView> {
  const { db, id: storeId } = ctx.store;
  const before = await readCashSettings(db);
  const [rows] = await db.batch([
    updateCashSettings(db, change, ctx.now().toISOString()),
    auditInsert(db, auditAt(ctx, "store"), {
      action: "cash_settings.updated",
      entityType: "cash_settings",
      entityId: storeId,
      ...changedFields(auditFields(before), auditFields(change)),
    }),
  ]);
  const row = rows[0];
  if (!row) throw new Error("The store database has no cash_settings row (migration 0003 makes it)");
  return toView(row, storeId);
}
