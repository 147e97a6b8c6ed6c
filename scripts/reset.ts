/**
 * `npm run reset`: wipes every local binding's state (every D1 database of
 * the chain, Durable Objects, R2, queues) under .wrangler/state, re-applies
 * every database's migrations and re-seeds (both stores).
 * `--empty` leaves the databases empty instead (the head office still has
 * MAIN, from its first migration).
 */
import { wipeLocalState } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";
import { seedIfEmpty } from "./seed";

wipeLocalState();
await applyLocalMigrations();
if (!process.argv.includes("--empty")) await seedIfEmpty();
