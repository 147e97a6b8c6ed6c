/**
 * The users aggregate's SQL: accounts through Drizzle, and the two raw
 * statements where SQL is the point (the first admin's conditional INSERT,
 * and the per-request user check that the auth middleware and the order
 * batch read). Sessions (refresh tokens) are in sessions.ts.
 */
import { and, count, desc, eq, getTableColumns, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, pageOf } from "./paging";
import { decodeRow, type Row } from "./rows";
import { type Role, storeRoles, stores, users } from "./schema";
import { revokeSessions } from "./sessions";
import type { Store } from "./stores";

export type UserRecord = Row<typeof users>;
export type NewUser = typeof users.$inferInsert;

/** A role a user holds at a store other than their home store. */
export interface StoreRoleEntry {
  storeId: number;
  role: Role;
}

/** A user with their roles at other stores (what user answers show). */
export type UserWithRoles = UserRecord & { storeRoles: StoreRoleEntry[] };

// D1 binds at most 100 parameters per statement: ids are read in chunks, in one batch.
const IDS_PER_STATEMENT = 90;

/** The store_roles rows of each user, by user id (users without any map to []). */
export async function storeRolesOf(db: AppDatabase, userIds: number[]): Promise<Map<number, StoreRoleEntry[]>> {
  const byUser = new Map<number, StoreRoleEntry[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const reads = [];
  for (let i = 0; i < userIds.length; i += IDS_PER_STATEMENT) {
    reads.push(
      db
        .select()
        .from(storeRoles)
        .where(inArray(storeRoles.userId, userIds.slice(i, i + IDS_PER_STATEMENT)))
        .orderBy(storeRoles.userId, storeRoles.storeId),
    );
  }
  const results = await db.batch(reads as [(typeof reads)[number], ...(typeof reads)[number][]]);
  for (const row of results.flat()) byUser.get(row.userId)?.push({ storeId: row.storeId, role: row.role });
  return byUser;
}

/** Users with their store roles (one more batch of reads). */
export async function withStoreRoles(db: AppDatabase, rows: UserRecord[]): Promise<UserWithRoles[]> {
  const roles = await storeRolesOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...row, storeRoles: roles.get(row.id) ?? [] }));
}

/** Statements that give the user (`userId`: an id or a subquery finding one) these store roles, when `when` holds. */
const grantStoreRoles = (db: AppDatabase, userId: SQL, roles: StoreRoleEntry[], when: SQL = sql`1`) =>
  roles.map((entry) =>
    db.insert(storeRoles).select(sql`SELECT ${userId}, ${entry.storeId}, ${entry.role} WHERE ${when}`),
  );

export const userById = (db: AppDatabase, id: number): Promise<UserRecord | undefined> =>
  db.select().from(users).where(eq(users.id, id)).get();

/** Usernames are unique ignoring case (users_username_unique), so this finds at most one. */
export const userByUsername = (db: AppDatabase, username: string): Promise<UserRecord | undefined> =>
  db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).get();

export const hasAnyUser = async (db: AppDatabase): Promise<boolean> =>
  (await db.select({ id: users.id }).from(users).limit(1).get()) !== undefined;

/**
 * Inserts a user and their roles at other stores, in one batch; `audit` (the
 * creation's audit event) runs right after the user's INSERT, whose row is
 * SQLite's last_insert_rowid() there.
 */
export async function insertUser(
  db: AppDatabase,
  values: NewUser,
  roles: StoreRoleEntry[],
  audit: BatchItem<"sqlite">,
): Promise<UserWithRoles> {
  const [inserted] = await db.batch([
    db.insert(users).values(values).returning(),
    audit,
    ...grantStoreRoles(db, sql`(SELECT id FROM users WHERE lower(username) = lower(${values.username}))`, roles),
  ]);
  const row = inserted[0];
  if (!row) throw new Error("insert returned no row");
  return { ...row, storeRoles: roles };
}

/**
 * Inserts the very first account as an admin: the INSERT only happens while
 * the table is empty, so two racing first registrations cannot both become
 * admin. Undefined when some user already exists. Their home store is the
 * chain's first store (MAIN, made by the head office's first migration).
 * `audit` (a statement that writes only if the INSERT did) commits with it.
 */
