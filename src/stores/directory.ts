/**
 * What never changes about a store once made (its id, code and database
 * binding), cached per isolate: a sale starts its store reads (idempotency
 * lookup, stock holds) before the head office has answered who the caller is
 * and which store they act on, and needs the store's database and code for
 * that. A store not in the cache reloads it (one head-office query); the
 * per-request check then confirms the store and the caller's role there.
 * Pass the head office's binding (`env.DB`), not a request's D1 session:
 * the cache is kept per binding, and a session is new on every request.
 */

import { dbFor } from "../db/client";
import { listStores, type Store } from "../db/stores";

export type StoreIdentity = Pick<Store, "id" | "code" | "binding">;

const cached = new WeakMap<D1Database, Map<number, StoreIdentity>>();

async function load(hq: D1Database): Promise<Map<number, StoreIdentity>> {
  const stores = await listStores(dbFor(hq));
  const byId = new Map(stores.map((store) => [store.id, { id: store.id, code: store.code, binding: store.binding }]));
  cached.set(hq, byId);
  return byId;
}

/** The store's identity, or undefined when the head office has no such store. */
export async function storeIdentity(hq: D1Database, storeId: number): Promise<StoreIdentity | undefined> {
  const known = cached.get(hq)?.get(storeId);
  if (known) return known;
  return (await load(hq)).get(storeId);
}

/** Forget the cache (a store was added): the next lookup reloads. */
export function forgetStoreDirectory(hq: D1Database): void {
  cached.delete(hq);
}
