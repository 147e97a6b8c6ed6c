/**
 * One row type per table, derived from the Drizzle schema: `Row<typeof orders>`
 * is what both Drizzle's query builder and a raw statement (through
 * `decodeRow`) hand back, so no module restates a table's columns by hand.
 */
import { getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";

export type Row<T extends Table> = InferSelectModel<T>;

type Decoder = (raw: Record<string, unknown>) => Record<string, unknown>;
const decoders = new WeakMap<Table, Decoder>();

// Column types whose stored value is already what Drizzle returns: their
// values are copied, not passed through a mapping call (rows are decoded on
// every request's hot path).
const STORED_AS_IS = new Set(["SQLiteInteger", "SQLiteText", "SQLiteReal", "SQLiteNumeric"]);

function decoderFor(table: Table): Decoder {
  let decoder = decoders.get(table);
  if (decoder) return decoder;
  // Column name in SQL → field name, and the driver → JS mapping where there is one (booleans).
  // Prototype-less, so a computed column named like an Object method ("constructor") is not mistaken for a field.
  const fields: Record<string, string> = Object.create(null);
  const mappings: Record<string, (value: unknown) => unknown> = Object.create(null);
  for (const [field, column] of Object.entries(getTableColumns(table))) {
    fields[column.name] = field;
    if (!STORED_AS_IS.has(column.columnType)) mappings[column.name] = (value) => column.mapFromDriverValue(value);
  }
  decoder = (raw) => {
    const out: Record<string, unknown> = {};
    for (const name in raw) {
      const value = raw[name];
      const field = fields[name];
      // A computed column (`o.user_id AS order_user_id`, `COUNT(*) AS n`) keeps its SQL name.
      if (field === undefined) out[name] = value;
      else {
        const map = mappings[name];
        out[field] = map === undefined || value === null ? value : map(value);
      }
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
