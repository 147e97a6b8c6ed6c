/**
 * One D1 batch, built as a service's protocol reads: statements are added and
 * answer with handles (never positions), guards are named, CHECK constraints
 * are mapped to the error a client should see once, and the Idempotency-Key
 * is claimed in the same transaction as the effect.
 *
 *   const batch = new Batch(d1);
 *   batch.claimKey(idem, { type: "order", ref: number }, now);
 *   const order = batch.add(insertOrder(d1, ...));
 *   batch.guard("order still pending", unlessPending(d1, id));   // db/orders.ts, over orderGuard
 *   batch.refuseOn("orders_paid_within_total", () => new ApiError(...));
 *   await batch.commit();          // or batch.run(probe) inside the stock protocol
 *   order.value                    // the decoded RETURNING row
 *
 * D1 runs a batch as one transaction: any statement that fails (a CHECK, a
 * trigger's RAISE, a UNIQUE) rolls all of them back, which is what guards use.
 */
import type { Table } from "drizzle-orm";
import { isCheckViolation, isD1Refusal } from "../lib/db-errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import { claimKeyStatement, isKeyCollision, type KeyResource } from "./idempotency-keys";
import { decodeRow, decodeRows, type Row } from "./rows";

/** A prepared statement and how to read its result. */
export interface Statement<T> {
  readonly prepared: D1PreparedStatement;
  readonly decode: (result: D1Result) => T;
}

/** A statement whose result is what D1 says about it (`meta.changes`, raw rows). */
export const statement = (prepared: D1PreparedStatement): Statement<D1Result> => ({ prepared, decode: (r) => r });

/** A statement that RETURNs rows of `table` (`RETURNING *` or some of its columns). */
export const returningRows = <T extends Table, R = Row<T>>(
  table: T,
  prepared: D1PreparedStatement,
): Statement<R[]> => ({ prepared, decode: (r) => decodeRows<T, R>(table, r.results) });

/** A statement that RETURNs (or SELECTs) at most one row of `table`. */
export const returningRow = <T extends Table, R = Row<T>>(
  table: T,
  prepared: D1PreparedStatement,
): Statement<R | undefined> => ({
  prepared,
  decode: (r) => (r.results[0] === undefined ? undefined : decodeRow<T, R>(table, r.results[0])),
});

/** Rows that are not a table's (a computed RETURNING, a report line), typed where they are declared. */
export const returningShape = <R>(prepared: D1PreparedStatement): Statement<R[]> => ({
  prepared,
  decode: (r) => (r.results ?? []) as R[],
});

/** Runs one statement on its own (no batch) and reads its result. */
export const runAlone = async <T>(s: Statement<T>): Promise<T> => s.decode(await s.prepared.all());

/** The result of one added statement, readable once the batch committed. */
export class Handle<T> {
  constructor(private readonly read: () => T) {}

  get value(): T {
    return this.read();
  }
}

/** Turns a refused batch into the error the caller should see (may read the database to say why). */
type Explain = (error: unknown) => Error | Promise<Error>;

export type BatchOutcome =
  | { kind: "committed" }
  /** The call failed, but the probe shows the batch landed: settle as committed and re-read the result. */
  | { kind: "written"; error: unknown }
  | { kind: "refused"; error: unknown }
  | { kind: "unknown"; error: unknown };

export class Batch {
  private readonly statements: Statement<unknown>[] = [];
  private readonly refusals: { matches: (error: unknown) => boolean; explain: Explain }[] = [];
  private readonly guardNames: string[] = [];
  private results: D1Result[] | undefined;

  constructor(readonly d1: D1Database) {}

  get size() {
    return this.statements.length;
  }

  /** The guards in this batch, by name (for explanations and tests). */
  get guards(): readonly string[] {
    return this.guardNames;
  }

  add<T>(s: Statement<T>): Handle<T> {
    const index = this.statements.push(s as Statement<unknown>) - 1;
    return new Handle(() => s.decode(this.resultAt(index)));
  }

  /** Several statements of one kind (chunks of a multi-row INSERT): one handle for all their results. */
  addEach<T>(list: Statement<T[]>[]): Handle<T[]> {
    const handles = list.map((s) => this.add(s));
    return new Handle(() => handles.flatMap((h) => h.value));
  }

  /**
   * A statement that makes the whole batch fail when the state it was planned
   * on no longer holds (a racing request changed it). `name` says what must
   * still be true; it documents the batch and is listed in `guards`.
   */
  guard(name: string, prepared: D1PreparedStatement): void {
    this.guardNames.push(name);
    this.add(statement(prepared));
  }

  /**
   * Maps a refusal to a client's error. `on` is a CHECK constraint's name or a
   * test on the D1 error; the first matching mapping wins, in the order added.
   * `explain` runs only on a refusal: an Error made up front would capture a
   * stack trace on every request for nothing.
   */
  refuseOn(on: string | ((error: unknown) => boolean), explain: Explain): this {
    const matches = typeof on === "string" ? (error: unknown) => isCheckViolation(error, on) : on;
    this.refusals.push({ matches, explain });
    return this;
  }

  /**
   * Claims the Idempotency-Key in this batch (nothing when there is none). A
   * twin that claimed it first makes this batch fail with `KeyCollision`.
   * With `ref: LAST_INSERTED` the key names the row of the statement added just before.
   */
  claimKey(idem: IdempotencyContext | null, resource: KeyResource, now: string): void {
    if (!idem) return;
    this.add(statement(claimKeyStatement(this.d1, idem, resource, now)));
    // Checked before any other mapping: the twin's batch explains everything.
    this.refusals.unshift({ matches: isKeyCollision, explain: () => new KeyCollision() });
  }

  /** Runs the batch; a refusal is thrown as its mapped error (or as D1 said it). */
  async commit(): Promise<void> {
    try {
      this.results = await this.d1.batch(this.statements.map((s) => s.prepared));
    } catch (error) {
      throw await this.explain(error);
    }
  }

  /**
   * Runs the batch and classifies a failure, for the stock protocol: when D1
   * refused the statements nothing was written ("refused", mapped); when the
   * call itself failed, `probe` asks D1 whether the batch landed, and only if
   * that also fails is the outcome "unknown".
   */
  async run(probe: () => Promise<unknown>): Promise<BatchOutcome> {
    try {
      this.results = await this.d1.batch(this.statements.map((s) => s.prepared));
      return { kind: "committed" };
    } catch (error) {
      if (isD1Refusal(error)) return { kind: "refused", error: await this.explain(error) };
      try {
        if (await probe()) return { kind: "written", error };
        return { kind: "refused", error: await this.explain(error) };
      } catch {
        return { kind: "unknown", error };
      }
    }
  }

  private async explain(error: unknown): Promise<unknown> {
    const refusal = this.refusals.find((r) => r.matches(error));
    return refusal ? refusal.explain(error) : error;
  }

  private resultAt(index: number): D1Result {
    const result = this.results?.[index];
    if (!result) throw new Error("A batch result was read before the batch committed");
    return result;
  }
}
