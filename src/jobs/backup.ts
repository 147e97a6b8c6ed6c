/**
 * Nightly backup (Cron, or on demand) of every database of the chain: the
 * head office and each store's (README "Stores"). Every table goes to R2 as
 * gzip-compressed NDJSON under one run prefix, `backups/<id>/<database>/`,
 * read in pages of rows and uploaded in multipart chunks, so memory stays
 * flat however large a table is. ONE manifest per run lists each database
 * (kind, store, binding, schema version) and each file (its database, table,
 * row count, SHA-256 and size), with start and end times. The backup id
 * comes from the scheduled time, so a second run for the same time finds the
 * manifest and stops. Backups older than BACKUP_RETENTION_DAYS go.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { backupTables, rowidSpan, rowsAfter, schemaVersion } from "../db/backups";
import type { Bindings } from "../env";
import { createServiceContext, type ServiceContext } from "../services/context";
import { storeScopes } from "./stores";

const PAGE_ROWS = 2000;
/**
 * D1 answers at most 1,000 queries per Worker invocation, and a backup is one
 * (a cron run or a request). Pages grow past PAGE_ROWS when the tables are
 * large enough that 2,000-row pages would need more queries than this.
 */
const QUERY_BUDGET = 800;
/** Queries made before the pages: the store list, then per database its version, table list and size. */
const QUERIES_BEFORE_PAGES = (databases: number) => 1 + 3 * databases;
/** R2 wants every part but the last to be the same size, at least 5 MiB. */
const PART_BYTES = 5 * 1024 * 1024;

/** The head office's database, or one store's. */
export const HEAD_OFFICE = "head-office";
export const storeDatabaseName = (code: string) => `store-${code}`;

/** One database of a backup: what it is and where it came from. */
export interface BackupDatabase {
  /** Its name in this manifest (and its folder under the run's prefix): `head-office` or `store-<CODE>`. */
  name: string;
  kind: "head_office" | "store";
  store_id: number | null;
  store_code: string | null;
  /** The Worker binding it was read from (`DB`, `STORE_<CODE>`): where a restore writes it back by default. */
  binding: string;
  /** The D1 database's name (`wrangler d1 …`), for scripts. */
  database_name: string | null;
  schema_version: string | null;
  /** Its files, and the rows in them all. */
  files: number;
  rows: number;
}

/** One table of one database. */
export interface BackupFile {
  /** The `name` of its database in `databases`. */
  database: string;
  table: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  id: string;
  /** The head office's last migration (each database's is in `databases`). */
  schema_version: string | null;
  started_at: string;
  finished_at: string;
  databases: BackupDatabase[];
  /** Every file of every database, head office first. */
  tables: BackupFile[];
}

const backupId = (at: Date) => at.toISOString().slice(0, 16).replace(":", "-");

/**
 * Rows per page so that reading every table of every database takes at most
 * `budget` queries: one page size for the run, from the sum of the rowid
 * spans (an upper bound on the rows).
 */
function pageRowsFor(sources: { tables: string[]; span: number }[], minRows: number, budget: number): number {
  const tables = sources.reduce((n, s) => n + s.tables.length, 0);
  if (tables === 0) return minRows;
  const span = sources.reduce((n, s) => n + s.span, 0);
  // Each table takes ⌈rows / page⌉ queries plus one that comes back short or empty.
  const pages = Math.max(1, budget - tables);
  return Math.max(minRows, Math.ceil(span / pages));
}

/**
 * A gzip file uploaded to R2 in parts as it is written: memory holds at most
 * one part, and the SHA-256 and size are of the compressed bytes.
 */
