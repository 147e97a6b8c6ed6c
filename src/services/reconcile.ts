/**
 * Reconciliation, per store: for each product the store has a stock row
 * for, the book (stock_levels.quantity), the log (Σ inventory_logs.quantity_change,
 * opening stock included) and the gate (the product's Durable Object at that
 * store) must agree. Objects with open entries are in flight and reported as
 * such, not as drift. A chain-wide run visits every store in turn
 * (`reconcileEveryStore`).
 */
import { bookAndLog } from "../db/stock";
import { listStores } from "../db/stores";
import { scopeOf } from "../stores/scope";
import type { ServiceContext } from "./context";

export interface ReconcileRow {
  product_id: number;
  book: number;
  log_sum: number;
  object_available: number | null;
  object_open_entries: number;
}

export interface ReconcilePage {
  skip: number;
  limit: number;
  product_id?: number | undefined;
}

/** The acting store's drift report (ctx.store: its book and log; ctx.stock: its objects). */
export async function reconcile(ctx: Pick<ServiceContext, "store" | "stock">, page: ReconcilePage) {
  const books = await bookAndLog(ctx.store.d1, { skip: page.skip, limit: page.limit, productId: page.product_id });
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
  return {
    store_id: ctx.store.id,
    checked: rows.length,
    in_step: rows.length - drift.length,
    drift,
    in_flight: inFlight,
  };
}

/** Every store's report, one store after another (the same page of each store's products). */
export async function reconcileEveryStore(ctx: ServiceContext, page: ReconcilePage) {
  const stores = await listStores(ctx.hq.db);
  const reports = [];
  for (const store of stores) reports.push(await reconcile(ctx.forStore(scopeOf(ctx.env, store)), page));
  return reports;
}
