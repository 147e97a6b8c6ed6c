/**
 * One row type per table, derived from the Drizzle schema: `Row<typeof orders>`
 * is what both Drizzle's query builder and a raw statement (through
 * `decodeRow`) hand back, so no module restates a table's columns by hand.
 */
import { getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";

export type Row<T extends Table> = InferSelectModel<T>;

type Decoder = (raw: Record<string, unknown>) => Record<string, unknown>;
const decoders = new WeakMap<Table, Decoder>();

function decoderFor(table: Table): Decoder {
  let decoder = decoders.get(table);
  if (decoder) return decoder;
  // Column name in SQL → [field name, the column's own driver → JS mapping].
  const columns = new Map(
    Object.entries(getTableColumns(table)).map(([field, column]) => [
      column.name,
      [field, (value: unknown) => (value === null ? null : column.mapFromDriverValue(value))] as const,
    ]),
  );
  decoder = (raw) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      const column = columns.get(name);
      // A computed column (`o.user_id AS order_user_id`, `COUNT(*) AS n`) keeps its SQL name.
      if (column) out[column[0]] = column[1](value);
      else out[name] = value;
    }
    return out;
  };
  decoders.set(table, decoder);
  return decoder;
}

/**
 * A raw D1 row (SQL column names, 0/1 booleans) as Drizzle would have returned
 * it (field names, booleans). `R` narrows the type when the SELECT named only
 * some columns or added computed ones.
 */
export function decodeRow<T extends Table, R = Row<T>>(table: T, raw: unknown): R {
  return decoderFor(table)(raw as Record<string, unknown>) as R;
}

export function decodeRows<T extends Table, R = Row<T>>(table: T, raws: unknown[] | undefined): R[] {
  const decode = decoderFor(table);
  return (raws ?? []).map((raw) => decode(raw as Record<string, unknown>) as R);
}
