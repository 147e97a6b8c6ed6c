/**
 * Restoring a backup (used by scripts/restore.ts and the tests): verify every
 * file against the manifest's SHA-256 first, then load each database's rows
 * into a migrated, empty database of its kind, tables in an order that
 * satisfies the foreign keys. A backup holds every database of the chain
 * (one manifest per run); a restore writes each into the target given for
 * it, and refuses before writing anything when a target is missing or not
 * empty.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { backupTables, insertRows, literal, rowidSpan, type StoredRow } from "../db/backups";
import type { BackupDatabase, BackupFile, BackupManifest } from "./backup";

/** Parents before children, for both kinds of database; tables not listed follow in manifest order. */
const LOAD_ORDER = [
  // head office
  "stores",
  "users",
  "store_roles",
  "refresh_tokens",
  "categories",
  "products",
  "product_store_prices",
  "customers",
  "loyalty_ledger",
  "points_holds",
  "daily_reports",
  "transfers",
  "transfer_lines",
  "transfer_steps",
  // a store
  "orders",
  "order_items",
  "payments",
  "refunds",
  "refund_items",
  "inventory_logs",
  // The cash ledger before its shifts: an event may only go into a shift that
  // is not ended or closed (cash_events_need_open_shift), and a shift row that
  // does not exist yet is neither, so a closed shift's events load before it
  // (which is why the shift columns of cash_events carry no foreign key).
  "cash_drawers",
  "cash_settings",
  "cash_events",
  "shifts",
  // Last: see TRIGGER_WRITTEN.
  "outbox",
];

/**
 * Tables a store's triggers write while its orders and refunds are loaded
 * (every order row inserted writes an `order.created` outbox row): those rows
 * are artifacts of the load, not history, so they are deleted before the
 * backup's own rows of the table go in.
 */
export const TRIGGER_WRITTEN: ReadonlySet<string> = new Set(["outbox"]);

/**
 * Tables whose migration writes rows (the head office's first migration makes
 * store 1; a store's cash migration makes its one `cash_settings` row, id 1;
 * both kinds' audit migration its `audit_archive` mark, id 1): a fresh
 * database is not empty there, and the backup's rows replace those. The
 * archive mark's triggers allow it: they refuse an UPDATE that moves it back
 * and a DELETE, and INSERT OR REPLACE is neither (SQLite runs no delete
 * trigger for a replaced row unless recursive_triggers is on). The audit
 * events themselves are only inserted (no trigger writes them), so the
 * append-only triggers never see a restore.
 */
export const SEEDED_BY_MIGRATIONS: ReadonlySet<string> = new Set(["stores", "cash_settings", "audit_archive"]);

/** A statement and its values (bound by `restoreBackup`, inlined by scripts/restore.ts --sql). */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** Far beyond any hold's deadline (ms since the epoch, as `transfer_moves.expires_at` counts). */
const NO_DEADLINE = 8.64e15;

/**
 * Insert triggers that judge a live request refuse history as it was backed
 * up; such a row goes in a shape the trigger lets through, then is put back
 * as the backup holds it:
 * - a store's `transfer_moves_deadline` refuses a move whose hold has expired,
 *   which every backed-up move's has: it goes in with no deadline, then gets
 *   its own;
 * - the head office's `transfer_steps_need_status` wants the transfer where
 *   the step starts (a send from a draft, a receipt or a cancel from sent),
 *   not where it ended: each step's transfer is put there first, and once
 *   every step is in, the transfers get their statuses back (`RESET_AFTER`).
 */
const AROUND_TRIGGERS: Record<
  string,
  { before?: (row: StoredRow) => Sql[]; insert?: (row: StoredRow) => StoredRow; after?: (row: StoredRow) => Sql[] }
> = {
  transfer_moves: {
    insert: (row) => ({ ...row, expires_at: NO_DEADLINE }),
    after: (row) => [
      {
        sql: 'UPDATE "transfer_moves" SET "expires_at" = ?1 WHERE "stock_ref" = ?2',
        params: [row.expires_at, row.stock_ref],
      },
    ],
  },
  transfer_steps: {
    before: (row) => [
      {
        sql: `UPDATE "transfers" SET "status" = CASE WHEN ?1 = 'send' THEN 'draft' ELSE 'sent' END WHERE "id" = ?2`,
        params: [row.kind, row.transfer_id],
      },
    ],
  },
};

