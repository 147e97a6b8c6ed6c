/**
 * The stock protocol of DESIGN.md, shared by orders, cancellations and
 * inventory movements: gate every change through the products' Durable
 * Objects, write D1 in one batch, then settle the objects.
 *
 *   takes (negative changes): reserve → batch → commit | release
 *   gives (positive changes): credit  → batch → commit | release
 *
 * When the batch's outcome is unknown (the connection dropped), the entries
 * are left held; each object's alarm asks D1 later and settles them.
 */
import type { Batch } from "../db/batch";
import { stockRefLanded } from "../db/stock";
import { isD1Refusal } from "../lib/db-errors";
import { ApiError } from "../lib/errors";
import type { StockGate } from "../stock/client";
import type { ServiceContext } from "./context";

export interface StockChange {
  productId: number;
  /** Negative takes units, positive gives them back. */
  delta: number;
  /** Shown in the 409 when stock is short. */
  productName?: string;
}

export interface ProtocolDeps {
  stock: StockGate;
  /** Runs work after the response (ctx.waitUntil in the Worker). */
  defer: (work: Promise<unknown>) => void;
  /** Records how long a phase took (Server-Timing when DEBUG is on). */
  mark?: (phase: string, ms: number) => void;
}

/** Times `work` as `phase` when the deps ask for timings. */
export async function timed<T>(
  deps: { mark?: ((phase: string, ms: number) => void) | undefined },
  phase: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!deps.mark) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    deps.mark(phase, performance.now() - started);
  }
}

export type BatchOutcome<T> =
  | { kind: "committed"; value: T }
  /** The call failed, but D1 shows the batch landed: settle as committed and re-read the result. */
  | { kind: "written"; error: unknown }
  | { kind: "refused"; error: unknown }
  | { kind: "unknown"; error: unknown };

/**
 * Runs `write` (the D1 batch) between gating and settling the given changes.
 * `write` classifies its own failure: refused (nothing written) or unknown.
 */
export async function withStockGate<T>(
  deps: ProtocolDeps,
  ref: string,
  changes: StockChange[],
  write: () => Promise<BatchOutcome<T>>,
  recover: () => Promise<T>,
  /**
   * For gives whose size the batch itself decides (a cancel puts back what is
   * still out when it runs): the units it wrote per product, read from its
   * result. Each credit is then committed with that many units, not with the
   * (larger or equal) number announced before the batch.
   */
  written?: (value: T) => ReadonlyMap<number, number>,
): Promise<T> {
  // Ascending product id, as the protocol prescribes; the calls run in
  // parallel because a reservation never waits on another object.
  const ordered = [...changes].sort((a, b) => a.productId - b.productId);
  const gated = await timed(deps, "gate", () =>
    Promise.allSettled(
      ordered.map(async (change) => {
        if (change.delta < 0) return deps.stock.reserve(change.productId, ref, -change.delta);
        return deps.stock.credit(change.productId, ref, change.delta);
      }),
    ),
  );
  const accepted = ordered.filter((_, i) => {
    const result = gated[i];
    return result?.status === "fulfilled" && result.value.ok;
  });
  const refusedIndex = gated.findIndex((result) => result.status !== "fulfilled" || !result.value.ok);
  if (refusedIndex >= 0) {
    deps.defer(settleAll(deps.stock, accepted, ref, "release"));
    const result = gated[refusedIndex];
    const change = ordered[refusedIndex];
    if (result?.status !== "fulfilled" || !change) {
      // An object that did not answer may still have taken the units; its
      // hold expires and its alarm releases it, since D1 never saw this ref.
      throw new ApiError("SERVICE_UNAVAILABLE", "Stock service unavailable; nothing was sold, please retry", {
        headers: { "Retry-After": "1" },
      });
    }
    const available = "available" in result.value ? result.value.available : 0;
    throw new ApiError(
      "INSUFFICIENT_STOCK",
      `Insufficient stock for ${change.productName ?? `product ${change.productId}`}: requested ${-change.delta}, available ${available}`,
      { extra: { product_id: change.productId, requested: -change.delta, available } },
    );
  }

  const outcome = await timed(deps, "batch", write);
  if (outcome.kind === "committed") {
    deps.defer(settleAll(deps.stock, ordered, ref, "commit", written?.(outcome.value)));
    return outcome.value;
  }
  if (outcome.kind === "written") {
    if (written) {
      // Commit only once D1 said what was written; should that read fail, the
      // holds stay for the alarms, which read the same from D1.
      const value = await recover().catch(unknownOutcome);
      deps.defer(settleAll(deps.stock, ordered, ref, "commit", written(value)));
      return value;
    }
    deps.defer(settleAll(deps.stock, ordered, ref, "commit"));
    // The effect landed; only reading it back failed: a retry with the same key replays it.
    return recover().catch(unknownOutcome);
  }
  if (outcome.kind === "refused") {
    await settleAll(deps.stock, ordered, ref, "release");
    throw outcome.error;
  }
  // Unknown: leave the holds for the objects' alarms, which ask D1.
  return unknownOutcome();
}

