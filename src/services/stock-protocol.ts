/**
 * The stock protocol of DESIGN.md, shared by orders, cancellations, refunds
 * and inventory movements: gate every change through the products' Durable
 * Objects, write D1 in one batch, then settle the objects.
 *
 *   takes (negative changes): reserve → batch → commit | release
 *   gives (positive changes): credit  → batch → commit | release
 *
 * When the batch's outcome is unknown (the connection dropped), the entries
 * are left held; each object's alarm asks D1 later and settles them.
 *
 * A service that reads before it writes can open the gate first
 * (`openGate`), so the reservations travel in parallel with its reads, and
 * hand the open gate to `gateAndWrite` (or `closeGate` it when it refuses
 * before writing).
 */
import type { Batch } from "../db/batch";
import { stockRefLanded } from "../db/stock";
import { ApiError } from "../lib/errors";
import type { StockGate } from "../stock/client";
import type { ReserveResult } from "../stock/product-stock";
import { type ServiceContext, timed } from "./context";

export interface StockChange {
  productId: number;
  /** Negative takes units, positive gives them back. */
  delta: number;
  /** Shown in the 409 when stock is short. */
  productName?: string;
}

/**
 * Reservations and credits already sent to the objects (`openGate`), whose
 * answers are read later: a sale sends them in parallel with its reads, so
 * the gate costs no round trip of its own.
 */
export interface OpenGate {
  ref: string;
  /** The objects' gate the entries were sent through (settled through the same one). */
  stock: StockGate;
  /** The changes, by product id: of several short products, the 409 always names the same one. */
  changes: StockChange[];
  answers: Promise<PromiseSettledResult<ReserveResult | { ok: true; available: number }>[]>;
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
  /** Whether the batch landed; by default, whether it wrote a log row under `ref` (in the batch's database). */
  probe?: () => Promise<unknown>;
  /**
   * For gives whose size the batch itself decides (a cancel puts back what is
   * still out when it runs): the units it wrote per product, read from its
   * result. Each credit is then committed with that many units, not with the
   * (larger or equal) number announced before the batch.
   */
  written?: (value: T) => ReadonlyMap<number, number>;
  /** The gate, when the service opened it earlier (`openGate`, same ref and changes); else it is opened here. */
  gate?: OpenGate;
  /**
   * Told what became of the write before the answer goes out: "refused" when
   * the gate or D1 refused it (nothing written), "committed" when it landed,
   * "unknown" when nobody can tell yet. A sale settles its points hold here.
   */
  settled?: (outcome: "committed" | "refused" | "unknown") => Promise<void> | void;
}

type ProtocolContext = Pick<ServiceContext, "stock" | "defer" | "mark">;

/**
 * Sends the reservations (takes) and credits (gives) now and returns at once;
 * `gateAndWrite` reads the answers. The calls run in parallel: each object
 * answers on its own and a reservation never waits on another object, so
 * there is no lock order to keep.
 */
export function openGate(stock: StockGate, ref: string, changes: StockChange[]): OpenGate {
  const ordered = [...changes].sort((a, b) => a.productId - b.productId);
  const answers = Promise.allSettled(
    ordered.map((change) =>
      change.delta < 0
        ? stock.reserve(change.productId, ref, -change.delta)
        : stock.credit(change.productId, ref, change.delta),
    ),
  );
  return { ref, stock, changes: ordered, answers };
}

/** The write behind an open gate will not happen (refused before its batch): every accepted entry is released. */
export async function closeGate(gate: OpenGate): Promise<void> {
  const answers = await gate.answers;
  await settleAll(gate.stock, accepted(gate, answers), gate.ref, "release");
}

/** Gate → batch → commit | release (see the header); the batch's refusal is thrown as it mapped it. */
export async function gateAndWrite<T>(ctx: ProtocolContext, w: StockWrite<T>): Promise<T> {
  const gate = w.gate ?? openGate(ctx.stock, w.ref, w.changes);
  const { stock, ref, changes: ordered } = gate;
  try {
    await timed(ctx, "gate", () => passGate(ctx, gate, w.changes));
  } catch (error) {
    await w.settled?.("refused");
    throw error;
  }

  const outcome = await timed(ctx, "batch", () => w.batch.run(w.probe ?? (() => stockRefLanded(w.batch.d1, ref))));
  if (outcome.kind === "committed" || outcome.kind === "written") await w.settled?.("committed");
  else await w.settled?.(outcome.kind);
  if (outcome.kind === "committed") {
    const value = w.read();
    ctx.defer(settleAll(stock, ordered, ref, "commit", w.written?.(value)));
    return value;
  }
  if (outcome.kind === "written") {
    // The effect landed; only reading it back failed: a retry with the same key replays it.
    if (w.written) {
      // Commit only once D1 said what was written; should that read fail, the
      // holds stay for the alarms, which read the same from D1.
      const value = await w.recover().catch(unknownOutcome);
      ctx.defer(settleAll(stock, ordered, ref, "commit", w.written(value)));
      return value;
    }
    ctx.defer(settleAll(stock, ordered, ref, "commit"));
    return w.recover().catch(unknownOutcome);
  }
  if (outcome.kind === "refused") {
    await settleAll(stock, ordered, ref, "release");
    throw outcome.error;
  }
  // Unknown: leave the holds for the objects' alarms, which ask D1.
  return unknownOutcome();
}

function accepted(gate: OpenGate, answers: Awaited<OpenGate["answers"]>): StockChange[] {
  return gate.changes.filter((_, i) => {
    const result = answers[i];
    return result?.status === "fulfilled" && result.value.ok;
  });
}

/**
 * Waits for the gate's answers; on any refusal releases what was accepted and
 * throws the 409 (naming the product as `named` does) or the 503.
 */
async function passGate(ctx: ProtocolContext, gate: OpenGate, named: StockChange[]) {
  const gated = await gate.answers;
  const refusedIndex = gated.findIndex((result) => result.status !== "fulfilled" || !result.value.ok);
  if (refusedIndex < 0) return;
  ctx.defer(settleAll(gate.stock, accepted(gate, gated), gate.ref, "release"));
  const result = gated[refusedIndex];
  const change = gate.changes[refusedIndex];
  if (result?.status !== "fulfilled" || !change) {
    // An object that did not answer may still have taken the units; its
    // hold expires and its alarm releases it, since D1 never saw this ref.
    throw new ApiError("SERVICE_UNAVAILABLE", "Stock service unavailable; nothing was sold, please retry", {
      headers: { "Retry-After": "1" },
    });
  }
  const available = "available" in result.value ? result.value.available : 0;
  const name = named.find((c) => c.productId === change.productId)?.productName ?? change.productName;
  throw new ApiError(
    "INSUFFICIENT_STOCK",
    `Insufficient stock for ${name ?? `product ${change.productId}`}: requested ${-change.delta}, available ${available}`,
    { extra: { product_id: change.productId, requested: -change.delta, available } },
  );
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
