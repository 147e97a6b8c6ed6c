/**
 * Nightly backup (Cron, or on demand): every table to R2 as gzip-compressed
 * NDJSON, read in pages of rows and uploaded in multipart chunks, so memory
 * stays flat however large a table is; a manifest records the schema version,
 * row counts, each file's SHA-256 and size, and start and end times. The
 * backup id comes from the scheduled time, so a second run for the same time
 * finds the manifest and stops. Backups older than BACKUP_RETENTION_DAYS go.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Bindings } from "../env";
import { appConfig } from "../lib/config";

const PAGE_ROWS = 2000;
/**
 * D1 answers at most 1,000 queries per Worker invocation, and a backup is one
 * (a cron run or a request). Pages grow past PAGE_ROWS when the tables are
 * large enough that 2,000-row pages would need more queries than this.
 */
const QUERY_BUDGET = 800;
/** R2 wants every part but the last to be the same size, at least 5 MiB. */
const PART_BYTES = 5 * 1024 * 1024;

export interface BackupFile {
  table: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  id: string;
  schema_version: string | null;
  started_at: string;
  finished_at: string;
  tables: BackupFile[];
}

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

const backupId = (at: Date) => at.toISOString().slice(0, 16).replace(":", "-");

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rows per page so that reading every table takes at most `budget` queries.
 * A table's rowid span (max − min + 1) bounds its row count from above and
 * costs an index lookup, not a scan; one query asks it for every table.
 */
async function pageRowsFor(d1: D1Database, tables: string[], minRows: number, budget: number): Promise<number> {
  if (tables.length === 0) return minRows;
  const spans = tables
    .map((table) => `(SELECT COALESCE(MAX(rowid) - MIN(rowid) + 1, 0) FROM ${quoteId(table)})`)
    .join(" + ");
  const row = await d1.prepare(`SELECT ${spans} AS span`).first<{ span: number }>();
  // Each table takes ⌈rows / page⌉ queries plus one that comes back short or empty.
  const pages = Math.max(1, budget - tables.length);
  return Math.max(minRows, Math.ceil((row?.span ?? 0) / pages));
}

async function exportTable(
  d1: D1Database,
  files: R2Bucket,
  table: string,
  key: string,
  pageRows: number,
): Promise<BackupFile> {
  const upload = await files.createMultipartUpload(key, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
  });
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const reader = gzip.readable.getReader();
  const hash = sha256.create();
  const parts: R2UploadedPart[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let bytes = 0;

  const flush = async (final: boolean) => {
    while (pendingBytes >= PART_BYTES || (final && (pendingBytes > 0 || parts.length === 0))) {
      const size = final && pendingBytes < PART_BYTES ? pendingBytes : PART_BYTES;
      const part = new Uint8Array(size);
      let filled = 0;
      while (filled < size) {
        const head = pending[0] as Uint8Array;
        const take = Math.min(head.length, size - filled);
        part.set(head.subarray(0, take), filled);
        filled += take;
        if (take === head.length) pending.shift();
        else pending[0] = head.subarray(take);
      }
      pendingBytes -= size;
      parts.push(await upload.uploadPart(parts.length + 1, part));
      if (final && pendingBytes === 0) break;
    }
  };
  const drain = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      bytes += value.length;
      pending.push(value);
      pendingBytes += value.length;
      await flush(false);
    }
    await flush(true);
  })();

  const encoder = new TextEncoder();
  let rows = 0;
  let after = -Infinity;
  try {
    for (;;) {
      const { results } = await d1
        .prepare(`SELECT rowid AS __rowid, * FROM ${quoteId(table)} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2`)
        .bind(after === -Infinity ? -9007199254740991 : after, pageRows)
        .all<Record<string, unknown> & { __rowid: number }>();
      if (results.length === 0) break;
      const text = results
        .map(({ __rowid, ...row }) => {
          after = __rowid;
          return `${JSON.stringify(row)}\n`;
        })
        .join("");
      rows += results.length;
      await writer.write(encoder.encode(text));
      if (results.length < pageRows) break;
    }
    await writer.close();
    await drain;
    await upload.complete(parts);
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  }
  pending = [];
  return { table, key, rows, bytes, sha256: bytesToHex(hash.digest()) };
}

export interface BackupOptions {
  /** Smallest page (default 2,000 rows); tests make it tiny to reach the query budget with few rows. */
  minPageRows?: number;
}

export async function runBackup(
  env: Bindings,
  at: Date,
  options: BackupOptions = {},
): Promise<{ id: string; created: boolean; manifest?: BackupManifest }> {
  const id = backupId(at);
  const prefix = `backups/${id}/`;
  if (await env.FILES.head(`${prefix}manifest.json`)) return { id, created: false };
  const startedAt = new Date().toISOString();
  const version = await env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1")
    .first<{ name: string }>()
    .catch(() => null);
  const names = await backupTables(env.DB);
  // Queries so far: the version, the table list, the sizes; the pages get the rest.
  const pageRows = await pageRowsFor(env.DB, names, options.minPageRows ?? PAGE_ROWS, QUERY_BUDGET - 3);
  const tables: BackupFile[] = [];
  for (const table of names) {
    tables.push(await exportTable(env.DB, env.FILES, table, `${prefix}${table}.ndjson.gz`, pageRows));
  }
  const manifest: BackupManifest = {
    id,
    schema_version: version?.name ?? null,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    tables,
  };
  // The manifest goes last: a backup without one is incomplete and ignored.
  await env.FILES.put(`${prefix}manifest.json`, JSON.stringify(manifest, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
  await pruneBackups(env, at);
  return { id, created: true, manifest };
}

export async function listBackups(files: R2Bucket): Promise<BackupManifest[]> {
  const manifests: BackupManifest[] = [];
  let cursor: string | undefined;
  do {
    const page = await files.list({ prefix: "backups/", delimiter: "/", ...(cursor ? { cursor } : {}) });
    for (const prefix of page.delimitedPrefixes) {
      const object = await files.get(`${prefix}manifest.json`);
      if (object) manifests.push((await object.json()) as BackupManifest);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return manifests.sort((a, b) => (a.id < b.id ? 1 : -1));
}

async function pruneBackups(env: Bindings, now: Date) {
  const days = appConfig(env).backupRetentionDays;
  const cutoff = backupId(new Date(now.getTime() - days * 86_400_000));
  const page = await env.FILES.list({ prefix: "backups/", delimiter: "/" });
  for (const prefix of page.delimitedPrefixes) {
    const id = prefix.slice("backups/".length, -1);
    if (id >= cutoff) continue;
    let cursor: string | undefined;
    do {
      const objects = await env.FILES.list({ prefix, ...(cursor ? { cursor } : {}) });
      if (objects.objects.length) await env.FILES.delete(objects.objects.map((o) => o.key));
      cursor = objects.truncated ? objects.cursor : undefined;
    } while (cursor);
  }
}