export async function insertFirstAdmin(
  d1: D1Database,
  values: Pick<NewUser, "username" | "email" | "passwordHash" | "fullName" | "phoneNumber" | "createdAt">,
  audit: D1PreparedStatement,
): Promise<UserRecord | undefined> {
  const insert = d1
    .prepare(
      `INSERT INTO users (username, email, password_hash, full_name, phone_number, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, 'admin', 1, 1, 0, (SELECT MIN(id) FROM stores), ?6, ?6
       WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING *`,
    )
    .bind(
      values.username,
      values.email,
      values.passwordHash,
      values.fullName ?? null,
      values.phoneNumber ?? null,
      values.createdAt,
    );
  const [inserted] = await d1.batch([insert, audit]);
  const raw = inserted?.results[0];
  return raw ? decodeRow(users, raw) : undefined;
}

export interface UserFilters {
  skip: number;
  limit: number;
  role?: Role | undefined;
  is_active?: boolean | undefined;
  /** Only the users who belong to this store: their home store, or a role there. */
  storeId?: number | undefined;
}

/** Whether the user works at `storeId`: it is their home store or they hold a role there. */
const belongsToStore = (storeId: number): SQL =>
  sql`(${users.homeStoreId} = ${storeId} OR EXISTS (SELECT 1 FROM store_roles sr WHERE sr.user_id = ${users.id} AND sr.store_id = ${storeId}))`;

/** Whether user `id` works at `storeId` (home store or a role there). */
export async function userBelongsToStore(db: AppDatabase, id: number, storeId: number): Promise<boolean> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, id), belongsToStore(storeId)))
    .get();
  return row !== undefined;
}

/** Newest first. */
export const pageOfUsers = (db: AppDatabase, filters: UserFilters): Promise<Page<UserRecord>> =>
  pageOf(db, users, {
    where: and(
      filters.role ? eq(users.role, filters.role) : undefined,
      filters.is_active === undefined ? undefined : eq(users.isActive, filters.is_active),
      filters.storeId === undefined ? undefined : belongsToStore(filters.storeId),
    ),
    orderBy: [desc(users.id)],
    skip: filters.skip,
    limit: filters.limit,
  });

/** Active admins other than `id`. */
export async function otherActiveAdmins(db: AppDatabase, id: number): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.isActive, true), ne(users.id, id)))
    .get();
  return row?.n ?? 0;
}

const anotherActiveAdmin = (id: number): SQL =>
  sql`EXISTS (SELECT 1 FROM users other WHERE other.role = 'admin' AND other.is_active = 1 AND other.id <> ${id})`;

export interface UserChange {
  set: Partial<Pick<NewUser, "email" | "fullName" | "phoneNumber" | "role" | "isActive" | "homeStoreId">>;
  /** Replaces the user's roles at other stores (undefined: leaves them). */
  storeRoles?: StoreRoleEntry[] | undefined;
  /** The UPDATE happens only while another active admin exists (re-checked inside the statement). */
  keepAnotherAdmin: boolean;
  /** Ends the user's sessions in the same batch: token version bumped, refresh tokens revoked. */
  deactivate: boolean;
  now: string;
  /** The change's audit event, run right after the UPDATE (so it can write only if the UPDATE did). */
  audit: BatchItem<"sqlite">;
}

/**
 * Applies a change to one user in one batch. Undefined when nothing was
 * updated (no such user, or `keepAnotherAdmin` and no other admin is left).
 */
export async function writeUserChange(
  db: AppDatabase,
  id: number,
  change: UserChange,
): Promise<UserRecord | undefined> {
  // The roles move only with the UPDATE: under the same guard (the other admins it checks are untouched by it).
  const guard = change.keepAnotherAdmin ? anotherActiveAdmin(id) : sql`1`;
  const roleRows = change.storeRoles
    ? [
        db.delete(storeRoles).where(and(eq(storeRoles.userId, id), guard)),
        ...grantStoreRoles(db, sql`${id}`, change.storeRoles, guard),
      ]
    : [];
  const [updated] = await db.batch([
    db
      .update(users)
      .set({
        ...change.set,
        ...(change.deactivate ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}),
        updatedAt: change.now,
      })
      .where(and(eq(users.id, id), change.keepAnotherAdmin ? anotherActiveAdmin(id) : undefined))
      .returning(),
    change.audit,
    // Only if the UPDATE above really deactivated the user (it is conditional).
    revokeSessions(db, change.deactivate ? id : -1, change.now, {
      when: sql`EXISTS (SELECT 1 FROM users WHERE users.id = ${id} AND users.is_active = 0)`,
    }),
    ...roleRows,
  ]);
  return updated[0];
}

/**
 * A new password hash that ends every session: token version bumped, refresh
 * tokens revoked, in one batch with `audit` (run right after the UPDATE).
 */
