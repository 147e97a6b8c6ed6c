// Runs before each test file: storage is isolated per file, so every file
// starts from an empty database with the same migrations wrangler applies.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