async function gzipUpload(files: R2Bucket, key: string) {
  const upload = await files.createMultipartUpload(key, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
  });
  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  const reader = gzip.readable.getReader();
  const hash = sha256.create();
  const parts: R2UploadedPart[] = [];
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let bytes = 0;

  /** Cuts one part of `size` bytes off the front of what is pending. */
  const takePart = (size: number) => {
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
    return part;
  };
  const flush = async (final: boolean) => {
    while (pendingBytes >= PART_BYTES || (final && (pendingBytes > 0 || parts.length === 0))) {
      const size = final && pendingBytes < PART_BYTES ? pendingBytes : PART_BYTES;
      parts.push(await upload.uploadPart(parts.length + 1, takePart(size)));
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

  return {
    write: (chunk: Parameters<typeof writer.write>[0]) => writer.write(chunk),
    /** Ends the file and completes the upload; its compressed size and SHA-256. */
    async finish() {
      await writer.close();
      await drain;
      await upload.complete(parts);
      return { bytes, sha256: bytesToHex(hash.digest()) };
    },
    abort: () => upload.abort().catch(() => undefined),
  };
}

async function exportTable(
  d1: D1Database,
  files: R2Bucket,
  database: string,
  table: string,
  key: string,
  pageRows: number,
): Promise<BackupFile> {
  const file = await gzipUpload(files, key);
  const encoder = new TextEncoder();
  let rows = 0;
  let after: number | null = null;
  try {
    for (;;) {
      const page = await rowsAfter(d1, table, after, pageRows);
      if (page.length === 0) break;
      after = page[page.length - 1]?.rowid ?? after;
      rows += page.length;
      await file.write(encoder.encode(page.map(({ row }) => `${JSON.stringify(row)}\n`).join("")));
      if (page.length < pageRows) break;
    }
    return { database, table, key, rows, ...(await file.finish()) };
  } catch (error) {
    await file.abort();
    throw error;
  }
}

export interface BackupOptions {
  /** Smallest page (default 2,000 rows); tests make it tiny to reach the query budget with few rows. */
  minPageRows?: number;
}

/** A database to back up: what the manifest says of it, and its binding. */
export type Source = Omit<BackupDatabase, "schema_version" | "files" | "rows"> & { d1: D1Database };

/** The head office, then every store of its stores table (inactive ones too: their data is still theirs). */
export async function sourcesOf(env: Bindings, ctx: ServiceContext): Promise<Source[]> {
  const stores = await storeScopes(env, "all");
  return [
    {
      name: HEAD_OFFICE,
      kind: "head_office",
      store_id: null,
      store_code: null,
      binding: "DB",
      database_name: null,
      d1: ctx.hq.d1,
    },
    ...stores.map((store) => ({
      name: storeDatabaseName(store.code),
      kind: "store" as const,
      store_id: store.id,
      store_code: store.code,
      binding: store.row.binding,
      database_name: store.row.databaseName,
      d1: store.d1,
    })),
  ];
}

export async function runBackup(
  env: Bindings,
  at: Date,
  options: BackupOptions = {},
): Promise<{ id: string; created: boolean; manifest?: BackupManifest }> {
  const ctx = createServiceContext(env);
  const id = backupId(at);
  const prefix = `backups/${id}/`;
  if (await env.FILES.head(`${prefix}manifest.json`)) return { id, created: false };
  const startedAt = ctx.now().toISOString();
  // Every binding is checked (storeScopes throws naming a missing one) before anything is written.
  const sources = await sourcesOf(env, ctx);
  const read = await Promise.all(
    sources.map(async (source) => {
      const [version, tables] = await Promise.all([schemaVersion(source.d1), backupTables(source.d1)]);
      return { source, version, tables, span: await rowidSpan(source.d1, tables) };
    }),
  );
  const budget = QUERY_BUDGET - QUERIES_BEFORE_PAGES(sources.length);
  const pageRows = pageRowsFor(read, options.minPageRows ?? PAGE_ROWS, budget);
  const databases: BackupDatabase[] = [];
  const tables: BackupFile[] = [];
  for (const { source, version, tables: names } of read) {
    const files: BackupFile[] = [];
    for (const table of names) {
      const key = `${prefix}${source.name}/${table}.ndjson.gz`;
      files.push(await exportTable(source.d1, env.FILES, source.name, table, key, pageRows));
    }
    const { d1: _binding, ...described } = source;
    databases.push({
      ...described,
      schema_version: version,
      files: files.length,
      rows: files.reduce((n, f) => n + f.rows, 0),
    });
    tables.push(...files);
  }
  const manifest: BackupManifest = {
    id,
    schema_version: databases[0]?.schema_version ?? null,
    started_at: startedAt,
    finished_at: ctx.now().toISOString(),
    databases,
    tables,
  };
  // The manifest goes last: a backup without one is incomplete and ignored.
  await env.FILES.put(`${prefix}manifest.json`, JSON.stringify(manifest, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
  await pruneBackups(ctx, at);
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

/** Deletes every backup older than BACKUP_RETENTION_DAYS before `at` (the run's scheduled time). */
async function pruneBackups(ctx: ServiceContext, at: Date) {
  const files = ctx.env.FILES;
  const cutoff = backupId(new Date(at.getTime() - ctx.config.backupRetentionDays * 86_400_000));
  const page = await files.list({ prefix: "backups/", delimiter: "/" });
  for (const prefix of page.delimitedPrefixes) {
    const id = prefix.slice("backups/".length, -1);
    if (id >= cutoff) continue;
    let cursor: string | undefined;
    do {
      const objects = await files.list({ prefix, ...(cursor ? { cursor } : {}) });
      if (objects.objects.length) await files.delete(objects.objects.map((o) => o.key));
      cursor = objects.truncated ? objects.cursor : undefined;
    } while (cursor);
  }
}
