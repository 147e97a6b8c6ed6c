/**
 * A small typed client over the ProductStock namespace. Services reach it as
 * the service context's `stock`, a `StockGate` rather than the binding, so
 * tests can put a failing one in.
 */
import type { ProductStock, ReserveResult, StockView } from "./product-stock";

export interface StockGate {
  reserve(productId: number, ref: string, qty: number): Promise<ReserveResult>;
  credit(productId: number, ref: string, qty: number): Promise<{ ok: true; available: number }>;
  /** `qty`, for a credit: the units its batch actually wrote (default: all that were announced). */
  commit(productId: number, ref: string, qty?: number): Promise<unknown>;
  release(productId: number, ref: string): Promise<unknown>;
  view(productId: number): Promise<StockView>;
  resync(productId: number): Promise<{ ok: boolean; available: number | null }>;
}

export const stockObjectName = (productId: number) => `product:${productId}`;

const gates = new WeakMap<DurableObjectNamespace<ProductStock>, StockGate>();

/** The gate over a namespace binding, made once per binding (every request's context asks for it). */
export function stockGate(namespace: DurableObjectNamespace<ProductStock>): StockGate {
  let gate = gates.get(namespace);
  if (!gate) {
    gate = gateOver(namespace);
    gates.set(namespace, gate);
  }
  return gate;
}

function gateOver(namespace: DurableObjectNamespace<ProductStock>): StockGate {
  const stub = (productId: number) => namespace.get(namespace.idFromName(stockObjectName(productId)));
  return {
    reserve: (productId, ref, qty) => stub(productId).reserve(productId, ref, qty),
    credit: (productId, ref, qty) => stub(productId).credit(productId, ref, qty),
    commit: (productId, ref, qty) => stub(productId).commit(ref, qty),
    release: (productId, ref) => stub(productId).release(ref),
    view: (productId) => stub(productId).view(),
    resync: (productId) => stub(productId).resync(productId),
  };
}
