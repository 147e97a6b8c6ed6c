/**
 * User administration: listing, reading, updating and (de)activating
 * accounts, and where each one works: a home store (requests that name no
 * store act on it; `role` is the role there) and roles at other stores.
 *
 * Who sees whom: admins see every user; a manager sees the users who work at
 * the store the request acts on (home store there, or a role there), so a
 * manager of MAIN lists MAIN's staff, and the staff of EAST only when acting
 * on EAST where they also manage. Everyone reads themselves.
 */
import { auditAt, auditInsert } from "../audit/record";
import { mapPage, type Page } from "../db/paging";
import type { Role } from "../db/schema";
import { existingStoreIds } from "../db/stores";
import {
  otherActiveAdmins,
  pageOfUsers,
  type StoreRoleEntry,
  type UserChange,
  type UserFilters,
  type UserRecord,
  type UserWithRoles,
  userBelongsToStore,
  userById,
  withStoreRoles,
  writeUserChange,
} from "../db/users";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { duplicateUserError } from "./auth";
import type { ServiceContext } from "./context";
import { userAuditFields, userChangeEntry } from "./users-audit";

export type { UserFilters };

/** Roles at other stores as the API speaks them. */
export interface StoreRoleInput {
  store_id: number;
  role: Role;
}

/** Admins see every user; others (managers) the users of the store the request acts on. */
const storeSeenBy = (ctx: ServiceContext, actor: Pick<AuthUser, "role">): number | undefined =>
  actor.role === "admin" ? undefined : ctx.store.id;

export async function listUsers(
  ctx: ServiceContext,
  actor: Pick<AuthUser, "role">,
  filters: Omit<UserFilters, "storeId">,
): Promise<Page<UserWithRoles>> {
  const page = await pageOfUsers(ctx.hq.db, { ...filters, storeId: storeSeenBy(ctx, actor) });
  const rows = await withStoreRoles(ctx.hq.db, page.data);
  return mapPage({ ...page, data: rows }, (row) => row);
}

export async function getUser(ctx: ServiceContext, id: number): Promise<UserWithRoles> {
  const row = await userById(ctx.hq.db, id);
  if (!row) throw notFound("User");
  const [withRoles] = await withStoreRoles(ctx.hq.db, [row]);
  return withRoles as UserWithRoles;
}

/**
 * Anyone may read themselves; reading others needs `users:read`, and a
 * manager reads only the users of the store the request acts on (404 for
 * the others, as for a user that does not exist).
 */
export async function readUser(ctx: ServiceContext, actor: AuthUser, id: number): Promise<UserWithRoles> {
  if (actor.id !== id) {
    if (!hasPermission(actor.role, "users:read")) throw new ApiError("FORBIDDEN", "You may only read your own account");
    const store = storeSeenBy(ctx, actor);
    if (store !== undefined && !(await userBelongsToStore(ctx.hq.db, id, store))) throw notFound("User");
  }
  return getUser(ctx, id);
}

export interface UserUpdate {
  email?: string | undefined;
  full_name?: string | null | undefined;
  phone_number?: string | null | undefined;
  role?: Role | undefined;
  is_active?: boolean | undefined;
  home_store_id?: number | undefined;
  /** Replaces the user's roles at other stores. */
  store_roles?: StoreRoleInput[] | undefined;
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
  if (
    !isAdmin &&
    (change.role !== undefined ||
      change.is_active !== undefined ||
      change.home_store_id !== undefined ||
      change.store_roles !== undefined)
  ) {
    throw new ApiError("FORBIDDEN", "Only an admin may change roles, stores or activation");
  }
  if (change.is_active === false && actor.id === id) {
    throw new ApiError("CONFLICT", "You cannot deactivate your own account");
  }
}

/**
 * Checks where a user is to work: the stores exist, no store twice, none is
 * the home store (the role there is `role`), and an admin holds no store
 * roles (admin is a role at every store). 422 otherwise.
 */
