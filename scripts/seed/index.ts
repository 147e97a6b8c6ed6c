/** Fills an empty local database with demo data. Each area adds its own part. */
import type { D1Database } from "@cloudflare/workers-types";
import { seedAccounts } from "./accounts";

export interface SeedSummary {
  users: number;
}

export async function isEmpty(db: D1Database): Promise<boolean> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
  return (row?.n ?? 0) === 0;
}

export async function seedAll(db: D1Database): Promise<SeedSummary> {
  const now = new Date().toISOString();
  const users = await seedAccounts(db, now);
  return { users };
}
