/** Fills an empty local database with demo data. Each area adds its own part. */
import type { D1Database } from "@cloudflare/workers-types";
import { seedAccounts } from "./accounts";
import { seedCatalog } from "./catalog";
import { seedCustomers } from "./customers";
import { seedOrders } from "./orders";

export async function isEmpty(db: D1Database): Promise<boolean> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
  return (row?.n ?? 0) === 0;
}

export async function seedAll(db: D1Database) {
  const now = new Date().toISOString();
  const users = await seedAccounts(db, now);
  const admin = await db.prepare("SELECT id FROM users WHERE username = 'admin'").first<{ id: number }>();
  const adminId = admin?.id ?? 1;
  const catalog = await seedCatalog(db, now, adminId);
  const customers = await seedCustomers(db, now, adminId);
  const sales = await seedOrders(db);
  return { users, ...catalog, customers, ...sales };
}
