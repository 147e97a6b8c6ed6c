/**
 * The one request-scoped context every service takes first: parsed config,
 * the database handles, the stock gate, one clock, `defer` for work after the
 * response, timing marks, and the after-commit notifications. The Worker
 * builds it once per request (`attachServices`); jobs and tests build theirs
 * with `createServiceContext`, replacing what they need (a scripted D1, a
 * failing stock gate, a fixed clock).
 */

import type { AuditActor } from "../audit/record";
import { type AppDatabase, dbFor, sessionDb } from "../db/client";
import type { Bindings } from "../env";
import { notifyLowStock, notifyOrderCompleted } from "../jobs/notifications";
import type { AuthUser } from "../lib/auth/current-user";
import { type AppConfig, appConfig } from "../lib/config";
import { sendOutbox } from "../outbox/send";
import type { StockGate } from "../stock/client";
import type { StoreScope } from "../stores/scope";

/** One D1 database: the binding (raw statements and batches) and Drizzle over it (simple reads and writes). */
export interface Database {
  d1: D1Database;
  db: AppDatabase;
}

export interface ServiceContext {
  env: Bindings;
  config: AppConfig;
  /** The head office's database (`DB`): users, stores, catalog, customers, loyalty. */
  hq: Database;
  /**
   * The head office's binding outside the request's D1 session: the primary.
   * For the few reads that must see every write committed so far, whatever
   * replica the session reads (choosing the next id of a row named inside
   * its own batch).
   */
  hqPrimary: D1Database;
  /** The head office session's bookmark after this request's reads and writes (null without a session). */
  hqBookmark(): string | null;
  /**
   * The store the request acts on (README "Stores"), with its database and
   * stock gate. Set once the caller is known (`actOn`); reading it before is a bug.
   */
  readonly store: StoreScope;
  /** The acting store's stock gate (a test may put a failing one in). */
  readonly stock: StockGate;
  /** Puts this context on `store`: every store read and write after this goes to its database. */
  actOn(store: StoreScope): void;
  /** A context like this one, acting on `store` (jobs that visit every store). */
  forStore(store: StoreScope): ServiceContext;
  /** The one clock of this request: every timestamp it writes comes from here. */
  now: () => Date;
  /** Runs work after the response (ctx.waitUntil); its failure is logged by the work itself, never thrown. */
  defer: (work: Promise<unknown>) => void;
  /**
   * Who is writing, for the audit trail (src/audit/record.ts): the caller as
   * the request knows them when asked (null user: a job), the acting store,
   * the client's address and the request id.
   */
  actor(): AuditActor;
  /** Records how long a phase took (Server-Timing when DEBUG is on). */
  mark?: ((phase: string, ms: number) => void) | undefined;
  /** Told after a batch commits; each sends what the customer or managers should hear (email queue). */
  notify: {
    orderCompleted: (orderId: number) => void;
    lowStock: (productIds: number[]) => void;
    /** A store batch wrote outbox rows (its triggers did): send them to the head office after the response. */
    storeEvents: () => void;
  };
}

export interface ContextOptions {
  /** ExecutionContext.waitUntil, or what a test uses instead (default: let the promise run). */
  waitUntil?: (work: Promise<unknown>) => void;
  /** The head office's D1 (default env.DB). */
  hq?: D1Database;
  /**
   * Read the head office through a D1 session (read replication): the
   * client's bookmark (it reads at least what it wrote before), or null for
   * any replica. Absent: the binding itself (jobs, scripts, tests).
   */
  hqSession?: { bookmark: string | null } | undefined;
  /** The store to act on from the start (jobs, tests). */
  store?: StoreScope;
  /** A stock gate used whatever the store (tests). */
  stock?: StockGate;
  now?: () => Date;
  /** The request's caller, asked each time an audit event is written (absent: the system). */
  caller?: () => AuthUser | undefined;
  /** The request's client address and id, for the audit trail. */
  request?: { clientAddress: string | null; requestId: string | null };
  mark?: (phase: string, ms: number) => void;
  notify?: Partial<ServiceContext["notify"]>;
}

class RequestContext implements ServiceContext {
  config: AppConfig;
  hq: Database;
  hqPrimary: D1Database;
  now: () => Date;
  defer: (work: Promise<unknown>) => void;
  mark: ((phase: string, ms: number) => void) | undefined;
  notify: ServiceContext["notify"];
  private acting: StoreScope | undefined;
  private session: D1DatabaseSession | undefined;

  constructor(
    readonly env: Bindings,
    private readonly options: ContextOptions,
  ) {
    const waitUntil = options.waitUntil ?? ((work: Promise<unknown>) => void work);
    this.defer = (work) => waitUntil(work.catch(() => undefined));
    this.config = appConfig(env);
    const hq = options.hq ?? env.DB;
    this.hqPrimary = hq;
    if (options.hqSession) {
      this.session = hq.withSession(options.hqSession.bookmark ?? "first-unconstrained");
      const d1 = this.session as unknown as D1Database;
      this.hq = { d1, db: sessionDb(d1) };
    } else {
      this.hq = { d1: hq, db: dbFor(hq) };
    }
    this.now = options.now ?? (() => new Date());
    this.mark = options.mark;
    this.acting = options.store;
    this.notify = {
      orderCompleted: options.notify?.orderCompleted ?? ((id) => this.defer(notifyOrderCompleted(env, id))),
      lowStock: options.notify?.lowStock ?? ((ids) => this.defer(notifyLowStock(env, this.store, ids))),
      storeEvents: options.notify?.storeEvents ?? (() => this.defer(sendOutbox(env, this.store, this.now()))),
    };
  }

  actor(): AuditActor {
    const user = this.options.caller?.();
    return {
      userId: user?.id ?? null,
      username: user?.username || null,
      role: user?.role ?? null,
      storeId: this.acting?.id ?? null,
      clientAddress: this.options.request?.clientAddress ?? null,
      requestId: this.options.request?.requestId ?? null,
    };
  }

  hqBookmark(): string | null {
    return this.session?.getBookmark() ?? null;
  }

  get store(): StoreScope {
    if (!this.acting) throw new Error("No store resolved for this request yet (ctx.actOn runs after authentication)");
    return this.acting;
  }

  get stock(): StockGate {
    return this.options.stock ?? this.store.stock;
  }

  actOn(store: StoreScope): void {
    this.acting = store;
  }

  forStore(store: StoreScope): ServiceContext {
    const copy = new RequestContext(this.env, { ...this.options, store, hqSession: undefined });
    copy.hq = this.hq;
    copy.session = this.session;
    return copy;
  }
}

export function createServiceContext(env: Bindings, options: ContextOptions = {}): ServiceContext {
  return new RequestContext(env, options);
}

/** Times `work` as `phase` when the context records timings. */
export async function timed<T>(ctx: Pick<ServiceContext, "mark">, phase: string, work: () => Promise<T>): Promise<T> {
  if (!ctx.mark) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    ctx.mark(phase, performance.now() - started);
  }
}
