/**
 * Audit retention (README "Audit trail"), run by the nightly backup's cron
 * after the backup: in each database (the head office and every store, each
 * night starting one further along the list),
 * the audit events older than AUDIT_RETENTION_MONTHS (whole UTC days before
 * the cutoff day) go to R2, one object per day in the backup's format and
 * hash-chained (audit/archive.ts), and then leave D1 in ONE batch: the
 * archive mark moves to the first day not archived with the chain's new tip,
 * and the events below it are deleted (the triggers refuse deleting anything
 * above the mark). The mark moves only if nothing changed under the run, so
 * a second run at once, or a rerun, archives nothing twice; a day object
 * written by a run whose mark did not move is rewritten by the next one.
 *
 * Bounded: D1 answers at most 1,000 queries per invocation and the backup
 * before it takes up to 800, so a run makes at most RETENTION_QUERY_BUDGET
 * queries and writes at most RETENTION_OBJECT_BUDGET day objects; a
 * database whose old days do not fit goes as far as whole days allow and
 * the next night continues from its mark.
 */
import { type ArchivedDayMetadata, auditArchiveKey, dayHash } from "../audit/archive";
import {
  type AuditPosition,
  advanceArchiveMark,
  auditRowsBetween,
  deleteArchivedEvents,
  retentionProbe,
} from "../db/audit-events";
import { runAlone } from "../db/batch";
import type { Bindings } from "../env";
import { createServiceContext } from "../services/context";
import { type Source, sourcesOf } from "./backup";

/** Queries one run may make (the backup's QUERY_BUDGET is 800 of D1's 1,000). */
export const RETENTION_QUERY_BUDGET = 150;
/** Day objects one run may write (each an R2 operation, a subrequest of the cron's invocation). */
export const RETENTION_OBJECT_BUDGET = 200;
/** Rows per read. */
const PAGE_ROWS = 1000;
/** What finishing a database costs: the mark and the delete (one batch, two queries). */
const FINISH_QUERIES = 2;

/** The first UTC day kept: `months` before `at`'s day (the month's last day when it is shorter). */
export function retentionCutoff(at: Date, months: number): string {
  const first = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - months, 1));
  const monthDays = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(at.getUTCDate(), monthDays));
  return first.toISOString().slice(0, 10);
}

export interface RetentionOptions {
  /** Queries this run may make (default RETENTION_QUERY_BUDGET); tests shrink it. */
  queryBudget?: number;
  /** Day objects this run may write (default RETENTION_OBJECT_BUDGET). */
  objectBudget?: number;
  /** Rows per read (default 1,000). */
  pageRows?: number;
}

export interface DatabaseRetention {
  database: string;
  /** The days written to R2 and removed from D1 by this run. */
  days: string[];
  rows: number;
  /** The database's mark after the run. */
  archived_before: string;
  /** False when the mark had moved or an old-dated event arrived under the run: nothing left D1. */
  committed: boolean;
}

export interface RetentionResult {
  cutoff: string;
  databases: DatabaseRetention[];
  /** Databases (or their later days) left for the next run because the query budget ran out. */
  left_for_next_run: number;
}

const encoder = new TextEncoder();

/**
 * One day's rows to R2 as one gzip NDJSON object (one R2 operation: a day is
 * in memory already), chained to `previousHash`; its hash.
 */
async function writeDay(files: R2Bucket, database: string, day: string, rows: unknown[], previousHash: string) {
  const ndjson = encoder.encode(rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  const hash = dayHash(previousHash, ndjson);
  // (Cast: Node's and workerd's stream typings disagree; both runtimes accept this.)
  const deflate = new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const gzipped = await new Response(new Blob([ndjson]).stream().pipeThrough(deflate)).arrayBuffer();
  const metadata: ArchivedDayMetadata = { database, day, rows: String(rows.length), previous_hash: previousHash, hash };
  await files.put(auditArchiveKey(database, day), gzipped, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { ...metadata },
  });
  return hash;
}

/** What one run may spend, shared by its databases: D1 queries and R2 objects written. */
class RunBudget {
  constructor(
    private queries: number,
    private objects: number,
  ) {}
  /** Takes one query if that still leaves enough to finish a database. */
  query(): boolean {
    if (this.queries < 1 + FINISH_QUERIES) return false;
    this.queries -= 1;
    return true;
  }
  object(): boolean {
    if (this.objects < 1) return false;
    this.objects -= 1;
    return true;
  }
  finish() {
    this.queries -= FINISH_QUERIES;
  }
}

/** The days of one database written so far by a run, and the chain's tip after them. */
interface Progress {
  days: string[];
  archived: number;
  lastHash: string;
}

