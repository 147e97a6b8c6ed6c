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

/**
 * A third store (WEST, store 3, Europe/Lisbon, USD like MAIN), whose database every
 * test file has migrated but whose row only files that call `addThirdStore` make:
 * most tests see two stores.
 */
export const THIRD_STORE = {
  id: 3,
  code: "WEST",
  name: "West End Shop",
  addressLines: ["3 Quay Street"],
  phone: "+351 555 0103",
  timeZone: "Europe/Lisbon",
  currency: "USD",
  binding: "STORE_WEST",
  databaseName: "pos-store-west",
} as const;

/** Makes the third store's row (once per test file; idempotent). */
export async function addThirdStore(): Promise<void> {
  const s = THIRD_STORE;
  await env.DB.prepare(
    `INSERT OR IGNORE INTO stores (id, code, name, address_lines, phone, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9, 1, ?10, ?10)`,
  )
    .bind(
      s.id,
      s.code,
      s.name,
      JSON.stringify(s.addressLines),
      s.phone,
      s.timeZone,
      s.currency,
      s.binding,
      s.databaseName,
      "2026-01-01T00:00:00.000Z",
    )
    .run();
}

/** A store's scope as the Worker builds it (its guarded database and stock gate), for calling services directly. */
export async function storeScope(id: number = MAIN_STORE.id): Promise<StoreScope> {
  const guarded = guardEnv(env);
  const store = await findStore(dbFor(guarded.DB), id);
  if (!store) throw new Error(`test store ${id} is missing`);
  return scopeOf(guarded, store);
}

/** A store's database by store id (for asserting what it holds). */
export const storeDb = (id: number = MAIN_STORE.id): D1Database =>
  id === 3 ? env.STORE_WEST : id === 2 ? env.STORE_EAST : env.STORE_MAIN;

/** Headers that make a request act on `storeId`. */
export const atStore = (storeId: number): Record<string, string> => ({ "X-Store-Id": String(storeId) });
