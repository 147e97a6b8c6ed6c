// Runs before each test file: storage is isolated per file, so every file
// starts from empty databases with the same migrations wrangler applies: the
// head office's to DB (which makes store 1, MAIN), a store's to STORE_MAIN and
// STORE_EAST, and the second store's row (EAST, another time zone and
// currency), so every file can act on two stores.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SECOND_STORE } from "../helpers/stores";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.STORE_MAIN, env.TEST_STORE_MIGRATIONS);
await applyD1Migrations(env.STORE_EAST, env.TEST_STORE_MIGRATIONS);
await applyD1Migrations(env.STORE_WEST, env.TEST_STORE_MIGRATIONS);
await env.DB.prepare(
  `INSERT OR IGNORE INTO stores (id, code, name, address_lines, phone, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9, 1, ?10, ?10)`,
)
  .bind(
    SECOND_STORE.id,
    SECOND_STORE.code,
    SECOND_STORE.name,
    JSON.stringify(SECOND_STORE.addressLines),
    SECOND_STORE.phone,
    SECOND_STORE.timeZone,
    SECOND_STORE.currency,
    SECOND_STORE.binding,
    SECOND_STORE.databaseName,
    "2026-01-01T00:00:00.000Z",
  )
  .run();
