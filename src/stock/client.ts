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

/** One object per (store, product): a product sold out in one store still sells in another. */
export const stockObjectName = (storeId: number, productId: number) => `store:${storeId}:product:${productId}`;

/** The store a gate serves: its id (the objects' names) and its database binding (their book). */
export interface StockStore {
  id: number;
  binding: string;
}

const gates = new WeakMap<DurableObjectNamespace<ProductStock>, Map<number, StockGate>>();

/** A store's gate over the namespace, made once per (binding, store): every request's context asks for one. */
export function stockGate(namespace: DurableObjectNamespace<ProductStock>, store: StockStore): StockGate {
  let perStore = gates.get(namespace);
  if (!perStore) {
    perStore = new Map();
    gates.set(namespace, perStore);
  }
  let gate = perStore.get(store.id);
  if (!gate) {
    gate = gateOver(namespace, store);
    perStore.set(store.id, gate);
  }
  return gate;
}

function gateOver(namespace: DurableObjectNamespace<ProductStock>, store: StockStore): StockGate {
  const stub = (productId: number) => namespace.get(namespace.idFromName(stockObjectName(store.id, productId)));
  const target = (productId: number) => ({ productId, binding: store.binding });
  return {
    reserve: (productId, ref, qty) => stub(productId).reserve(target(productId), ref, qty),
    credit: (productId, ref, qty) => stub(productId).credit(target(productId), ref, qty),
    commit: (productId, ref, qty) => stub(productId).commit(ref, qty),
    release: (productId, ref) => stub(productId).release(ref),
    view: (productId) => stub(productId).view(),
    resync: (productId) => stub(productId).resync(target(productId)),
  };
}