/** Once the table named has loaded, the rows of another table that `AROUND_TRIGGERS` changed go back as backed up. */
export const RESET_AFTER: Record<string, { table: string; reset: (row: StoredRow) => Sql }> = {
  transfer_steps: {
    table: "transfers",
    reset: (row) => ({ sql: 'UPDATE "transfers" SET "status" = ?1 WHERE "id" = ?2', params: [row.status, row.id] }),
  },
};

/** What loads one backed-up row: its insert (`replace` as in `insertRows`), with what gets it past a live request's trigger. */
export function rowLoad(table: string, row: StoredRow): { before: Sql[]; row: StoredRow; after: Sql[] } {
  const around = AROUND_TRIGGERS[table];
  return {
    before: around?.before?.(row) ?? [],
    row: around?.insert?.(row) ?? row,
    after: around?.after?.(row) ?? [],
  };
}

/** A statement with its values inlined, for a SQL file. */
export const inlineSql = ({ sql, params }: Sql): string =>
  `${sql.replace(/\?(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]))};`;

export async function readManifest(files: R2Bucket, id: string): Promise<BackupManifest> {
  const object = await files.get(`backups/${id}/manifest.json`);
  if (!object) throw new Error(`No backup ${id}`);
  return (await object.json()) as BackupManifest;
}

/** Throws naming the first file whose size or checksum does not match. */
export async function verifyBackup(files: R2Bucket, manifest: BackupManifest) {
  for (const file of manifest.tables) {
    const object = await files.get(file.key);
    if (!object) throw new Error(`Missing ${file.key}`);
    const hash = sha256.create();
    let bytes = 0;
    const reader = object.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.length;
    }
    if (bytes !== file.bytes || bytesToHex(hash.digest()) !== file.sha256)
      throw new Error(`Checksum mismatch for ${file.key}`);
  }
}

/** The manifest's tables, parents before children (the order any load must use). */
export function inLoadOrder<T extends { table: string }>(tables: T[]): T[] {
  const rank = (table: string) => {
    const i = LOAD_ORDER.indexOf(table);
    return i < 0 ? LOAD_ORDER.length : i;
  };
  return [...tables].sort((a, b) => rank(a.table) - rank(b.table));
}

/** The rows of one gzip NDJSON backup file, streamed. */
export async function* ndjsonRows(body: ReadableStream<Uint8Array>): AsyncGenerator<StoredRow> {
  // (Cast: Node's and workerd's stream typings disagree; both runtimes accept this.)
  const gunzip = new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const decode = new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>;
  const reader = body.pipeThrough(gunzip).pipeThrough(decode).getReader();

  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += value;
    let newline = rest.indexOf("\n");
    while (newline >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line) as StoredRow;
      newline = rest.indexOf("\n");
    }
  }
  if (rest.trim()) yield JSON.parse(rest) as StoredRow;
}

/** A manifest from before stores (one database, no `databases`): not loadable into today's two kinds. */
function databasesOf(manifest: BackupManifest): BackupDatabase[] {
  if (!Array.isArray(manifest.databases))
    throw new Error(
      `Backup ${manifest.id} predates stores (one database for everything); it cannot be restored into a head office and store databases`,
    );
  return manifest.databases;
}

/** The manifest's databases (`head-office`, `store-<CODE>`); throws for a backup from before stores. */
export const backupDatabases = (manifest: BackupManifest): BackupDatabase[] => databasesOf(manifest);

export interface RestoreOptions {
  /**
   * The databases to restore, by name (default: every one of the manifest).
   * A restore of part of a chain is for tests and for bringing one store back.
   */
  only?: string[];
  onTable?: (database: string, table: string, rows: number) => void;
}

/** Throws unless `d1` is empty (rows a migration writes aside). */
async function refuseUnlessEmpty(d1: D1Database, database: string) {
  const tables = (await backupTables(d1)).filter((t) => !SEEDED_BY_MIGRATIONS.has(t));
  if ((await rowidSpan(d1, tables)) > 0)
    throw new Error(`The target for ${database} is not empty: restore into a freshly migrated database`);
}

