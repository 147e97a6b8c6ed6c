/**
 * The store a request acts on, with its database and its stock gate: what
 * services reach as `ctx.store`. Built from the store's row (which the
 * per-request user check reads, so no extra round trip) and the Worker's
 * bindings: the row names the binding of the store's D1 database.
 */
import { type AppDatabase, dbFor } from "../db/client";
import { idBase, type Store } from "../db/stores";
import type { Bindings } from "../env";
import { ApiError } from "../lib/errors";
import { type StockGate, stockGate } from "../stock/client";

export interface StoreScope {
  id: number;
  code: string;
  name: string;
  addressLines: string[];
  phone: string | null;
  timeZone: string;
  currency: string;
  status: Store["status"];
  /** The first id this store's database hands out is `idBase + 1`. */
  idBase: number;
  /** The store's D1 database (raw statements and batches) and Drizzle over it. */
  d1: D1Database;
  db: AppDatabase;
  /** The store's ProductStock objects, one per product. */
  stock: StockGate;
  row: Store;
}

/** The store's database binding; a store whose binding this Worker lacks is a deployment mistake (503). */
export function storeDatabase(env: Bindings, store: Pick<Store, "binding" | "code">): D1Database {
  const binding = (env as unknown as Record<string, unknown>)[store.binding];
  if (!binding || typeof (binding as D1Database).prepare !== "function") {
    throw new ApiError(
      "SERVICE_UNAVAILABLE",
      `Store ${store.code}'s database binding ${store.binding} is not configured on this Worker`,
    );
  }
  return binding as D1Database;
}

export function scopeOf(env: Bindings, store: Store): StoreScope {
  const d1 = storeDatabase(env, store);
  return {
    id: store.id,
    code: store.code,
    name: store.name,
    addressLines: store.addressLines,
    phone: store.phone,
    timeZone: store.timeZone,
    currency: store.currency,
    status: store.status,
    idBase: idBase(store.id),
    d1,
    db: dbFor(d1),
    stock: stockGate(env.PRODUCT_STOCK, { id: store.id, binding: store.binding }),
    row: store,
  };
}
