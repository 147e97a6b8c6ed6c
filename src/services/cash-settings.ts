/** A store's cash rules (cash_settings, one row in the store's database): decimals outside, cents inside. */
import { type CashSettings, type CashSettingsChange, readCashSettings, writeCashSettings } from "../db/cash-settings";
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

export const getCashSettings = async (ctx: ServiceContext): Promise<CashSettingsView> =>
  toView(await readCashSettings(ctx.store.db), ctx.store.id);

export const changeCashSettings = async (ctx: ServiceContext, change: CashSettingsChange): Promise<CashSettingsView> =>
  toView(await writeCashSettings(ctx.store.db, change, ctx.now().toISOString()), ctx.store.id);
