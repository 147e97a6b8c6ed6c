import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_STORE_MIGRATIONS: D1Migration[];
      RESTORE_STORE_DB: D1Database;
      /** A third store's database, migrated but without a store row (addThirdStore). */
      STORE_WEST: D1Database;
      JWT_SECRET: string;
      FILE_SIGNING_SECRET: string;
      RESTORE_DB: D1Database;
      /** "true" in vitest.config.ts: every test runs through src/lib/d1-guard.ts. */
      D1_ENFORCE_PRODUCTION_LIMITS: string;
    }
  }
}
