/**
 * `npm run seed`: applies local migrations, then fills the local database
 * (the one `wrangler dev` uses) with demo data if it holds no users yet.
 * `--force` wipes first (same as `npm run reset`).
 */
import { openLocalD1, wipeLocalState } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";
import { SEED_ACCOUNTS } from "./seed/accounts";
import { isEmpty, seedAll } from "./seed/index";

export async function seedIfEmpty(): Promise<boolean> {
  const { db, dispose } = await openLocalD1();
  try {
    if (!(await isEmpty(db))) return false;
    const summary = await seedAll(db);
    console.log(`seeded: ${JSON.stringify(summary)}`);
    console.log("accounts:", SEED_ACCOUNTS.map((a) => `${a.username}/${a.password} (${a.role})`).join(", "));
    return true;
  } finally {
    await dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--force")) wipeLocalState();
  await applyLocalMigrations();
  const seeded = await seedIfEmpty();
  if (!seeded)
    console.log("local database already has data; nothing seeded (use --force or npm run reset to start over)");
}
