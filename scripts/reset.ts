/**
 * `npm run reset`: wipes every local binding's state (D1, Durable Objects,
 * R2, queues) under .wrangler/state, re-applies migrations and re-seeds.
 * `--empty` leaves the database empty instead.
 */
import { wipeLocalState } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";
import { seedIfEmpty } from "./seed";

wipeLocalState();
await applyLocalMigrations();
if (!process.argv.includes("--empty")) await seedIfEmpty();
