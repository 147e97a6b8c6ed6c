/** Default local accounts (documented in README; never seeded remotely). */
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import type { Role } from "../../src/db/schema";
import { hashPassword } from "../../src/lib/auth/password";

export const SEED_ACCOUNTS: { username: string; password: string; role: Role; fullName: string }[] = [
  { username: "admin", password: "admin123", role: "admin", fullName: "Ada Admin" },
  { username: "manager1", password: "manager123", role: "manager", fullName: "Max Manager" },
  { username: "cashier1", password: "cashier123", role: "cashier", fullName: "Cass Cashier" },
  { username: "cashier2", password: "cashier123", role: "cashier", fullName: "Cody Cashier" },
  { username: "inventory1", password: "inventory123", role: "inventory_officer", fullName: "Ivy Inventory" },
];

export async function seedAccounts(db: D1Database, now: string) {
  const insert = db.prepare(
    `INSERT INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, 0, ?6, ?6)`,
  );
  const statements: D1PreparedStatement[] = [];
  for (const account of SEED_ACCOUNTS) {
    const hash = await hashPassword(account.password);
    statements.push(
      insert.bind(account.username, `${account.username}@pos.local`, hash, account.fullName, account.role, now),
    );
  }
  await db.batch(statements);
  return SEED_ACCOUNTS.length;
}