export async function checkStorePlacement(
  ctx: ServiceContext,
  placement: { role: Role; homeStoreId: number; storeRoles: StoreRoleInput[] | undefined; homeStoreNamed: boolean },
): Promise<StoreRoleEntry[] | undefined> {
  const roles = placement.storeRoles;
  if (roles && roles.length > 0 && placement.role === "admin") {
    throw invalidField(
      ["body", "store_roles"],
      "An admin is admin at every store; store_roles must be empty for admins",
    );
  }
  const seen = new Set<number>();
  for (const [index, entry] of (roles ?? []).entries()) {
    if (seen.has(entry.store_id)) {
      throw invalidField(["body", "store_roles", index, "store_id"], `Store ${entry.store_id} is listed twice`);
    }
    if (entry.store_id === placement.homeStoreId) {
      throw invalidField(
        ["body", "store_roles", index, "store_id"],
        `Store ${entry.store_id} is the user's home store: their role there is \`role\``,
      );
    }
    seen.add(entry.store_id);
  }
  const asked = [...seen, ...(placement.homeStoreNamed ? [placement.homeStoreId] : [])];
  const existing = await existingStoreIds(ctx.hq.db, asked);
  if (placement.homeStoreNamed && !existing.has(placement.homeStoreId)) {
    throw invalidField(["body", "home_store_id"], `Store ${placement.homeStoreId} does not exist`);
  }
  for (const [index, entry] of (roles ?? []).entries()) {
    if (!existing.has(entry.store_id)) {
      throw invalidField(["body", "store_roles", index, "store_id"], `Store ${entry.store_id} does not exist`);
    }
  }
  return roles?.map((entry) => ({ storeId: entry.store_id, role: entry.role }));
}

const columnsOf = (change: UserUpdate): UserChange["set"] => ({
  ...(change.email !== undefined ? { email: change.email } : {}),
  ...(change.full_name !== undefined ? { fullName: change.full_name } : {}),
  ...(change.phone_number !== undefined ? { phoneNumber: change.phone_number } : {}),
  ...(change.role !== undefined ? { role: change.role } : {}),
  ...(change.is_active !== undefined ? { isActive: change.is_active } : {}),
  ...(change.home_store_id !== undefined ? { homeStoreId: change.home_store_id } : {}),
});

/**
 * The store roles to write with a change: those sent (checked), else, when
 * the user becomes an admin or moves home, the current ones cleaned (an
 * admin holds none; the new home store's row is redundant). Undefined
 * leaves them as they are.
 */
async function storeRolesOfChange(
  ctx: ServiceContext,
  target: UserWithRoles,
  change: UserUpdate,
): Promise<StoreRoleEntry[] | undefined> {
  const role = change.role ?? target.role;
  const homeStoreId = change.home_store_id ?? target.homeStoreId;
  const checked = await checkStorePlacement(ctx, {
    role,
    homeStoreId,
    storeRoles: change.store_roles,
    homeStoreNamed: change.home_store_id !== undefined,
  });
  if (checked) return checked;
  if (role === "admin" && target.storeRoles.length > 0) return [];
  if (change.home_store_id !== undefined && target.storeRoles.some((entry) => entry.storeId === homeStoreId)) {
    return target.storeRoles.filter((entry) => entry.storeId !== homeStoreId);
  }
  return undefined;
}

/**
 * Updates a user. A change that would leave the shop without an active admin
 * fails early with 409, and is re-checked inside the UPDATE (two admins
 * demoting each other at once must not both pass). Deactivation ends the
 * user's sessions in the same batch; store roles are replaced in it too.
 */
export async function updateUser(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  change: UserUpdate,
  activation?: "user.activated" | "user.deactivated",
): Promise<UserWithRoles> {
  assertMayChange(actor, id, change);
  const target = await getUser(ctx, id);
  const storeRoles = await storeRolesOfChange(ctx, target, change);
  const keepAnotherAdmin = losesAnAdmin(target, change);
  if (keepAnotherAdmin && (await otherActiveAdmins(ctx.hq.db, target.id)) === 0) {
    throw new ApiError("CONFLICT", LAST_ADMIN);
  }
  const set = columnsOf(change);
  const before = userAuditFields(target, target.storeRoles);
  const after = userAuditFields({ ...target, ...set }, storeRoles ?? target.storeRoles);
  let row: UserRecord | undefined;
  try {
    row = await writeUserChange(ctx.hq.db, id, {
      set,
      storeRoles,
      keepAnotherAdmin,
      deactivate: change.is_active === false && target.isActive,
      now: isoNow(ctx.now()),
      // Only with the UPDATE: a guard that kept the last admin writes no event.
      audit: auditInsert(ctx.hq.db, auditAt(ctx, "hq"), userChangeEntry(id, before, after, activation)),
    });
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
  if (!row) throw keepAnotherAdmin ? new ApiError("CONFLICT", LAST_ADMIN) : notFound("User");
  return { ...row, storeRoles: storeRoles ?? target.storeRoles };
}

export const setActive = (ctx: ServiceContext, actor: AuthUser, id: number, active: boolean): Promise<UserWithRoles> =>
  updateUser(ctx, actor, id, { is_active: active }, active ? "user.activated" : "user.deactivated");
