/**
 * The one request-scoped context every service takes first: parsed config,
 * the database handles, the stock gate, one clock, `defer` for work after the
 * response, timing marks, and the after-commit notifications. The Worker
 * builds it once per request (`attachServices`); jobs and tests build theirs
 * with `createServiceContext`, replacing what they need (a scripted D1, a
 * failing stock gate, a fixed clock).
 */
import { type AppDatabase, dbFor } from "../db/client";
import type { Bindings } from "../env";
import { notifyLowStock, notifyOrderCompleted } from "../jobs/notifications";
import { type AppConfig, appConfig } from "../lib/config";
import { type StockGate, stockGate } from "../stock/client";

export interface ServiceContext {
  env: Bindings;
  config: AppConfig;
  /** The D1 binding (raw statements and batches). */
  d1: D1Database;
  /** Drizzle over the same binding (simple reads and writes). */
  db: AppDatabase;
  stock: StockGate;
  /** The one clock of this request: every timestamp it writes comes from here. */
  now: () => Date;
  /** Runs work after the response (ctx.waitUntil); its failure is logged by the work itself, never thrown. */
  defer: (work: Promise<unknown>) => void;
  /** Records how long a phase took (Server-Timing when DEBUG is on). */
  mark?: ((phase: string, ms: number) => void) | undefined;
  /** Told after a batch commits; each sends what the customer or managers should hear (email queue). */
  notify: {
    orderCompleted: (orderId: number) => void;
    lowStock: (productIds: number[]) => void;
  };
}

export interface ContextOptions {
  /** ExecutionContext.waitUntil, or what a test uses instead (default: let the promise run). */
  waitUntil?: (work: Promise<unknown>) => void;
  d1?: D1Database;
  stock?: StockGate;
  now?: () => Date;
  mark?: (phase: string, ms: number) => void;
  notify?: Partial<ServiceContext["notify"]>;
}

export function createServiceContext(env: Bindings, options: ContextOptions = {}): ServiceContext {
  const waitUntil = options.waitUntil ?? ((work: Promise<unknown>) => void work);
  const defer = (work: Promise<unknown>) => waitUntil(work.catch(() => undefined));
  const d1 = options.d1 ?? env.DB;
  return {
    env,
    config: appConfig(env),
    d1,
    db: dbFor(d1),
    stock: options.stock ?? stockGate(env.PRODUCT_STOCK),
    now: options.now ?? (() => new Date()),
    defer,
    mark: options.mark,
    notify: {
      orderCompleted: options.notify?.orderCompleted ?? ((id) => defer(notifyOrderCompleted(env, id))),
      lowStock: options.notify?.lowStock ?? ((ids) => defer(notifyLowStock(env, ids))),
    },
  };
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