/**
 * One table's file into `d1`, in multi-row INSERTs of at most 100 values, about 50
 * statements per batch (an `AROUND_TRIGGERS` table's rows one by one, between their statements).
 */
async function loadTable(files: R2Bucket, d1: D1Database, file: BackupFile): Promise<number> {
  const object = await files.get(file.key);
  if (!object) throw new Error(`Missing ${file.key}`);
  const { table } = file;
  const replace = SEEDED_BY_MIGRATIONS.has(table);
  let statements: D1PreparedStatement[] = [];
  let batchRows: StoredRow[] = [];
  let columns: string[] | null = null;
  let count = 0;
  const flushRows = () => {
    if (!columns || batchRows.length === 0) return;
    statements.push(insertRows(d1, table, columns, batchRows, replace));
    batchRows = [];
  };
  const bind = (d: Sql) => d1.prepare(d.sql).bind(...d.params);
  const around = table in AROUND_TRIGGERS;
  for await (const backedUp of ndjsonRows(object.body)) {
    columns ??= Object.keys(backedUp);
    count += 1;
    if (around) {
      // Row by row: each insert between its own statements.
      const { before, row, after } = rowLoad(table, backedUp);
      statements.push(...before.map(bind), insertRows(d1, table, columns, [row], replace), ...after.map(bind));
    } else batchRows.push(backedUp);
    // D1 binds at most 100 values per statement.
    if ((batchRows.length + 1) * columns.length > 100) flushRows();
    if (statements.length >= 50) {
      await d1.batch(statements);
      statements = [];
    }
  }
  flushRows();
  if (statements.length) await d1.batch(statements);
  return count;
}

/** Every row of `file` put back as backed up (`RESET_AFTER`), 50 statements per batch. */
async function resetRows(files: R2Bucket, d1: D1Database, file: BackupFile, reset: (row: StoredRow) => Sql) {
  const object = await files.get(file.key);
  if (!object) throw new Error(`Missing ${file.key}`);
  let statements: D1PreparedStatement[] = [];
  for await (const row of ndjsonRows(object.body)) {
    const { sql, params } = reset(row);
    statements.push(d1.prepare(sql).bind(...params));
    if (statements.length >= 50) {
      await d1.batch(statements);
      statements = [];
    }
  }
  if (statements.length) await d1.batch(statements);
}

/**
 * Loads the databases of a verified backup, each into `targets[name]` (a
 * migrated, empty database of its kind); returns rows loaded per database
 * and table. Refuses before writing anything when a database to restore has
 * no target, or its target is not empty.
 */
export async function restoreBackup(
  files: R2Bucket,
  manifest: BackupManifest,
  targets: Record<string, D1Database | undefined>,
  options: RestoreOptions = {},
): Promise<Record<string, Record<string, number>>> {
  const all = databasesOf(manifest);
  const unknown = (options.only ?? []).filter((name) => !all.some((db) => db.name === name));
  if (unknown.length) throw new Error(`Backup ${manifest.id} has no database ${unknown.join(", ")}`);
  const chosen = options.only ? all.filter((db) => options.only?.includes(db.name)) : all;
  const missing = chosen.filter((db) => !targets[db.name]);
  if (missing.length)
    throw new Error(
      `No target database for ${missing.map((db) => `${db.name} (backed up from binding ${db.binding})`).join(", ")}`,
    );
  for (const db of chosen) await refuseUnlessEmpty(targets[db.name] as D1Database, db.name);

  const loaded: Record<string, Record<string, number>> = {};
  for (const db of chosen) {
    const d1 = targets[db.name] as D1Database;
    const counts: Record<string, number> = {};
    for (const file of inLoadOrder(manifest.tables.filter((f) => f.database === db.name))) {
      if (TRIGGER_WRITTEN.has(file.table)) await d1.prepare(`DELETE FROM ${file.table}`).run();
      counts[file.table] = await loadTable(files, d1, file);
      const reset = RESET_AFTER[file.table];
      const changed = reset && manifest.tables.find((f) => f.database === db.name && f.table === reset.table);
      if (reset && changed) await resetRows(files, d1, changed, reset.reset);
      options.onTable?.(db.name, file.table, counts[file.table] as number);
    }
    loaded[db.name] = counts;
  }
  return loaded;
}
