/**
 * Default local accounts (documented in README; never seeded remotely). The
 * contract's three (admin, manager1, cashier1) work at MAIN, store 1; EAST
 * (store 2) has its own manager and cashier, and manager1 also manages EAST
 * through a store role, to show roles per store.
 */
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import type { Role } from "../../src/db/schema";
import { hashPassword } from "../../src/lib/auth/password";
import { SEED_STORES } from "./stores";

export interface SeedAccount {
  username: string;
  password: string;
  role: Role;
  fullName: string;
  homeStoreId: number;
  storeRoles?: { storeId: number; role: Role }[];
}

const MAIN = SEED_STORES.main.id;
const EAST = SEED_STORES.east.id;

export const SEED_ACCOUNTS: SeedAccount[] = [
  { username: "admin", password: "admin123", role: "admin", fullName: "Ada Admin", homeStoreId: MAIN },
  {
    username: "manager1",
    password: "manager123",
    role: "manager",
    fullName: "Max Manager",
    homeStoreId: MAIN,
    storeRoles: [{ storeId: EAST, role: "manager" }],
  },
  { username: "cashier1", password: "cashier123", role: "cashier", fullName: "Cass Cashier", homeStoreId: MAIN },
  {
    username: "inventory1",
    password: "inventory123",
    role: "inventory_officer",
    fullName: "Ivy Inventory",
    homeStoreId: MAIN,
  },
  { username: "manager2", password: "manager123", role: "manager", fullName: "Mia Manager", homeStoreId: EAST },
  { username: "cashier2", password: "cashier123", role: "cashier", fullName: "Cody Cashier", homeStoreId: EAST },
];

export async function seedAccounts(db: D1Database, now: string) {
  const insert = db.prepare(
    `INSERT INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, 0, ?6, ?7, ?7)`,
  );
  const grant = db.prepare(
    "INSERT INTO store_roles (user_id, store_id, role) SELECT id, ?2, ?3 FROM users WHERE username = ?1",
  );
  const statements: D1PreparedStatement[] = [];
  for (const account of SEED_ACCOUNTS) {
    const hash = await hashPassword(account.password);
    statements.push(
      insert.bind(
        account.username,
        `${account.username}@pos.local`,
        hash,
        account.fullName,
        account.role,
        account.homeStoreId,
        now,
      ),
    );
    for (const role of account.storeRoles ?? []) statements.push(grant.bind(account.username, role.storeId, role.role));
  }
  await db.batch(statements);
  return SEED_ACCOUNTS.length;
}
