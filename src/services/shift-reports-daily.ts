/**
 * The daily report's shifts: those the store closed on the day (its local
 * day, by close time), with their counts and variances, and the day's
 * totals. Cashiers' names come from the head office.
 */
import { runAlone } from "../db/batch";
import type { Instants } from "../db/reports";
import { closedShiftsBetween, staffNamesOf } from "../db/shift-reports";
import { toDecimal } from "../domain/money";
import type { ServiceContext } from "./context";

export async function closedShiftsOfDay(ctx: Pick<ServiceContext, "store" | "hq">, day: Instants) {
  const rows = await runAlone(closedShiftsBetween(ctx.store.d1, day));
  const names = rows.length
    ? new Map(
        (
          await runAlone(
            staffNamesOf(
              ctx.hq.d1,
              rows.map((r) => r.cashier_id),
            ),
          )
        ).map((u) => [u.id, u]),
      )
    : new Map();
  const sum = (key: "expected_cash" | "counted_cash" | "variance") => rows.reduce((n, r) => n + r[key], 0);
  return {
    data: rows.map((r) => ({
      id: r.id,
      z_number: r.z_number,
      drawer_id: r.drawer_id,
      drawer_name: r.drawer_name,
      cashier_id: r.cashier_id,
      cashier: names.get(r.cashier_id)?.username ?? `user-${r.cashier_id}`,
      opened_at: r.opened_at,
      closed_at: r.closed_at,
      expected: toDecimal(r.expected_cash),
      counted: toDecimal(r.counted_cash),
      variance: toDecimal(r.variance),
      variance_reason: r.variance_reason,
    })),
    totals: {
      shifts: rows.length,
      expected: toDecimal(sum("expected_cash")),
      counted: toDecimal(sum("counted_cash")),
      variance: toDecimal(sum("variance")),
      absolute_variance: toDecimal(rows.reduce((n, r) => n + Math.abs(r.variance), 0)),
      shifts_with_variance: rows.filter((r) => r.variance !== 0).length,
    },
  };
}
