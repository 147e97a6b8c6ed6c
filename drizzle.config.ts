import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; wrangler (and the test setup) apply it.
// Two kinds of database, two migration folders: DB_KIND=store generates a
// store database's (`npm run db:generate` runs both).
const kind = process.env.DB_KIND === "store" ? "store" : "head-office";

export default defineConfig({
  dialect: "sqlite",
  // The head office's tables are in two files: its own and those spanning the chain.
  schema:
    kind === "store" ? "./src/db/schema-store.ts" : ["./src/db/schema-head-office.ts", "./src/db/schema-chain.ts"],
  out: `./migrations/${kind}`,
});
