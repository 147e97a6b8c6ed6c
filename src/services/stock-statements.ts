/**
 * Set-based SQL for stock changes: one UPDATE and one log INSERT per chunk of
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
