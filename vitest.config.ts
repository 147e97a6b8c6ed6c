import { execFileSync } from "node:child_process";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // The docs pages' assets are a build product; make sure they exist so the
  // [assets] directory that wrangler.toml names is there for the tests.
  execFileSync(process.execPath, [path.join(import.meta.dirname, "scripts/build-docs-assets.mjs")], {
    stdio: "ignore",
  });
  // Two kinds of database (README "Stores"): the head office's migrations go
  // to DB, a store's to every STORE_<CODE> binding of wrangler.toml.
  const headOfficeMigrations = await readD1Migrations(path.join(import.meta.dirname, "migrations/head-office"));
  const storeMigrations = await readD1Migrations(path.join(import.meta.dirname, "migrations/store"));

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Empty databases for the backup → restore round trip (a head office and a store),
          // and a third store's database (migrated, no store row: a test that needs
          // three stores adds WEST itself, test/helpers/stores.ts addThirdStore).
          d1Databases: ["RESTORE_DB", "RESTORE_STORE_DB", "STORE_WEST"],
          // A real webhook receiver (test/receiver/webhook-receiver.js), a second Worker: every
          // outbound fetch of the app goes to it, whatever the URL, so webhooks to public
          // https URLs (https://hooks.example.com/...) arrive there; it verifies their signatures.
          workers: [
            {
              name: "webhook-receiver",
              modules: true,
              scriptPath: path.join(import.meta.dirname, "test/receiver/webhook-receiver.js"),
              compatibilityDate: "2026-07-01",
            },
          ],
          outboundService: "webhook-receiver",
          bindings: {
            TEST_MIGRATIONS: headOfficeMigrations,
            TEST_STORE_MIGRATIONS: storeMigrations,
            JWT_SECRET: "test-secret-that-is-long-enough-0123456789",
            FILE_SIGNING_SECRET: "test-file-links-secret-long-enough-0123456789",

            LOG_LEVEL: "silent",
            // test/helpers/api.ts BOOTSTRAP_HEADERS presents it for the first account.
            BOOTSTRAP_TOKEN: "test-bootstrap-token-0123456789abcdef",
            // Every test runs through src/lib/d1-guard.ts: D1 refuses what production refuses.
            D1_ENFORCE_PRODUCTION_LIMITS: "true",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/d1-limits.ts"],
      include: ["test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
