/**
 * Restoring a backup (used by scripts/restore.ts and the tests): verify every
 * file against the manifest's SHA-256 first, then load the rows into a
 * migrated, empty database in an order that satisfies the foreign keys.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { insertRows, type StoredRow } from "../db/backups";
import type { BackupManifest } from "./backup";

/** Parents before children; tables not listed follow in manifest order. */
const LOAD_ORDER = [
  "users",
  "categories",
  "products",
  "customers",
  "orders",
  "order_items",
  "payments",
  "refunds",
  "refund_items",
  "inventory_logs",
  "loyalty_ledger",
];

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

/** Loads every table of a verified backup into `d1`; returns rows loaded per table. */
export async function restoreBackup(
  files: R2Bucket,
  d1: D1Database,
  manifest: BackupManifest,
  onTable?: (table: string, rows: number) => void,
) {
  const ordered = inLoadOrder(manifest.tables);
  const loaded: Record<string, number> = {};
  for (const file of ordered) {
    const object = await files.get(file.key);
    if (!object) throw new Error(`Missing ${file.key}`);
    let statements: D1PreparedStatement[] = [];
    let batchRows: StoredRow[] = [];
    let columns: string[] | null = null;
    let count = 0;
    const flushRows = () => {
      if (!columns || batchRows.length === 0) return;
      statements.push(insertRows(d1, file.table, columns, batchRows));
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
    loaded[file.table] = count;
    onTable?.(file.table, count);
  }
  return loaded;
}
