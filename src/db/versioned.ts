/**
 * Optimistic concurrency for versioned records (categories, products,
 * customers): the UPDATE itself carries `version = expected` in its WHERE, so
 * a stale write changes nothing even when two writers race; `version`
 * increments on every successful write. Written once, here.
 */
import { and, eq, type InferInsertModel, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { ApiError, notFound } from "../lib/errors";
import type { AppDatabase } from "./client";
import { decodeRow, type Row } from "./rows";

type VersionedTable = SQLiteTable & { id: SQLiteColumn; version: SQLiteColumn; updatedAt: SQLiteColumn };

export interface VersionedUpdate<T extends VersionedTable> {
  /** What the record is called in a 404 or 409 ("Product"). */
  what: string;
  id: number;
  /** The version the client last read (If-Match or `version`); undefined writes whatever the version. */
  expected: number | undefined;
  set: Partial<InferInsertModel<T>>;
  now: string;
  /** Turns a refusal (a UNIQUE, a CHECK) into the client's error, or undefined to rethrow it. */
  onError?: (error: unknown) => Error | null | undefined;
}

/** Updates one versioned record: the new row, or 404 (gone) or 409 VERSION_CONFLICT (changed meanwhile). */
export async function updateVersioned<T extends VersionedTable>(
  db: AppDatabase,
  table: T,
  update: VersionedUpdate<T>,
): Promise<Row<T>> {
  // Drizzle's builder types do not survive a generic table; the row is the table's row.
  const t = table as unknown as VersionedTable;
  let rows: unknown[];
  try {
    rows = await db
      .update(t)
      .set({ ...update.set, version: sql`${t.version} + 1`, updatedAt: update.now } as never)
      .where(and(eq(t.id, update.id), update.expected === undefined ? undefined : eq(t.version, update.expected)))
      .returning();
  } catch (error) {
    throw update.onError?.(error) ?? error;
  }
  if (rows[0]) return rows[0] as Row<T>;
  throw await conflictOrGone(db, t, update);
}

/** The 404 (the record is gone) or the 409 VERSION_CONFLICT (it moved on) of an update that matched nothing. */
async function conflictOrGone(
  db: AppDatabase,
  t: VersionedTable,
  update: { what: string; id: number; expected?: number | undefined },
) {
  const current = await db.select({ version: t.version }).from(t).where(eq(t.id, update.id)).get();
  if (!current) return notFound(update.what);
  return versionConflict(update.what, update.expected, current.version as number);
}

const versionConflict = (what: string, sent: number | undefined, current: number) =>
  new ApiError(
    "VERSION_CONFLICT",
    `${what} was changed by someone else (you sent version ${sent}, current is ${current}); reload and retry`,
    { extra: { current_version: current } },
  );

/**
 * The statements that commit with a versioned update (its audit event, a feed
 * event), built from the row it replaces and the row it leaves (`next`: the
 * current row with the change applied, the new version and time).
 */
export type AlongsideUpdate<T extends VersionedTable> = (current: Row<T>, next: Row<T>) => D1PreparedStatement[];

/**
 * Fails the batch when the UPDATE just before it changed no row: json() of a
 * non-JSON text is an SQLite error, and changes() keeps it from being folded
 * into a constant. Statements after it (an event row) then never commit alone.
 */
export const failUnlessUpdated = (d1: D1Database) =>
  d1.prepare("SELECT json(CASE WHEN changes() = 0 THEN 'guarded update lost its race' ELSE '0' END)");

/** The batch failed at `failUnlessUpdated`: another writer changed the row since it was read. */
export const isLostRace = (error: unknown) =>
  /malformed JSON/i.test(
    `${error instanceof Error ? error.message : ""} ${String((error as { cause?: unknown })?.cause ?? "")}`,
  );

/** How often an update without an expected version re-reads after losing a race to another writer. */
const RACE_RETRIES = 3;

/**
 * A versioned update that commits with `alongside`'s statements in one batch
 * (the audit event: it needs the values the update replaces). The row is read
 * first and the UPDATE is guarded by the version read, so `current` is exactly
 * what it replaced: with an expected version the semantics are those of
 * `updateVersioned` (404, or 409 VERSION_CONFLICT writing nothing); without
 * one, a writer that slips in between only makes it read again.
 */
export async function updateVersionedWith<T extends VersionedTable>(
  hq: { d1: D1Database; db: AppDatabase },
  table: T,
  update: VersionedUpdate<T>,
  alongside: AlongsideUpdate<T>,
): Promise<Row<T>> {
  const t = table as unknown as VersionedTable;
  for (let attempt = 0; ; attempt++) {
    const current = (await hq.db.select().from(t).where(eq(t.id, update.id)).get()) as Row<T> | undefined;
    if (!current) throw notFound(update.what);
    const version = (current as { version: number }).version;
    if (update.expected !== undefined && version !== update.expected) {
      throw versionConflict(update.what, update.expected, version);
    }
    const written = Object.fromEntries(Object.entries(update.set).filter(([, value]) => value !== undefined));
    const next = { ...current, ...written, version: version + 1, updatedAt: update.now } as Row<T>;
    const query = hq.db
      .update(t)
      .set({ ...update.set, version: version + 1, updatedAt: update.now } as never)
      .where(and(eq(t.id, update.id), eq(t.version, version)))
      .returning()
      .toSQL();
    try {
      const [updated] = await hq.d1.batch([
        hq.d1.prepare(query.sql).bind(...query.params),
        failUnlessUpdated(hq.d1),
        ...alongside(current, next),
      ]);
      return decodeRow(table, updated?.results[0]) as Row<T>;
    } catch (error) {
      if (!isLostRace(error)) throw update.onError?.(error) ?? error;
      if (update.expected !== undefined || attempt + 1 >= RACE_RETRIES) throw await conflictOrGone(hq.db, t, update);
    }
  }
}
