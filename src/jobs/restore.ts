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
import { backupTables, insertRows, rowidSpan, type StoredRow } from "../db/backups";
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
const TRIGGER_WRITTEN: ReadonlySet<string> = new Set(["outbox"]);

/**
 * Tables whose migration writes rows (the head office's first migration makes
 * store 1; a store's cash migration makes its one `cash_settings` row, id 1):
 * a fresh database is not empty there, and the backup's rows replace those.
 */
export const SEEDED_BY_MIGRATIONS: ReadonlySet<string> = new Set(["stores", "cash_settings"]);

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

/** One table's file into `d1`, in multi-row INSERTs of at most 100 values, 50 per batch. */
async function loadTable(files: R2Bucket, d1: D1Database, file: BackupFile): Promise<number> {
  const object = await files.get(file.key);
  if (!object) throw new Error(`Missing ${file.key}`);
  const replace = SEEDED_BY_MIGRATIONS.has(file.table);
  let statements: D1PreparedStatement[] = [];
  let batchRows: StoredRow[] = [];
  let columns: string[] | null = null;
  let count = 0;
  const flushRows = () => {
    if (!columns || batchRows.length === 0) return;
    statements.push(insertRows(d1, file.table, columns, batchRows, replace));
    batchRows = [];
  };
  for await (const row of ndjsonRows(object.body)) {
    columns ??= Object.keys(row);
    batchRows.push(row);
    count += 1;
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
      options.onTable?.(db.name, file.table, counts[file.table] as number);
    }
    loaded[db.name] = counts;
  }
  return loaded;
}
