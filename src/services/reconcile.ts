/**
 * Reconciliation: for each product, the book (products.stock_quantity), the
 * log (Σ inventory_logs.quantity_change, opening stock included) and the
 * gate (its Durable Object's count) must agree. Objects with open entries
 * are in flight and reported as such, not as drift.
 */
import type { StockGate } from "../stock/client";

export interface ReconcileRow {
  product_id: number;
  book: number;
  log_sum: number;
  object_available: number | null;
  object_open_entries: number;
}

export async function reconcile(
  d1: D1Database,
  stock: StockGate,
  page: { skip: number; limit: number; product_id?: number | undefined },
) {
  const { results } = await d1
    .prepare(
      `SELECT p.id AS product_id, p.stock_quantity AS book,
              (SELECT COALESCE(SUM(l.quantity_change), 0) FROM inventory_logs l WHERE l.product_id = p.id) AS log_sum
       FROM products p WHERE (?3 IS NULL OR p.id = ?3) ORDER BY p.id LIMIT ?1 OFFSET ?2`,
    )
    .bind(page.limit, page.skip, page.product_id ?? null)
    .all<{ product_id: number; book: number; log_sum: number }>();
  const rows: ReconcileRow[] = await Promise.all(
    results.map(async (row) => {
      const view = await stock.view(row.product_id);
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
