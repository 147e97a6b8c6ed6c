import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; wrangler (and the test setup) apply it.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
