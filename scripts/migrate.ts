/**
 * `npm run db:migrate:local` / `npm run db:migrate:remote`: applies the
 * migrations of every database in wrangler.toml, each from its kind's folder
 * (migrations/head-office for DB, migrations/store for every STORE_*).
 * `-- --binding STORE_EAST` (repeatable) limits it to some databases.
 */
import { parseArgs } from "node:util";
import { applyMigrations } from "./lib/wrangler";

const { values } = parseArgs({
  options: {
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    binding: { type: "string", multiple: true },
  },
});
if (values.local === values.remote) {
  console.error("say --local or --remote");
  process.exit(1);
}
await applyMigrations(values.remote ? "--remote" : "--local", values.binding);
