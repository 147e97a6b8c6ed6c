/** User administration: listing, reading, updating and (de)activating accounts. */
import type { Page } from "../db/paging";
import type { Role } from "../db/schema";
import {
  otherActiveAdmins,
  pageOfUsers,
  type UserChange,
  type UserFilters,
  type UserRecord,
  userById,
  writeUserChange,
} from "../db/users";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { duplicateUserError } from "./auth";
import type { ServiceContext } from "./context";

export type { UserFilters };

export const listUsers = (ctx: ServiceContext, filters: UserFilters): Promise<Page<UserRecord>> =>
  pageOfUsers(ctx.db, filters);

export async function getUser(ctx: ServiceContext, id: number): Promise<UserRecord> {
  const row = await userById(ctx.db, id);
  if (!row) throw notFound("User");
  return row;
}

/** Anyone may read themselves; reading others needs `users:read`. */
export async function readUser(ctx: ServiceContext, actor: AuthUser, id: number): Promise<UserRecord> {
  if (actor.id !== id && !hasPermission(actor.role, "users:read")) {
    throw new ApiError("FORBIDDEN", "You may only read your own account");
  }
  return getUser(ctx, id);
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
const losesAnAdmin = (target: UserRecord, change: UserUpdate) =>
  target.role === "admin" &&
  target.isActive &&
  ((change.role !== undefined && change.role !== "admin") || change.is_active === false);

/**
 * Admins may change every listed field of anyone; other users may change
 * their own email, name and phone, and nothing of anyone else. Nobody
 * deactivates themselves.
 */
function assertMayChange(actor: AuthUser, id: number, change: UserUpdate) {
  const isAdmin = hasPermission(actor.role, "users:manage");
  if (!isAdmin && actor.id !== id) throw new ApiError("FORBIDDEN", "You may only change your own account");
  if (!isAdmin && (change.role !== undefined || change.is_active !== undefined)) {
    throw new ApiError("FORBIDDEN", "Only an admin may change roles or activation");
  }
  if (change.is_active === false && actor.id === id) {
    throw new ApiError("CONFLICT", "You cannot deactivate your own account");
  }
}

const columnsOf = (change: UserUpdate): UserChange["set"] => ({
  ...(change.email !== undefined ? { email: change.email } : {}),
  ...(change.full_name !== undefined ? { fullName: change.full_name } : {}),
  ...(change.phone_number !== undefined ? { phoneNumber: change.phone_number } : {}),
  ...(change.role !== undefined ? { role: change.role } : {}),
  ...(change.is_active !== undefined ? { isActive: change.is_active } : {}),
});

/**
 * Updates a user. A change that would leave the shop without an active admin
 * fails early with 409, and is re-checked inside the UPDATE (two admins
 * demoting each other at once must not both pass). Deactivation ends the
 * user's sessions in the same batch.
 */
export async function updateUser(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  change: UserUpdate,
): Promise<UserRecord> {
  assertMayChange(actor, id, change);
  const target = await getUser(ctx, id);
  const keepAnotherAdmin = losesAnAdmin(target, change);
  if (keepAnotherAdmin && (await otherActiveAdmins(ctx.db, target.id)) === 0) {
    throw new ApiError("CONFLICT", LAST_ADMIN);
  }
  let row: UserRecord | undefined;
  try {
    row = await writeUserChange(ctx.db, id, {
      set: columnsOf(change),
      keepAnotherAdmin,
      deactivate: change.is_active === false && target.isActive,
      now: isoNow(ctx.now()),
    });
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
  if (!row) throw keepAnotherAdmin ? new ApiError("CONFLICT", LAST_ADMIN) : notFound("User");
  return row;
}

export const setActive = (ctx: ServiceContext, actor: AuthUser, id: number, active: boolean): Promise<UserRecord> =>
  updateUser(ctx, actor, id, { is_active: active });
