/**
 * A shift as the API shows it, and who sees what (the blind close): a role
 * without shifts:manage (a cashier) never sees the expected cash, the
 * variance or the expected opening of a shift that is not closed, so the
 * count is theirs; once it is closed they see them. Managers and admins see
 * them at any time, the expected cash of an open shift being its running
 * total so far.
 */

import type { ShiftRow } from "../db/shifts";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";

export interface Denomination {
  /** Decimal currency units of one note or coin (20, 0.25). */
  value: number;
  count: number;
}

export interface ShiftView {
  id: number;
  store_id: number;
  drawer_id: number;
  drawer_name: string;
  cashier_id: number;
  status: "open" | "ended" | "closed";
  opening_float: number;
  expected_opening: number | null;
  opening_variance: number | null;
  opened_at: string;
  ended_at: string | null;
  ended_by: number | null;
  closed_at: string | null;
  closed_by: number | null;
  counted_cash: number | null;
  denominations: Denomination[] | null;
  expected_cash: number | null;
  variance: number | null;
  variance_reason: string | null;
  kept_in_drawer: number | null;
  /** A cashier's count of a close refused for a missing reason (their recount must match it). */
  first_blind_count: number | null;
  z_number: number | null;
  notes: string | null;
}

/** Whether `user` sees a shift's expected amounts now (managers always; the rest once it is closed). */
export const seesExpected = (user: Pick<AuthUser, "role">, status: ShiftRow["status"]) =>
  status === "closed" || hasPermission(user.role, "shifts:manage");

/** Whether `user` may see the shift at all (managers: any of the store; the rest: their own). */
export const maySeeShift = (user: Pick<AuthUser, "id" | "role">, shift: Pick<ShiftRow, "cashierId">) =>
  hasPermission(user.role, "shifts:manage") || shift.cashierId === user.id;

const money = (cents: number | null) => (cents === null ? null : toDecimal(cents));

/** Stored denominations (value in cents) as the API speaks them. */
function denominationsOf(stored: string | null): Denomination[] | null {
  if (stored === null) return null;
  const parsed = JSON.parse(stored) as { value: number; count: number }[];
  return parsed.map((d) => ({ value: toDecimal(d.value), count: d.count }));
}

/** The shift for `viewer` (the blind rules above); `storeId` is the store whose database holds it. */
export function toShiftView(row: ShiftRow, storeId: number, viewer: Pick<AuthUser, "role">): ShiftView {
  const sees = seesExpected(viewer, row.status);
  const closed = row.status === "closed";
  return {
    id: row.id,
    store_id: storeId,
    drawer_id: row.drawerId,
    drawer_name: row.drawer_name,
    cashier_id: row.cashierId,
    status: row.status,
    opening_float: toDecimal(row.openingFloat),
    expected_opening: sees ? money(row.expectedOpening) : null,
    opening_variance: sees ? money(row.openingVariance) : null,
    opened_at: row.openedAt,
    ended_at: row.endedAt,
    ended_by: row.endedBy,
    closed_at: row.closedAt,
    closed_by: row.closedBy,
    counted_cash: money(row.countedCash),
    denominations: denominationsOf(row.countedDenominations),
    expected_cash: sees ? money(closed ? row.expectedCash : row.live_expected) : null,
    variance: sees ? money(row.variance) : null,
    variance_reason: row.varianceReason,
    kept_in_drawer: money(row.keptInDrawer),
    first_blind_count: money(row.firstBlindCount),
    z_number: row.zNumber,
    notes: row.notes,
  };
}
