import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export const createDb = (d1: D1Database) => drizzle(d1, { schema });
export type AppDatabase = ReturnType<typeof createDb>;

// drizzle() derives the relational config from the whole schema each time it
// is called, which showed up in CPU profiles of every request; the binding
// lives as long as the isolate, so one Drizzle handle per binding is enough.
const handles = new WeakMap<D1Database, AppDatabase>();

/** The Drizzle handle of a D1 binding, made once per binding object. */
export function dbFor(d1: D1Database): AppDatabase {
  let db = handles.get(d1);
  if (!db) {
    db = createDb(d1);
    handles.set(d1, db);
  }
  return db;
}

/**
 * Drizzle over a D1 session (one per request, for read replication). Built
 * without the schema: nothing here uses Drizzle's relational queries, and
 * deriving their config from the schema on every request is what `dbFor`'s
 * cache avoids for bindings.
 */
export const sessionDb = (session: D1Database): AppDatabase => drizzle(session) as unknown as AppDatabase;

/** Whether the database answers at all (for /health). */
export async function databaseAnswers(d1: D1Database): Promise<boolean> {
  const row = await d1.prepare("SELECT 1 AS ok").first<{ ok: number }>();
  return row?.ok === 1;
}

/**
 * A query built once per database handle (Drizzle's `.prepare()` with
 * `sql.placeholder`s), for reads on a request's hot path: building the SQL
 * from the query builder on every call showed in CPU profiles of payments.
 */
export function preparedPerDatabase<Q>(build: (db: AppDatabase) => Q): (db: AppDatabase) => Q {
  const prepared = new WeakMap<AppDatabase, Q>();
  return (db) => {
    let query = prepared.get(db);
    if (!query) {
      query = build(db);
      prepared.set(db, query);
    }
    return query;
  };
}
