/**
 * `npm run reset`: wipes every local binding's state (D1, Durable Objects,
 * R2, queues) under .wrangler/state, re-applies migrations and re-seeds.
 * `--empty` leaves the database empty instead.
 */
import { rmSync } from "node:fs";
import { STATE_DIR } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";

export function wipeLocalState() {
  rmSync(STATE_DIR, { recursive: true, force: true });
  console.log(`wiped ${STATE_DIR}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  wipeLocalState();
  await applyLocalMigrations();
  if (!process.argv.includes("--empty")) {
    const { seedIfEmpty } = await import("./seed");
    await seedIfEmpty();
  }
}
