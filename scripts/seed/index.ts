/**
 * Fills an empty local chain with demo data: the head office (accounts with
 * home stores, catalog, customers) and each seeded store (opening stock, a
 * month of sales, then three closed days of till shifts with their own
 * sales). Each area adds its own part.
 */
import type { D1Database } from "@cloudflare/workers-types";
import type { Store } from "../../src/db/stores";
import { addDays, localDate } from "../../src/domain/time-zone";
import { applyStoreEvent } from "../../src/outbox/apply";
import { readFeed } from "../../src/outbox/feed";
import { rebuildRollups, refreshClosedDays } from "../../src/services/rollups";
import { seedAccounts } from "./accounts";
import { seedCatalog, seedStoreStock } from "./catalog";
import { seedCustomers } from "./customers";
import { type SeedChain, seedEnv, seedOrders } from "./orders";
import { firstShiftDay, type ShiftSeedSummary, seedShifts } from "./shifts";
import { SEED_STORES } from "./stores";
import { seedTransfers } from "./transfers";

export async function isEmpty(db: D1Database): Promise<boolean> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
  return (row?.n ?? 0) === 0;
}

/** Who sells and who manages at each seeded store. */
const STAFF: Record<string, { cashiers: string[]; manager: string }> = {
  [SEED_STORES.main.code]: { cashiers: ["cashier1"], manager: "manager1" },
  [SEED_STORES.east.code]: { cashiers: ["cashier2"], manager: "manager2" },
};

export async function seedAll(chain: SeedChain) {
  const hq = chain.databases.DB;
  if (!hq) throw new Error("wrangler.toml has no DB binding");
  const now = new Date().toISOString();
  const users = await seedAccounts(hq, now);
  const admin = await hq.prepare("SELECT id FROM users WHERE username = 'admin'").first<{ id: number }>();
  const adminId = admin?.id ?? 1;
  const catalog = await seedCatalog(hq, now);
  const customers = await seedCustomers(hq, now, adminId);
  const stores = (await hq.prepare("SELECT * FROM stores ORDER BY id").all<Record<string, unknown>>()).results.map(
    (raw) => ({ ...raw, addressLines: JSON.parse(String(raw.address_lines)) }) as unknown as RawStore,
  );
  const perStore: Record<string, { units: number; orders: number; shifts: ShiftSeedSummary }> = {};
  for (const raw of stores) {
    const staff = STAFF[raw.code];
    const storeDb = chain.databases[raw.binding];
    if (!staff || !storeDb) continue;
    const store = toStore(raw);
    const units = await seedStoreStock(hq, { id: raw.id, db: storeDb }, now, adminId);
    // The month of sales stops where the shift days start; those days sell on their shifts.
    const sales = await seedOrders(chain, store, staff, firstShiftDay(store), 11 + raw.id * 7);
    const shifts = await seedShifts(chain, store, { cashier: staff.cashiers[0] as string, manager: staff.manager });
    perStore[raw.code] = { units, orders: sales.orders, shifts };
  }
  // Transfers between MAIN and EAST in every state, once both have stock (scripts/seed/transfers.ts).
  const main = stores.find((s) => s.code === SEED_STORES.main.code);
  const east = stores.find((s) => s.code === SEED_STORES.east.code);
  const transfers = main && east ? await seedTransfers(chain.databases, toStore(main), toStore(east), adminId) : {};
  const events = await applySeedOutboxes(hq, stores, chain);
  const rollups = await rollUpClosedDays(hq, stores, chain);
  return { users, ...catalog, customers, stores: perStore, transfers, events, rollups };
}

/** Days of seeded history before today (the seed's sales reach back about a month). */
const SEEDED_DAYS = 35;

/**
 * The daily job's rollups for every closed day of the seeded month, each
 * store up to its own yesterday, so the chain-wide reports read closed days
 * from rollups (and today live) as they do in production.
 */
async function rollUpClosedDays(hq: D1Database, stores: RawStore[], chain: SeedChain): Promise<number> {
  let days = 0;
  for (const store of stores) {
    const d1 = chain.databases[store.binding];
    if (!d1 || store.status !== "active") continue;
    const yesterday = addDays(localDate(new Date(), store.time_zone), -1);
    const scope = { id: store.id, code: store.code, timeZone: store.time_zone, currency: store.currency, d1 };
    const built = await rebuildRollups(hq, [scope], { from: addDays(yesterday, -SEEDED_DAYS), to: yesterday });
    days += built.reduce((sum, summary) => sum + summary.days, 0);
  }
  return days;
}

/**
 * The seed's sales completed, cancelled and refunded orders, whose effects on
 * customers (points, total spent) wait in each store's outbox: applied here
 * through the consumer's own function, as the events queue would, so the
 * seeded customers show them at once, each with its events feed record (the
 * resource as the store shows it after the seed; no webhook endpoint exists
 * yet, so nothing is delivered).
 */
async function applySeedOutboxes(hq: D1Database, stores: RawStore[], chain: SeedChain): Promise<number> {
  let applied = 0;
  const env = { ...seedEnv(chain), DB: hq };
  for (const store of stores) {
    const db = chain.databases[store.binding];
    if (!db) continue;
    const { results } = await db
      .prepare("SELECT event_id, type, payload, created_at FROM outbox WHERE sent_at IS NULL ORDER BY id")
      .all<{ event_id: string; type: string; payload: string; created_at: string }>();
    for (const row of results) {
      const event = { ...row, store_id: store.id, payload: JSON.parse(row.payload) as Record<string, unknown> };
      const feed = (await readFeed(env, [event])).recordOf(event);
      const outcome = await applyStoreEvent(hq, event, new Date(), feed);
      if (outcome === "applied") applied += 1;
      // As the queue consumer does: a day that already has a rollup is rebuilt (none on a fresh chain).
      if (outcome !== "waiting") await refreshClosedDays({ ...chain.databases, DB: hq }, event);
    }
    await db.prepare("UPDATE outbox SET sent_at = ?1 WHERE sent_at IS NULL").bind(new Date().toISOString()).run();
  }
  return applied;
}

interface RawStore {
  id: number;
  code: string;
  name: string;
  addressLines: string[];
  phone: string | null;
  time_zone: string;
  currency: string;
  status: "active" | "inactive";
  binding: string;
  database_name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A stores row as the services take it (camel-cased). */
const toStore = (raw: RawStore): Store => ({
  id: raw.id,
  code: raw.code,
  name: raw.name,
  addressLines: raw.addressLines,
  phone: raw.phone,
  timeZone: raw.time_zone,
  currency: raw.currency,
  status: raw.status,
  binding: raw.binding,
  databaseName: raw.database_name,
  version: raw.version,
  createdAt: raw.created_at,
  updatedAt: raw.updated_at,
});
