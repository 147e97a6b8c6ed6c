/** Creates the four roles' accounts in a fresh (per-file) database. */
import type { Role } from "../../src/db/schema";
import { BOOTSTRAP_HEADERS, call, expectJson, login } from "./api";

export interface Account {
  id: number;
  username: string;
  password: string;
  token: string;
  refresh: string;
}

export type Accounts = Record<Role, Account>;

let cached: Promise<Accounts> | undefined;

async function create(): Promise<Accounts> {
  const admin = await expectJson<{ id: number }>(
    call("POST", "/api/v1/auth/register", {
      headers: BOOTSTRAP_HEADERS,
      body: { username: "admin", email: "admin@example.com", password: "admin123", full_name: "Admin" },
    }),
    201,
  );
  const adminTokens = await login("admin", "admin123");
  const accounts: Partial<Accounts> = {
    admin: {
      id: admin.id,
      username: "admin",
      password: "admin123",
      token: adminTokens.access_token,
      refresh: adminTokens.refresh_token,
    },
  };
  for (const role of ["manager", "cashier", "inventory_officer"] as const) {
    accounts[role] = await createAccount(adminTokens.access_token, `${role.replace("_", "")}1`, role);
  }
  return accounts as Accounts;
}

/** Registers one more account (as the admin whose token is given) and signs it in. */
export async function createAccount(adminToken: string, username: string, role: Role): Promise<Account> {
  const password = `${username}-pass-123`;
  const user = await expectJson<{ id: number }>(
    call("POST", "/api/v1/auth/register", {
      token: adminToken,
      body: { username, email: `${username}@example.com`, password, role },
    }),
    201,
  );
  const tokens = await login(username, password);
  return { id: user.id, username, password, token: tokens.access_token, refresh: tokens.refresh_token };
}

/** One set of accounts per test file (storage is isolated per file). */
export const accounts = () => {
  cached ??= create();
  return cached;
};

/** A role at a store other than the home store, as the API speaks it. */
export interface StoreRoleGrant {
  store_id: number;
  role: Role;
}

/**
 * Registers one more account that works at given stores (as the admin whose
 * token is given) and signs it in: `homeStoreId` (its `role` is the role
 * there) and `storeRoles` at other stores.
 */
export async function userAtStores(
  adminToken: string,
  username: string,
  placement: { role: Role; homeStoreId: number; storeRoles?: StoreRoleGrant[] },
): Promise<Account> {
  const password = `${username}-pass-123`;
  const user = await expectJson<{ id: number }>(
    call("POST", "/api/v1/auth/register", {
      token: adminToken,
      body: {
        username,
        email: `${username}@example.com`,
        password,
        role: placement.role,
        home_store_id: placement.homeStoreId,
        store_roles: placement.storeRoles ?? [],
      },
    }),
    201,
  );
  const tokens = await login(username, password);
  return { id: user.id, username, password, token: tokens.access_token, refresh: tokens.refresh_token };
}

/** Replaces a user's roles at other stores (as the admin whose token is given). */
export const grantStoreRoles = (adminToken: string, userId: number, storeRoles: StoreRoleGrant[]) =>
  expectJson<{ store_roles: StoreRoleGrant[] }>(
    call("PUT", `/api/v1/users/${userId}`, { token: adminToken, body: { store_roles: storeRoles } }),
    200,
  );