/** A 503 the till can act on; an ApiError already meant for the client passes through. */
function unknownOutcome(error?: unknown): never {
  if (error instanceof ApiError) throw error;
  throw new ApiError(
    "SERVICE_UNAVAILABLE",
    "The outcome of this request is unknown; retry it with the same Idempotency-Key",
    { headers: { "Retry-After": "2" } },
  );
}

async function settleAll(
  stock: StockGate,
  changes: StockChange[],
  ref: string,
  how: "commit" | "release",
  written?: ReadonlyMap<number, number>,
) {
  await Promise.allSettled(
    changes.map((change) => {
      if (how === "release") return stock.release(change.productId, ref);
      if (written && change.delta > 0) return stock.commit(change.productId, ref, written.get(change.productId) ?? 0);
      return stock.commit(change.productId, ref);
    }),
  );
}

/**
 * Runs a D1 batch and classifies a failure: when D1 answered with an error the
 * batch was rolled back ("refused"); when the call itself failed we ask D1
 * whether `ref` was written, and only if that also fails is it "unknown".
 */
export async function runBatch<T>(
  d1: D1Database,
  statements: D1PreparedStatement[],
  ref: string,
  onCommitted: (results: D1Result[]) => T,
  /** Finds whether the batch landed; defaults to its inventory log rows. */
  probe: () => Promise<unknown> = () =>
    d1.prepare("SELECT 1 AS found FROM inventory_logs WHERE stock_ref = ?1 LIMIT 1").bind(ref).first(),
): Promise<BatchOutcome<T>> {
  try {
    const results = await d1.batch(statements);
    return { kind: "committed", value: onCommitted(results) };
  } catch (error) {
    if (isD1Refusal(error)) return { kind: "refused", error };
    try {
      const written = await probe();

      if (written) return { kind: "written", error };
      return { kind: "refused", error };
    } catch {
      return { kind: "unknown", error };
    }
  }
}

/** A stock-moving write, as the services describe it to `gateAndWrite`. */
export interface StockWrite<T> {
  /** The stock ref the objects hold the units under (the order number, a refund's or movement's ref). */
  ref: string;
  changes: StockChange[];
  /** The D1 batch, already holding every statement (and its refusal mappings). */
  batch: Batch;
  /** The result, read from the committed batch's handles. */
  read: () => T;
  /** The result re-read from D1, when the batch landed but its answer was lost. */
  recover: () => Promise<T>;
  /** Whether the batch landed; by default, whether it wrote a log row under `ref`. */
  probe?: () => Promise<unknown>;
  /**
   * For gives whose size the batch itself decides (a cancel puts back what is
   * still out when it runs): the units it wrote per product, read from its result.
   */
  written?: (value: T) => ReadonlyMap<number, number>;
}

/** The stock protocol over a `Batch`: gate → batch → commit | release (see the header). */
export function gateAndWrite<T>(ctx: Pick<ServiceContext, "stock" | "defer" | "mark" | "d1">, w: StockWrite<T>) {
  const probe = w.probe ?? (() => stockRefLanded(ctx.d1, w.ref));
  const write = async (): Promise<BatchOutcome<T>> => {
    const outcome = await w.batch.run(probe);
    if (outcome.kind === "committed") return { kind: "committed", value: w.read() };
    return outcome;
  };
  return withStockGate(ctx, w.ref, w.changes, write, w.recover, w.written);
}
