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
import type { Row } from "./rows";

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
  const current = await db.select({ version: t.version }).from(t).where(eq(t.id, update.id)).get();
  if (!current) throw notFound(update.what);
  throw new ApiError(
    "VERSION_CONFLICT",
    `${update.what} was changed by someone else (you sent version ${update.expected}, current is ${current.version}); reload and retry`,
    { extra: { current_version: current.version } },
  );
}
