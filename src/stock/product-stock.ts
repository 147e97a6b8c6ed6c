/**
 * ProductStock: one Durable Object per (store, product) (named by
 * `stockObjectName`), the gate every stock change of that product at that
 * store passes through. It runs one call at a time, and inside a call the check and
 * the change happen with no `await` between them, so two tills can never both
 * take the last unit.
 *
 * Every change is an entry keyed by the caller's ref (an order number,
 * ADJ-…, CAN-…):
 * - `reserve` takes units at once (they stop being available) and holds them;
 * - `credit` announces units coming back, available only once committed;
 * - `commit` settles an entry after its D1 batch committed;
 * - `release` undoes it after its D1 batch was refused.
 * An entry nobody settles (the caller lost its connection) expires; the alarm
 * then looks the ref up in the store's inventory log and commits or releases it.
 *
 * The store's database stays the book of record. With no entries held,
 * `available` equals the store's `stock_levels.quantity` (0 with no row);
 * `resync` reloads it from there only then.
 */
import { DurableObject } from "cloudflare:workers";
import { bookStock, unitsLoggedUnder } from "../db/stock";
import type { Bindings } from "../env";
import { guardSql } from "../lib/d1-guard";

/** How long a reservation waits for its commit before the alarm asks D1. */
export const HOLD_MS = 60_000;
/** Expired holds looked up in D1 per query when the alarm settles them. */
const ALARM_REFS_PER_QUERY = 500;
/** When an alarm could not reach D1, it tries again this much later. */
export const ALARM_RETRY_MS = 30_000;
/** Settled entries are kept this long so a late duplicate commit/release stays a no-op. */
const SETTLED_RETENTION_MS = 24 * 3600_000;

type Kind = "take" | "give";
type State = "held" | "committed" | "released";

interface Entry {
  ref: string;
  kind: Kind;
  qty: number;
  state: State;
  expires_at: number;
  [key: string]: SqlStorageValue;
}

export type ReserveResult =
  | { ok: true; ref: string; available: number; replayed: boolean }
  | { ok: false; ref: string; available: number; reason: "insufficient" | "released" | "inactive" };

export interface StockView {
  product_id: number | null;
  available: number | null;
  held_take: number;
  held_give: number;
  open_entries: number;
}

/** Which stock an object gates: a product at a store, whose database is `binding`. */
export interface StockTarget {
  productId: number;
  /** The store's D1 binding (STORE_<CODE>): the book this object's count comes from. */
  binding: string;
}

