/**
 * `npm run dev`: everything a fresh checkout needs to serve the API locally.
 * 1. .dev.vars from .dev.vars.example when missing (JWT_SECRET for local use)
 * 2. local D1 migrations
 * 3. seed when the database is empty
 * 4. `wrangler dev` on port 8787 (its [build] step copies the docs assets)
 */
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/local-d1";
import { applyLocalMigrations, wrangler } from "./lib/wrangler";
import { seedIfEmpty } from "./seed";

const devVars = path.join(ROOT, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(path.join(ROOT, ".dev.vars.example"), devVars);
  console.log("created .dev.vars from .dev.vars.example");
}

await applyLocalMigrations();
await seedIfEmpty();

const port = process.env.PORT ?? "8787";
const extra = process.argv.slice(2);
process.exit(await wrangler(["dev", "--port", port, "--ip", "127.0.0.1", ...extra]));
