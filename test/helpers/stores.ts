/**
 * The two stores every test file has (test/setup/apply-migrations.ts): MAIN
 * (store 1, made by the head office's first migration, everybody's home store
 * by default) and EAST (store 2, its own time zone and currency), each with
 * its own database.
 */
import { env } from "cloudflare:workers";
import { dbFor } from "../../src/db/client";
import { findStore } from "../../src/db/stores";
import { guardEnv } from "../../src/lib/d1-guard";
import { type StoreScope, scopeOf } from "../../src/stores/scope";

export const MAIN_STORE = { id: 1, code: "MAIN", binding: "STORE_MAIN" } as const;

export const SECOND_STORE = {
  id: 2,
  code: "EAST",
  name: "East Side Shop",
  addressLines: ["9 Harbour Road", "Shelbyville 54321"],
  phone: "+1 555 0199",
  timeZone: "America/New_York",
  currency: "EUR",
  binding: "STORE_EAST",
  databaseName: "pos-store-east",
} as const;

/** A store's scope as the Worker builds it (its guarded database and stock gate), for calling services directly. */
export async function storeScope(id: number = MAIN_STORE.id): Promise<StoreScope> {
  const guarded = guardEnv(env);
  const store = await findStore(dbFor(guarded.DB), id);
  if (!store) throw new Error(`test store ${id} is missing`);
  return scopeOf(guarded, store);
}

/** A store's database by store id (for asserting what it holds). */
export const storeDb = (id: number = MAIN_STORE.id): D1Database => (id === 2 ? env.STORE_EAST : env.STORE_MAIN);

/** Headers that make a request act on `storeId`. */
export const atStore = (storeId: number): Record<string, string> => ({ "X-Store-Id": String(storeId) });