export async function writeNewPassword(
  db: AppDatabase,
  id: number,
  passwordHash: string,
  now: string,
  audit: BatchItem<"sqlite">,
): Promise<UserRecord | undefined> {
  const [updated] = await db.batch([
    db
      .update(users)
      .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: now })
      .where(eq(users.id, id))
      .returning(),
    audit,
    revokeSessions(db, id, now),
  ]);
  return updated[0];
}

/** Stores a stronger hash of the same password (sessions go on). */
export const writeRehash = async (db: AppDatabase, id: number, passwordHash: string): Promise<void> => {
  await db.update(users).set({ passwordHash }).where(eq(users.id, id));
};

/**
 * The per-request user check's row: the caller's row, whether the access
 * token's sign-in is still live (`session_live`, computed, 1 while the
 * sign-in still has a refresh token that is not revoked), the store the
 * request acts on and the caller's role there (`store_role`, null: none).
 */
export type UserCheckRow = Pick<
  Row<typeof users>,
  "id" | "username" | "role" | "isActive" | "tokenVersion" | "homeStoreId"
> & {
  session_live: number;
  store_role: Role | null;
  /** The acting store's row; undefined when the store asked for does not exist. */
  store: Store | undefined;
};

/** Which store a request asks to act on: an id, a code (an order number's), or neither (the home store). */
export interface StoreAsked {
  id?: number | null | undefined;
  code?: string | null | undefined;
}

// The caller's row, the liveness of the token's sign-in, the acting store's
// row and the caller's role there, in one statement: logout and refresh-token
// reuse revoke the family, which ends its access tokens too, while the user's
// other sign-ins (other families) live on. refresh_tokens_family_idx makes
// the EXISTS one index probe. The acting store is the one asked for (by id,
// else by code), else the user's home store; an admin is admin everywhere,
// `users.role` is the role at the home store, `store_roles` has the others.
const STORE_COLUMNS = getTableColumns(stores);
const USER_CHECK_SQL = `SELECT u.id, u.username, u.role, u.is_active, u.token_version, u.home_store_id,
  EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = ?2 AND r.user_id = u.id AND r.revoked_at IS NULL) AS session_live,
  CASE WHEN s.id IS NULL THEN NULL
       WHEN u.role = 'admin' THEN 'admin'
       WHEN s.id = u.home_store_id THEN u.role
       ELSE (SELECT sr.role FROM store_roles sr WHERE sr.user_id = u.id AND sr.store_id = s.id) END AS store_role,
  ${Object.values(STORE_COLUMNS)
    .map((column) => `s.${column.name} AS s_${column.name}`)
    .join(", ")}
FROM users u
LEFT JOIN stores s ON s.id = COALESCE(?3, (SELECT st.id FROM stores st WHERE st.code = ?4), CASE WHEN ?4 IS NULL THEN u.home_store_id END)
WHERE u.id = ?1`;

function decodeUserCheck(raw: Record<string, unknown> | null): UserCheckRow | undefined {
  if (!raw) return undefined;
  const store: Record<string, unknown> = {};
  const user: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith("s_")) store[name.slice(2)] = value;
    else user[name] = value;
  }
  const decodedUser = decodeRow(users, user) as unknown as UserCheckRow;
  decodedUser.store = store.id === null ? undefined : decodeRow(stores, store);
  return decodedUser;
}

/**
 * The user check as a statement, read alone by the auth middleware or inside
 * another batch (the order's first reads); no claims: a statement that finds nobody.
 */
export const userCheckStatement = (
  d1: D1Database,
  claims: { userId: number; sessionId: string } | null | undefined,
  asked: StoreAsked = {},
): Statement<UserCheckRow | undefined> => ({
  prepared: d1
    .prepare(USER_CHECK_SQL)
    .bind(claims?.userId ?? -1, claims?.sessionId ?? "", asked.id ?? null, asked.code ?? null),
  decode: (result) => decodeUserCheck((result.results[0] as Record<string, unknown> | undefined) ?? null),
});

/**
 * Who hears about a store's stock and its daily report: its active managers
 * (home store there with the manager role, or a manager role there in
 * store_roles) and every active admin (admins are everywhere).
 */
export const storeManagers = (db: AppDatabase, storeId: number): Promise<Pick<UserRecord, "id" | "email">[]> =>
  db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(
      and(
        eq(users.isActive, true),
        sql`(${users.role} = 'admin'
          OR (${users.homeStoreId} = ${storeId} AND ${users.role} = 'manager')
          OR EXISTS (SELECT 1 FROM ${storeRoles} WHERE ${storeRoles.userId} = ${users.id}
                       AND ${storeRoles.storeId} = ${storeId} AND ${storeRoles.role} = 'manager'))`,
      ),
    )
    .orderBy(users.id);
