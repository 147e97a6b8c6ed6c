/**
 * `npm run dev`: everything a fresh checkout needs to serve the API locally.
 * 1. .dev.vars from .dev.vars.example when missing (JWT_SECRET for local use)
 * 2. local D1 migrations of every database: the head office's folder to DB,
 *    the store folder to each STORE_* binding of wrangler.toml
 * 3. the second seeded store's row (EAST, store 2) when missing
 * 4. seed when the head office has no users (accounts with home stores,
 *    catalog, customers, and stock and sales in both stores)
 * 5. `wrangler dev` on port 8787 (its [build] step copies the docs assets)
 */
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/local-d1";
import { applyLocalMigrations, wrangler } from "./lib/wrangler";
import { seedIfEmpty } from "./seed";

const devVars = path.join(ROOT, ".dev.vars");
const example = path.join(ROOT, ".dev.vars.example");
if (!existsSync(devVars)) {
  copyFileSync(example, devVars);
  console.log("created .dev.vars from .dev.vars.example");
} else {
  // A .dev.vars from an older checkout gets the secrets added since.
  const have = readFileSync(devVars, "utf8");
  const missing = readFileSync(example, "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line) && !new RegExp(`^${line.split("=")[0]}=`, "m").test(have));
  if (missing.length) {
    appendFileSync(devVars, `\n${missing.join("\n")}\n`);
    console.log(`added to .dev.vars: ${missing.map((line) => line.split("=")[0]).join(", ")}`);
  }
}

await applyLocalMigrations();
await seedIfEmpty();

const port = process.env.PORT ?? "8787";
const extra = process.argv.slice(2);
process.exit(await wrangler(["dev", "--port", port, "--ip", "127.0.0.1", ...extra]));