export class ProductStock extends DurableObject<Bindings> {
  private productId: number | null = null;
  private binding: string | null = null;
  private available: number | null = null;
  /** When the scheduled alarm fires (null: none scheduled), so a reserve need not ask storage. */
  private alarmAt: number | null = null;
  /**
   * Takes committed in memory but not yet written: a commit of a take changes
   * no count, so its write rides along with the next write instead of costing
   * a storage commit of its own. If the object is evicted first, the entry is
   * still "held" in storage and the alarm settles it from D1, as designed.
   */
  private committedTakes = new Set<string>();
  private sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = guardSql(ctx.storage.sql, env); // the 100-parameter cap, when D1 limits are enforced
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS entries (
         ref TEXT PRIMARY KEY, kind TEXT NOT NULL, qty INTEGER NOT NULL, state TEXT NOT NULL,
         expires_at INTEGER NOT NULL, settled_at INTEGER)`,
    );
    for (const row of this.sql.exec<{ key: string; value: number | string }>("SELECT key, value FROM meta")) {
      if (row.key === "product_id") this.productId = Number(row.value);
      if (row.key === "available") this.available = Number(row.value);
      if (row.key === "binding") this.binding = String(row.value);
    }
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Takes `qty` units for `ref`, or says how many there are. Same ref again = same answer. */
  async reserve(target: StockTarget, ref: string, qty: number): Promise<ReserveResult> {
    const available = await this.ensureLoaded(target);
    this.flushCommittedTakes();
    const existing = this.entry(ref);
    if (existing) {
      if (existing.state === "released") return { ok: false, ref, available, reason: "released" };
      return { ok: true, ref, available, replayed: true };
    }
    if (available < qty) return { ok: false, ref, available, reason: "insufficient" };
    // Check and decrement in one synchronous step: nothing can interleave here.
    this.setAvailable(available - qty);
    this.insertEntry(ref, "take", qty);
    return { ok: true, ref, available: available - qty, replayed: false };
  }

  /** Announces `qty` units coming back under `ref`; they count once `commit(ref)` arrives. */
  async credit(target: StockTarget, ref: string, qty: number): Promise<{ ok: true; available: number }> {
    const available = await this.ensureLoaded(target);
    this.flushCommittedTakes();
    if (!this.entry(ref)) this.insertEntry(ref, "give", qty);
    return { ok: true, available };
  }

  /**
   * Settles `ref` as done (its D1 batch committed). Idempotent. For a credit,
   * `qty` is what the batch actually put back (it may be less than was
   * announced, e.g. a cancel after a refund); omitted, the whole credit counts.
   */
  async commit(ref: string, qty?: number): Promise<{ state: State | "unknown"; available: number | null }> {
    return this.settle(ref, "committed", qty);
  }

  /** Settles `ref` as undone (its D1 batch was refused). Idempotent. */
  async release(ref: string): Promise<{ state: State | "unknown"; available: number | null }> {
    return this.settle(ref, "released");
  }

  /** The object's current view, for reconciliation and tests. */
  async view(): Promise<StockView> {
    this.flushCommittedTakes();
    const held = this.sql
      .exec<{ kind: Kind; qty: number; n: number }>(
        "SELECT kind, COALESCE(SUM(qty), 0) AS qty, COUNT(*) AS n FROM entries WHERE state = 'held' GROUP BY kind",
      )
      .toArray();
    const take = held.find((row) => row.kind === "take");
    const give = held.find((row) => row.kind === "give");
    return {
      product_id: this.productId,
      available: this.available,
      held_take: take?.qty ?? 0,
      held_give: give?.qty ?? 0,
      open_entries: (take?.n ?? 0) + (give?.n ?? 0),
    };
  }

  /** Reloads the count from D1 when nothing is held; refuses otherwise. */
  async resync(target: StockTarget): Promise<{ ok: boolean; available: number | null }> {
    this.flushCommittedTakes();
    const open = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE state = 'held'").one().n;
    if (open > 0) return { ok: false, available: this.available };
    this.remember(target);
    await this.ctx.blockConcurrencyWhile(async () => {
      this.setAvailable(await bookStock(this.book(), target.productId));
    });
    return { ok: true, available: this.available };
  }

  /** Settles expired holds by asking D1 whether their ref was written, and forgets old settled entries. */
  override async alarm(): Promise<void> {
    this.flushCommittedTakes();
    const now = Date.now();
    const expired = this.sql
      .exec<Entry>(
        "SELECT ref, kind, qty, state, expires_at FROM entries WHERE state = 'held' AND expires_at <= ?",
        now,
      )
      .toArray();
    try {
      await this.settleFromBook(expired);
    } catch (error) {
      // D1 unreachable: what was settled stays settled, the rest is asked again
      // soon. Not rethrown: the runtime's own retries give up after a few, and
      // an alarm that stops leaves holds held (false INSUFFICIENT_STOCK) for good.
      console.error(JSON.stringify({ level: "error", msg: "stock alarm could not read D1", error: String(error) }));
      this.alarmAt = Date.now() + ALARM_RETRY_MS;
      void this.ctx.storage.setAlarm(this.alarmAt);
      return;
    }
    this.sql.exec("DELETE FROM entries WHERE state != 'held' AND settled_at < ?", now - SETTLED_RETENTION_MS);
    this.flushCommittedTakes();
    this.alarmAt = null;
    this.rescheduleAlarm();
  }

  /** Commits the expired holds whose batch wrote log rows, releases the others. */
  private async settleFromBook(expired: Entry[]) {
    // One D1 query per chunk of refs, not per hold: after an outage a product
    // may hold thousands, and an invocation gets at most 1,000 queries.
    for (let i = 0; i < expired.length; i += ALARM_REFS_PER_QUERY) {
      const chunk = expired.slice(i, i + ALARM_REFS_PER_QUERY);
      const written = await unitsLoggedUnder(
        this.book(),
        this.productId,
        chunk.map((entry) => entry.ref),
      );
      for (const entry of chunk) {
        // A credit counts what its batch wrote, which may be less than announced.
        const qty = written.get(entry.ref);
        if (qty !== undefined) this.settle(entry.ref, "committed", entry.kind === "give" ? qty : undefined);
        else this.settle(entry.ref, "released");
      }
    }
  }

  private async ensureLoaded(target: StockTarget): Promise<number> {
    if (this.available !== null) return this.available;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.available !== null) return;
      this.remember(target);
      this.setAvailable(await bookStock(this.book(), target.productId));
    });
    return this.available ?? 0;
  }

  /** Keeps which product and store this object gates, for the alarm (which is called with no target). */
  private remember(target: StockTarget) {
    this.productId = target.productId;
    this.binding = target.binding;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('product_id', ?)", target.productId);
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('binding', ?)", target.binding);
  }

  /** The store database that is this object's book. */
  private book(): D1Database {
    const d1 = this.binding ? (this.env as unknown as Record<string, unknown>)[this.binding] : undefined;
    if (!d1) throw new Error(`stock object has no store database (binding ${this.binding ?? "unknown"})`);
    return d1 as D1Database;
  }

  private setAvailable(value: number) {
    this.available = value;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('available', ?)", value);
  }

  private entry(ref: string): Entry | undefined {
    const row = this.sql
      .exec<Entry>("SELECT ref, kind, qty, state, expires_at FROM entries WHERE ref = ?", ref)
      .toArray()[0];
    if (row && this.committedTakes.has(ref)) return { ...row, state: "committed" };
    return row;
  }

  private flushCommittedTakes() {
    if (this.committedTakes.size === 0) return;
    const now = Date.now();
    for (const ref of this.committedTakes) {
      this.sql.exec(
        "UPDATE entries SET state = 'committed', settled_at = ? WHERE ref = ? AND state = 'held'",
        now,
        ref,
      );
    }
    this.committedTakes.clear();
  }

  private insertEntry(ref: string, kind: Kind, qty: number) {
    const expiresAt = Date.now() + HOLD_MS;
    this.sql.exec(
      "INSERT INTO entries (ref, kind, qty, state, expires_at) VALUES (?, ?, ?, 'held', ?)",
      ref,
      kind,
      qty,
      expiresAt,
    );
    // The alarm fires at the earliest of the open holds' expiry and the daily
    // sweep: an alarm already set for an earlier hold stays (holds expire in
    // insertion order), but a sweep a day away is brought forward to this one.
    // An alarm time already past is treated as none: it may be one that failed.
    if (this.alarmAt === null || this.alarmAt <= Date.now() || expiresAt < this.alarmAt) {
      this.alarmAt = expiresAt;
      void this.ctx.storage.setAlarm(expiresAt);
    }
  }

  private settle(ref: string, outcome: "committed" | "released", qty?: number) {
    const entry = this.entry(ref);
    if (!entry) return { state: "unknown" as const, available: this.available };
    if (entry.state !== "held") return { state: entry.state, available: this.available };
    if (outcome === "committed" && entry.kind === "take") {
      this.committedTakes.add(ref);
      return { state: outcome, available: this.available };
    }
    const current = this.available ?? 0;
    // A credit counts what its batch wrote when the caller knows it.
    const settledQty =
      outcome === "committed" && entry.kind === "give" && qty !== undefined ? Math.max(0, qty) : entry.qty;
    if (outcome === "committed" && entry.kind === "give") this.setAvailable(current + settledQty);
    if (outcome === "released" && entry.kind === "take") this.setAvailable(current + entry.qty);
    this.sql.exec(
      "UPDATE entries SET state = ?, settled_at = ?, qty = ? WHERE ref = ?",
      outcome,
      Date.now(),
      settledQty,
      ref,
    );
    return { state: outcome, available: this.available };
  }

  /** After an alarm: the earliest remaining hold's expiry, or a daily sweep of settled entries. */
  private rescheduleAlarm() {
    const next = this.sql
      .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM entries WHERE state = 'held'")
      .one().at;
    const hasSettled =
      this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE state != 'held'").one().n > 0;
    const at =
      next !== null ? Math.max(next, Date.now() + 1000) : hasSettled ? Date.now() + SETTLED_RETENTION_MS : null;
    this.alarmAt = at;
    if (at !== null) void this.ctx.storage.setAlarm(at);
  }
}
