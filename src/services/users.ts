/** User administration: listing, reading, updating and (de)activating accounts. */
import { and, count, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { type Role, refreshTokens, type UserRow, users } from "../db/schema";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { duplicateUserError } from "./auth";

export interface UserFilters {
  skip: number;
  limit: number;
  role?: Role | undefined;
  is_active?: boolean | undefined;
}

export async function listUsers(db: AppDatabase, filters: UserFilters) {
  const where = and(
    filters.role ? eq(users.role, filters.role) : undefined,
    filters.is_active === undefined ? undefined : eq(users.isActive, filters.is_active),
  );
  const [rows, totals] = await db.batch([
    db.select().from(users).where(where).orderBy(desc(users.id)).limit(filters.limit).offset(filters.skip),
    db.select({ total: count() }).from(users).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

export async function getUser(db: AppDatabase, id: number): Promise<UserRow> {
  const row = await db.select().from(users).where(eq(users.id, id)).get();
  if (!row) throw notFound("User");
  return row;
}

/** Anyone may read themselves; reading others needs `users:read`. */
export function assertCanRead(actor: AuthUser, targetId: number) {
  if (actor.id !== targetId && !hasPermission(actor.role, "users:read")) {
    throw new ApiError("FORBIDDEN", "You may only read your own account");
  }
}

export interface UserUpdate {
  email?: string | undefined;
  full_name?: string | null | undefined;
  phone_number?: string | null | undefined;
  role?: Role | undefined;
  is_active?: boolean | undefined;
}

const LAST_ADMIN = "The last active admin cannot be demoted or deactivated";

/** Whether the change takes an active admin away (demotion or deactivation). */
const losesAnAdmin = (target: UserRow, change: UserUpdate) =>
  target.role === "admin" &&
  target.isActive &&
  ((change.role !== undefined && change.role !== "admin") || change.is_active === false);

/** Fails early with 409 when a change would leave the shop without an active admin. */
async function assertKeepsAnAdmin(db: AppDatabase, target: UserRow, change: UserUpdate) {
  if (!losesAnAdmin(target, change)) return;
  const others = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.isActive, true), ne(users.id, target.id)))
    .get();
  if ((others?.n ?? 0) === 0) throw new ApiError("CONFLICT", LAST_ADMIN);
}

/**
 * Admins may change every listed field of anyone; other users may change
 * their own email, name and phone, and nothing of anyone else.
 */
export async function updateUser(db: AppDatabase, actor: AuthUser, id: number, change: UserUpdate): Promise<UserRow> {
  const isAdmin = hasPermission(actor.role, "users:manage");
  if (!isAdmin && actor.id !== id) throw new ApiError("FORBIDDEN", "You may only change your own account");
  if (!isAdmin && (change.role !== undefined || change.is_active !== undefined)) {
    throw new ApiError("FORBIDDEN", "Only an admin may change roles or activation");
  }
  if (change.is_active === false && actor.id === id) {
    throw new ApiError("CONFLICT", "You cannot deactivate your own account");
  }
  const target = await getUser(db, id);
  await assertKeepsAnAdmin(db, target, change);
  // Re-checked inside the UPDATE: two admins demoting each other at once must not both pass.
  const keepsAnAdmin = losesAnAdmin(target, change)
    ? sql`EXISTS (SELECT 1 FROM users other WHERE other.role = 'admin' AND other.is_active = 1 AND other.id <> ${id})`
    : undefined;

  const deactivating = change.is_active === false && target.isActive;
  const now = isoNow();
  try {
    const [updated] = await db.batch([
      db
        .update(users)
        .set({
          ...(change.email !== undefined ? { email: change.email } : {}),
          ...(change.full_name !== undefined ? { fullName: change.full_name } : {}),
          ...(change.phone_number !== undefined ? { phoneNumber: change.phone_number } : {}),
          ...(change.role !== undefined ? { role: change.role } : {}),
          ...(change.is_active !== undefined ? { isActive: change.is_active } : {}),
          // Deactivation ends existing sessions at once.
          ...(deactivating ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}),
          updatedAt: now,
        })
        .where(and(eq(users.id, id), keepsAnAdmin))
        .returning(),
      db
        .update(refreshTokens)
        .set({ revokedAt: now })
        // Only if the UPDATE above really deactivated the user (it is conditional).
        .where(
          and(
            eq(refreshTokens.userId, deactivating ? id : -1),
            isNull(refreshTokens.revokedAt),
            sql`EXISTS (SELECT 1 FROM users WHERE users.id = ${id} AND users.is_active = 0)`,
          ),
        ),
    ]);
    const row = updated[0];
    if (!row) throw keepsAnAdmin ? new ApiError("CONFLICT", LAST_ADMIN) : notFound("User");
    return row;
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
}

export async function setActive(db: AppDatabase, actor: AuthUser, id: number, active: boolean): Promise<UserRow> {
  return updateUser(db, actor, id, { is_active: active });
}
