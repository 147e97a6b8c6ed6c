/**
 * Filtered, paginated reads: a WHERE built from fixed SQL fragments with
 * numbered parameters, and one D1 batch for the page and its total.
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

export interface PageQuery {
  /** e.g. "SELECT o.* FROM orders o" */
  select: string;
  /** e.g. "FROM orders o" (for the COUNT) */
  from: string;
  where: Where;
  orderBy: string;
  skip: number;
  limit: number;
}

export async function readPage<T>(d1: D1Database, q: PageQuery): Promise<{ total: number; rows: T[] }> {
  const n = q.where.params.length;
  const [rows, totals] = await d1.batch([
    d1
      .prepare(`${q.select} ${q.where.clause} ORDER BY ${q.orderBy} LIMIT ?${n + 1} OFFSET ?${n + 2}`)
      .bind(...q.where.params, q.limit, q.skip),
    d1.prepare(`SELECT COUNT(*) AS total ${q.from} ${q.where.clause}`).bind(...q.where.params),
  ]);
  return {
    total: (totals?.results[0] as { total: number } | undefined)?.total ?? 0,
    rows: (rows?.results ?? []) as T[],
  };
}
