import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; wrangler (and the test setup) apply it.
// Two kinds of database, two migration folders: DB_KIND=store generates a
// store database's (`npm run db:generate` runs both).
const kind = process.env.DB_KIND === "store" ? "store" : "head-office";

export default defineConfig({
  dialect: "sqlite",
  // The head office's tables: its own, those spanning the chain, the audit trail
  // (both kinds have it) and webhooks. A store's: its own and the audit trail.
  schema:
    kind === "store"
      ? ["./src/db/schema-store.ts", "./src/db/schema-audit.ts"]
      : [
          "./src/db/schema-head-office.ts",
          "./src/db/schema-chain.ts",
          "./src/db/schema-audit.ts",
          "./src/db/schema-webhooks.ts",
        ],
  out: `./migrations/${kind}`,
});
