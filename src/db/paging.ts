/**
 * Every list answer has one envelope, `{ total, skip, limit, data }`, built
 * here and nowhere else: `pageOf` for one table through Drizzle, `readPage`
 * for SQL that joins. Each reads the page and its total in one D1 batch.
 */
import { count, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";

export interface PageRequest {
  skip: number;
  limit: number;
}

export interface Page<T> extends PageRequest {
  total: number;
  data: T[];
}

/** Maps the rows of a page, keeping its envelope. */
export const mapPage = <T, U>(page: Page<T>, view: (row: T) => U): Page<U> => ({
  total: page.total,
  skip: page.skip,
  limit: page.limit,
  data: page.data.map(view),
});

/** A page of one table's rows, filtered by `where` and sorted by `orderBy`. */
export async function pageOf<T extends SQLiteTable>(
  db: AppDatabase,
  table: T,
  query: PageRequest & { where: SQL | undefined; orderBy: SQL[] },
): Promise<Page<Row<T>>> {
  // Drizzle's builder types do not survive a generic table; the rows are the table's rows.
  const from = table as unknown as SQLiteTable;
  const [rows, totals] = await db.batch([
    db
      .select()
      .from(from)
      .where(query.where)
      .orderBy(...query.orderBy)
      .limit(query.limit)
      .offset(query.skip),
    db.select({ total: count() }).from(from).where(query.where),
  ]);
  return { total: totals[0]?.total ?? 0, skip: query.skip, limit: query.limit, data: rows as Row<T>[] };
}

/**
 * A WHERE built from fixed SQL fragments with numbered parameters, for the
 * raw-SQL pages (joins, reports): `where.and((p) => \`o.user_id = ${p}\`, id)`.
 */
export class Where {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** Binds a value and returns its placeholder (?n). */
  bind(value: unknown): string {
    this.params.push(value);
    return `?${this.params.length}`;
  }

  /** Adds a condition; `fragment` gets the placeholder of `value` when one is given. */
  and(fragment: string | ((placeholder: string) => string), ...value: [unknown?]): this {
    this.parts.push(typeof fragment === "string" ? fragment : fragment(this.bind(value[0])));
    return this;
  }

  get clause(): string {
    return this.parts.length ? `WHERE ${this.parts.join(" AND ")}` : "";
  }
}

export interface RawPageQuery<T> extends PageRequest {
  /** e.g. "SELECT o.* FROM orders o" */
  select: string;
  /** e.g. "FROM orders o" (for the COUNT) */
  from: string;
  where: Where;
  orderBy: string;
  /** Turns a raw row into the page's item (e.g. `(raw) => decodeRow(orders, raw)`). */
  decode: (raw: unknown) => T;
  /**
   * Parameters only `select` uses (not the COUNT), bound after the where's:
   * the first is `?${where.params.length + 1}`.
   */
  selectParams?: unknown[];
}

export async function readPage<T>(d1: D1Database, q: RawPageQuery<T>): Promise<Page<T>> {
  const extra = q.selectParams ?? [];
  const n = q.where.params.length + extra.length;
  const [rows, totals] = await d1.batch([
    d1
      .prepare(`${q.select} ${q.where.clause} ORDER BY ${q.orderBy} LIMIT ?${n + 1} OFFSET ?${n + 2}`)
      .bind(...q.where.params, ...extra, q.limit, q.skip),
    d1.prepare(`SELECT COUNT(*) AS total ${q.from} ${q.where.clause}`).bind(...q.where.params),
  ]);
  return {
    total: (totals?.results[0] as { total: number } | undefined)?.total ?? 0,
    skip: q.skip,
    limit: q.limit,
    data: (rows?.results ?? []).map(q.decode),
  };
}