/**
 * Reads a database's events from its mark to the cutoff, oldest first, a
 * page at a time, and writes each day once a row of a later day (or the
 * end) shows it is whole. Returns where it stopped: the cutoff when it read
 * everything, else the first day it did not write (out of budget).
 */
async function archiveDays(
  files: R2Bucket,
  source: Pick<Source, "name" | "d1">,
  found: { archivedBefore: string; lastHash: string },
  cutoff: string,
  budget: RunBudget,
  pageRows: number,
): Promise<Progress & { stoppedAt: string }> {
  const progress: Progress = { days: [], archived: 0, lastHash: found.lastHash };
  let day: { name: string; rows: Record<string, unknown>[] } | null = null;
  const write = async (whole: { name: string; rows: Record<string, unknown>[] }) => {
    if (!budget.object()) return false;
    progress.lastHash = await writeDay(files, source.name, whole.name, whole.rows, progress.lastHash);
    progress.days.push(whole.name);
    progress.archived += whole.rows.length;
    return true;
  };
  let after: AuditPosition | undefined;
  while (budget.query()) {
    const page = await runAlone(
      auditRowsBetween(source.d1, { from: found.archivedBefore, below: cutoff }, after, pageRows),
    );
    for (const row of page) {
      const name = String(row.at).slice(0, 10);
      if (day && day.name !== name) {
        if (!(await write(day))) return { ...progress, stoppedAt: day.name };
        day = null;
      }
      day ??= { name, rows: [] };
      day.rows.push(row);
    }
    const last = page.at(-1);
    if (last) after = { at: String(last.at), id: Number(last.id) };
    if (page.length < pageRows) {
      if (day && !(await write(day))) return { ...progress, stoppedAt: day.name };
      return { ...progress, stoppedAt: cutoff };
    }
  }
  // Out of queries in the middle of a day: that day and the later ones wait for the next run.
  return { ...progress, stoppedAt: day ? day.name : found.archivedBefore };
}

/** Archives one database's old days, as far as the budget goes (null: nothing to archive). */
async function retainDatabase(
  files: R2Bucket,
  source: Pick<Source, "name" | "d1">,
  cutoff: string,
  budget: RunBudget,
  options: { pageRows: number; at: string },
): Promise<DatabaseRetention | "out_of_budget" | null> {
  if (!budget.query()) return "out_of_budget";
  const found = await runAlone(retentionProbe(source.d1, cutoff));
  if (!found?.oldest) return null;
  const done = await archiveDays(files, source, found, cutoff, budget, options.pageRows);
  if (done.days.length === 0) return "out_of_budget";
  budget.finish();
  const [moved] = await source.d1.batch([
    advanceArchiveMark(source.d1, found, {
      archivedBefore: done.stoppedAt,
      lastHash: done.lastHash,
      archived: done.archived,
      at: options.at,
    }).prepared,
    deleteArchivedEvents(source.d1, found).prepared,
  ]);
  const committed = (moved?.results.length ?? 0) > 0;
  return {
    database: source.name,
    days: done.days,
    rows: committed ? done.archived : 0,
    archived_before: committed ? done.stoppedAt : found.archivedBefore,
    committed,
  };
}

/**
 * The databases in this night's order: each night starts one further along
 * the list, so when the budget runs out before the end (a chain of many
 * stores with a backlog) the same databases are not the ones left every night.
 */
export function inTurn<T>(sources: readonly T[], at: Date): T[] {
  if (sources.length === 0) return [];
  const start = Math.floor(at.getTime() / 86_400_000) % sources.length;
  return [...sources.slice(start), ...sources.slice(0, start)];
}

/** The nightly retention of every database of the chain (`at`: the cron's scheduled time). */
export async function runAuditRetention(
  env: Bindings,
  at: Date,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const ctx = createServiceContext(env, { now: () => at });
  const cutoff = retentionCutoff(at, ctx.config.auditRetentionMonths);
  // One query goes to the store list.
  const budget = new RunBudget(
    (options.queryBudget ?? RETENTION_QUERY_BUDGET) - 1,
    options.objectBudget ?? RETENTION_OBJECT_BUDGET,
  );
  const sources = await sourcesOf(env, ctx);
  const databases: DatabaseRetention[] = [];
  let left = 0;
  for (const source of inTurn(sources, at)) {
    const done = await retainDatabase(env.FILES, source, cutoff, budget, {
      pageRows: options.pageRows ?? PAGE_ROWS,
      at: at.toISOString(),
    });
    if (done === "out_of_budget") left += 1;
    else if (done) {
      databases.push(done);
      if (done.archived_before !== cutoff) left += 1;
    }
  }
  return { cutoff, databases, left_for_next_run: left };
}
