/**
 * What the backup reads and the restore writes: every table of one database
 * (the head office's or a store's), by name, as raw rows. Raw SQL because the tables are named at run time (from
 * sqlite_master) and the rows are copied as D1 stores them, column names and
 * all; names are quoted as identifiers, and values are bound, except in
 * `insertRowSql`, which writes a SQL file for `wrangler d1 execute`.
 */

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Tables a backup holds: everything but SQLite's and D1's own, and the FTS index (rebuilt by triggers). */
export async function backupTables(d1: D1Database): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
         AND name != 'd1_migrations' AND name NOT LIKE 'products_fts%' ORDER BY name`,
    )
    .all<{ name: string }>();
  return results.map((r) => r.name);
}

/** The last migration applied, or null when D1 keeps no migrations table (or it cannot be read). */
export const schemaVersion = async (d1: D1Database): Promise<string | null> =>
  (
    await d1
      .prepare("SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1")
      .first<{ name: string }>()
      .catch(() => null)
  )?.name ?? null;

/**
 * An upper bound on the rows of all these tables together, in one query: a
 * table's rowid span (max − min + 1) bounds its row count from above and
 * costs an index lookup, not a scan.
 */
export async function rowidSpan(d1: D1Database, tables: string[]): Promise<number> {
  if (tables.length === 0) return 0;
  const spans = tables
    .map((table) => `(SELECT COALESCE(MAX(rowid) - MIN(rowid) + 1, 0) FROM ${quoteId(table)})`)
    .join(" + ");
  const row = await d1.prepare(`SELECT ${spans} AS span`).first<{ span: number }>();
  return row?.span ?? 0;
}

/** A table's row as D1 stores it: column name → value. */
export type StoredRow = Record<string, unknown>;

/** Up to `limit` rows of `table` after rowid `after` (null: from the first), in rowid order. */
export async function rowsAfter(
  d1: D1Database,
  table: string,
  after: number | null,
  limit: number,
): Promise<{ rowid: number; row: StoredRow }[]> {
  const { results } = await d1
    .prepare(`SELECT rowid AS __rowid, * FROM ${quoteId(table)} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2`)
    .bind(after ?? Number.MIN_SAFE_INTEGER, limit)
    .all<StoredRow & { __rowid: number }>();
  return results.map(({ __rowid, ...row }) => ({ rowid: __rowid, row }));
}

/**
 * One multi-row INSERT of `rows` (values in `columns` order, missing ones
 * NULL) into `table`; with `replace`, a row with the same key is replaced (a
 * row the migrations made, such as the first store, gives way to the backup's).
 */
export function insertRows(
  d1: D1Database,
  table: string,
  columns: string[],
  rows: StoredRow[],
  replace = false,
): D1PreparedStatement {
  const placeholders = rows
    .map((_, r) => `(${columns.map((_, c) => `?${r * columns.length + c + 1}`).join(", ")})`)
    .join(", ");
  const verb = replace ? "INSERT OR REPLACE" : "INSERT";
  return d1
    .prepare(`${verb} INTO ${quoteId(table)} (${columns.map(quoteId).join(", ")}) VALUES ${placeholders}`)
    .bind(...rows.flatMap((row) => columns.map((c) => row[c] ?? null)));
}

/** A value as a SQL literal (for statements written to a file rather than bound). */
export const literal = (value: unknown) =>
  value === null || value === undefined
    ? "NULL"
    : typeof value === "number"
      ? String(value)
      : `'${String(value).replace(/'/g, "''")}'`;

/**
 * One row as a self-contained INSERT statement (values inlined as SQL
 * literals), for a SQL file to load elsewhere; `replace` as in `insertRows`.
 */
export const insertRowSql = (table: string, row: StoredRow, replace = false): string =>
  `${replace ? "INSERT OR REPLACE" : "INSERT"} INTO ${quoteId(table)} (${Object.keys(row).map(quoteId).join(", ")}) VALUES (${Object.values(row).map(literal).join(", ")});`;
