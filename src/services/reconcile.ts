/**
 * Reconciliation: for each product, the book (products.stock_quantity), the
 * log (Σ inventory_logs.quantity_change, opening stock included) and the
 * gate (its Durable Object's count) must agree. Objects with open entries
 * are in flight and reported as such, not as drift.
 */
import { bookAndLog } from "../db/stock";
import type { ServiceContext } from "./context";

export interface ReconcileRow {
  product_id: number;
  book: number;
  log_sum: number;
  object_available: number | null;
  object_open_entries: number;
}

export async function reconcile(
  ctx: ServiceContext,
  page: { skip: number; limit: number; product_id?: number | undefined },
) {
  const books = await bookAndLog(ctx.d1, { skip: page.skip, limit: page.limit, productId: page.product_id });
  const rows: ReconcileRow[] = await Promise.all(
    books.map(async (row) => {
      const view = await ctx.stock.view(row.product_id);
      return { ...row, object_available: view.available, object_open_entries: view.open_entries };
    }),
  );
  const drift = rows.filter(
    (row) =>
      row.book !== row.log_sum ||
      (row.object_open_entries === 0 && row.object_available !== null && row.object_available !== row.book),
  );
  const inFlight = rows.filter((row) => row.object_open_entries > 0);
  return { checked: rows.length, in_step: rows.length - drift.length, drift, in_flight: inFlight };
}
