/**
 * `npm run dev`: everything a fresh checkout needs to serve the API locally.
 * 1. .dev.vars from .dev.vars.example when missing (JWT_SECRET for local use)
 * 2. local D1 migrations
 * 3. seed when the database is empty
 * 4. `wrangler dev` on port 8787 (its [build] step copies the docs assets)
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
