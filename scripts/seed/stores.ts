/**
 * The chain `npm run dev` runs: MAIN (store 1, made by the head office's
 * first migration) and EAST (store 2, another time zone and currency, the
 * STORE_EAST database of wrangler.toml). Idempotent: an existing row stays.
 */
import type { D1Database } from "@cloudflare/workers-types";

export const SEED_STORES = {
  main: { id: 1, code: "MAIN", binding: "STORE_MAIN" },
  east: {
    id: 2,
    code: "EAST",
    name: "East Side Shop",
    addressLines: ["9 Harbour Road", "Shelbyville 54321"],
    phone: "+1 555 0199",
    timeZone: "America/New_York",
    currency: "EUR",
    binding: "STORE_EAST",
    databaseName: "pos-store-east",
  },
} as const;

export async function ensureSeedStores(hq: D1Database, now = new Date().toISOString()): Promise<void> {
  const east = SEED_STORES.east;
  await hq
    .prepare(
      `INSERT OR IGNORE INTO stores (id, code, name, address_lines, phone, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9, 1, ?10, ?10)`,
    )
    .bind(
      east.id,
      east.code,
      east.name,
      JSON.stringify(east.addressLines),
      east.phone,
      east.timeZone,
      east.currency,
      east.binding,
      east.databaseName,
      now,
    )
    .run();
}
