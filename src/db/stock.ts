/**
 * Stock levels and their log (the products.stock_quantity column and
 * inventory_logs), as the stock protocol writes them. Set-based SQL for stock changes: one UPDATE and one log INSERT per chunk of
 * products rather than two statements per product, so a batch's size (and
 * D1's work) barely grows with the number of lines. Chunks keep every
 * statement under D1's 100 bound parameters.
 */

export interface StockLine {
  productId: number;
  /** Signed change (negative for a sale). */
  delta: number;
}

export interface LogMeta {
  userId: number | null;
  action: "sale" | "return" | "stock_in" | "stock_out" | "adjustment" | "damage";
  referenceNumber: string | null;
  notes: string | null;
  stockRef: string;
  now: string;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * UPDATE products by each line's delta, then INSERT one log row per line
 * whose before/after come from the updated row (the INSERT runs after the
 * UPDATE in the same batch, so `stock_quantity` is already the "after").
 */
export function stockStatements(d1: D1Database, lines: StockLine[], meta: LogMeta): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const part of chunk(lines, 40)) {
    const cases = part.map((_, i) => `WHEN ?${i * 2 + 2} THEN ?${i * 2 + 3}`).join(" ");
    const ids = part.map((_, i) => `?${i * 2 + 2}`).join(", ");
    statements.push(
      d1
        .prepare(
          `UPDATE products SET stock_quantity = stock_quantity + CASE id ${cases} END, updated_at = ?1 WHERE id IN (${ids})`,
        )
        .bind(meta.now, ...part.flatMap((line) => [line.productId, line.delta])),
    );
  }
  for (const part of chunk(lines, 40)) {
    const values = part.map((_, i) => `(?${i * 2 + 7}, ?${i * 2 + 8})`).join(", ");
    statements.push(
      d1
        .prepare(
          `WITH v(product_id, delta) AS (VALUES ${values})
           INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
             reference_number, notes, stock_ref, created_at)
           SELECT p.id, ?1, ?2, v.delta, p.stock_quantity - v.delta, p.stock_quantity, ?3, ?4, ?5, ?6
           FROM v JOIN products p ON p.id = v.product_id
           RETURNING product_id, quantity_after`,
        )
        .bind(
          meta.userId,
          meta.action,
          meta.referenceNumber,
          meta.notes,
          meta.stockRef,
          meta.now,
          ...part.flatMap((line) => [line.productId, line.delta]),
        ),
    );
  }
  return statements;
}

/**
 * Puts back what an order still has out: per product, Σ (quantity −
 * refunded_quantity) of its lines, read from `order_items` when the batch
 * runs, so a refund that committed first (restocked or not) is never counted
 * twice, whatever the caller read before. Products with nothing left out get
 * no log row. The INSERT returns `product_id, quantity_change` per row: what
 * the batch actually put back, which is what the stock objects must be told.
 */
export function orderReturnStatements(
  d1: D1Database,
  orderId: number,
  meta: Omit<LogMeta, "action">,
): D1PreparedStatement[] {
  const out = `out(product_id, delta) AS (
    SELECT product_id, SUM(quantity - refunded_quantity) FROM order_items WHERE order_id = ?1
    GROUP BY product_id HAVING SUM(quantity - refunded_quantity) > 0)`;
  return [
    d1
      .prepare(
        `WITH ${out}
         UPDATE products SET stock_quantity = stock_quantity + (SELECT delta FROM out WHERE out.product_id = products.id),
           updated_at = ?2
         WHERE id IN (SELECT product_id FROM out)`,
      )
      .bind(orderId, meta.now),
    d1
      .prepare(
        `WITH ${out}
         INSERT INTO inventory_logs (product_id, user_id, action, quantity_change, quantity_before, quantity_after,
           reference_number, notes, stock_ref, created_at)
         SELECT p.id, ?2, 'return', out.delta, p.stock_quantity - out.delta, p.stock_quantity, ?3, ?4, ?5, ?6
         FROM out JOIN products p ON p.id = out.product_id
         RETURNING product_id, quantity_change`,
      )
      .bind(orderId, meta.userId, meta.referenceNumber, meta.notes, meta.stockRef, meta.now),
  ];
}

/** Whether a batch that changed stock under `ref` landed: it wrote at least one log row naming it. */
export const stockRefLanded = (d1: D1Database, ref: string) =>
  d1.prepare("SELECT 1 AS found FROM inventory_logs WHERE stock_ref = ?1 LIMIT 1").bind(ref).first();
