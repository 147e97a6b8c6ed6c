/**
 * The audit trail's archive in R2 (README "Audit trail"): what leaves D1
 * after `AUDIT_RETENTION_MONTHS` (jobs/audit-retention.ts) is kept as one
 * object per database and UTC day, `audit/<database>/<YYYY-MM-DD>.ndjson.gz`,
 * in the nightly backup's format (gzip NDJSON, one row per line as D1 stores
 * it, as `backups/<id>/<database>/audit_events.ndjson.gz` holds it), so the
 * restore's readers read it too.
 *
 * The days of a database form a hash chain: each object's custom metadata
 * carries `previous_hash` (the hash of the database's day archived before
 * it; `genesis` for the first) and `hash` = SHA-256 of previous_hash, a
 * newline, and the day's NDJSON as written (the canonical rows: each row's
 * JSON with the table's columns in order, one per line). The tip is kept in
 * D1 (`audit_archive.last_hash`). A changed row changes its day's hash; a
 * changed hash breaks the next day's link; a day taken out breaks the link
 * of the day after it; a last day taken out leaves the chain short of the tip.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** The chain's start: the first archived day's previous_hash. */
export const GENESIS = "genesis";

export const auditArchivePrefix = (database: string) => `audit/${database}/`;
export const auditArchiveKey = (database: string, day: string) => `${auditArchivePrefix(database)}${day}.ndjson.gz`;

/** A day's hash: SHA-256 over its previous hash, a newline, and its NDJSON bytes. */
export function dayHash(previousHash: string, ndjson: Uint8Array): string {
  return bytesToHex(
    sha256
      .create()
      .update(utf8ToBytes(`${previousHash}\n`))
      .update(ndjson)
      .digest(),
  );
}

/** The chain fields every archived day carries as R2 custom metadata. */
export interface ArchivedDayMetadata {
  database: string;
  day: string;
  rows: string;
  previous_hash: string;
  hash: string;
}

export interface ArchiveVerification {
  database: string;
  /** Days checked (those below the mark when one is given). */
  days: number;
  ok: boolean;
  /** The hash the walk ended on (the tip the database's mark should hold). */
  lastHash: string;
  /** The first day whose hash or link does not hold (null day: the chain ends short of the mark's tip). */
  broken?: { day: string | null; reason: string };
}

async function gunzip(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  // (Cast: Node's and workerd's stream typings disagree; both runtimes accept this.)
  const inflate = new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return new Uint8Array(await new Response(body.pipeThrough(inflate)).arrayBuffer());
}

async function archivedDays(files: R2Bucket, database: string): Promise<string[]> {
  const prefix = auditArchivePrefix(database);
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await files.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys
    .map((key) => /^(\d{4}-\d{2}-\d{2})\.ndjson\.gz$/.exec(key.slice(prefix.length))?.[1])
    .filter((day): day is string => day !== undefined)
    .sort();
}

/**
 * Walks a database's archived days in order and reports the first whose
 * hash or chain link does not match. With `mark` (the database's
 * audit_archive row), only the days below `archivedBefore` count (a day
 * written by a run whose mark did not move is not part of the chain yet),
 * and the walk must end on `lastHash`.
 */
export async function verifyAuditArchive(
  files: R2Bucket,
  database: string,
  mark?: { archivedBefore: string; lastHash: string },
): Promise<ArchiveVerification> {
  const days = (await archivedDays(files, database)).filter((day) => !mark || day < mark.archivedBefore);
  let previous = GENESIS;
  let checked = 0;
  const broken = (day: string | null, reason: string): ArchiveVerification => ({
    database,
    days: checked,
    ok: false,
    lastHash: previous,
    broken: { day, reason },
  });
  for (const day of days) {
    const object = await files.get(auditArchiveKey(database, day));
    if (!object) return broken(day, "the object went while the archive was read");
    checked += 1;
    const meta = (object.customMetadata ?? {}) as Partial<ArchivedDayMetadata>;
    if (meta.previous_hash !== previous) {
      return broken(
        day,
        `chain broken: previous_hash ${meta.previous_hash ?? "(none)"} is not the hash of the day before (${previous})`,
      );
    }
    const hash = dayHash(previous, await gunzip(object.body));
    if (hash !== meta.hash) return broken(day, `hash mismatch: the rows hash to ${hash}, the day says ${meta.hash}`);
    previous = hash;
  }
  if (mark && previous !== mark.lastHash) {
    return broken(
      null,
      `the chain ends on ${previous} (${days.at(-1) ?? "no day"}) but the database's last archived hash is ${mark.lastHash}: a day is missing`,
    );
  }
  return { database, days: checked, ok: true, lastHash: previous };
}
