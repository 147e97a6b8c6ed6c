/**
 * `npm run seed`: applies local migrations (every database), makes sure the
 * seeded stores exist, then fills the local chain (the databases `wrangler
 * dev` uses) with demo data if the head office holds no users yet.
 * `--force` wipes first (same as `npm run reset`).
 */
import { openLocalChain } from "./lib/local-chain";
import { wipeLocalState } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";
import { SEED_ACCOUNTS } from "./seed/accounts";
import { isEmpty, seedAll } from "./seed/index";
import { ensureSeedStores } from "./seed/stores";

/** The EAST store's row (idempotent), then the demo data when the chain is empty. */
export async function seedIfEmpty(): Promise<boolean> {
  const chain = await openLocalChain();
  try {
    const databases = chain.databases as unknown as Parameters<typeof seedAll>[0]["databases"];
    const hq = databases.DB;
    if (!hq) throw new Error("wrangler.toml has no DB binding");
    await ensureSeedStores(hq);
    if (!(await isEmpty(hq))) return false;
    const summary = await seedAll({ databases });
    console.log(`seeded: ${JSON.stringify(summary)}`);
    console.log(
      "accounts:",
      SEED_ACCOUNTS.map((a) => `${a.username}/${a.password} (${a.role}, store ${a.homeStoreId})`).join(", "),
    );
    return true;
  } finally {
    await chain.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--force")) wipeLocalState();
  await applyLocalMigrations();
  const seeded = await seedIfEmpty();
  if (!seeded)
    console.log("local database already has data; nothing seeded (use --force or npm run reset to start over)");
}
