/**
 * Sign-up, sign-in, token rotation, logout and password change. Every
 * function takes the request's service context first (`testContext` in
 * tests); the SQL is in db/users.ts and db/sessions.ts.
 */

import {
  type AuditEntry,
  type AuditPlace,
  auditAt,
  auditAtAs,
  auditInsert,
  auditStatement,
  inBatch,
  LAST_INSERTED,
} from "../audit/record";
import type { Role } from "../db/schema";
import { insertRefreshToken, refreshTokenById, revokeFamily, revokeSessions, spendRefreshToken } from "../db/sessions";
import {
  hasAnyUser,
  insertFirstAdmin,
  insertUser,
  type UserRecord,
  type UserWithRoles,
  userById,
  userByUsername,
  writeNewPassword,
  writeRehash,
} from "../db/users";
import { notifyPasswordChanged } from "../jobs/notifications";
import { assertBootstrapToken } from "../lib/auth/bootstrap";
import type { AuthUser } from "../lib/auth/current-user";
import { hashPassword, needsRehash, verifyDecoy, verifyPassword } from "../lib/auth/password";
import { sha256Hex, signAccessToken, signRefreshToken, verifyRefreshToken } from "../lib/auth/tokens";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError } from "../lib/errors";
import { addSeconds, isoNow } from "../lib/time";
import type { ServiceContext } from "./context";
import { admitAttempt, forgive, forgiveUnjudged, type ThrottleKeys, throttleKeys } from "./login-throttle";
import { checkStorePlacement, type StoreRoleInput } from "./users";
import { userAuditFields } from "./users-audit";

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface NewUserInput {
  username: string;
  email: string;
  password: string;
  full_name?: string | null | undefined;
  phone_number?: string | null | undefined;
  role?: Role | undefined;
  /** Default: the store the creating admin acts on (their home store unless the request names one). */
  home_store_id?: number | undefined;
  /** Roles at other stores (not for admins, who are admin everywhere). */
  store_roles?: StoreRoleInput[] | undefined;
}

/** Maps a unique-index failure on users to a 409 naming the field. */
export function duplicateUserError(error: unknown): ApiError | null {
  const violated = uniqueViolation(error);
  if (!violated) return null;
  const field = violated.includes("email") ? "email" : "username";
  return new ApiError("DUPLICATE", `A user with this ${field} already exists`, { extra: { field } });
}

async function refusingDuplicates<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
}

/** The audit event of a new account (`entityId`: the row the INSERT just before made); no password, no hash. */
const userCreated = (
  values: Parameters<typeof userAuditFields>[0],
  storeRoles: StoreRoleInput[] | undefined,
): AuditEntry => ({
  action: "user.created",
  entityType: "user",
  entityId: LAST_INSERTED,
  before: null,
  after: {
    ...userAuditFields(
      values,
      (storeRoles ?? []).map((entry) => ({ storeId: entry.store_id, role: entry.role })),
    ),
  },
});

/** A new account's columns (its role aside): the password hashed, created now. */
async function newUserValues(ctx: ServiceContext, input: NewUserInput) {
  const now = isoNow(ctx.now());
  return {
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    fullName: input.full_name ?? null,
    phoneNumber: input.phone_number ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The very first registration: while no account exists it needs the
 * bootstrap token, and it makes the account an admin. Null when some account
 * exists (already, or created by a racing first registration): the caller
 * then registers as an admin creating a user.
 */
export async function registerFirstAdmin(
  ctx: ServiceContext,
  input: NewUserInput,
  bootstrapToken: string | undefined,
): Promise<UserWithRoles | null> {
  if (await hasAnyUser(ctx.hq.db)) return null;
  await assertBootstrapToken(ctx.config.bootstrapToken, bootstrapToken);
  // The first admin's home store is the chain's first store; an admin holds no store roles.
  const values = await newUserValues(ctx, input);
  // No account stands behind the bootstrap token yet: the trail names the
  // system as the actor and the account it made as the entity.
  const entry = userCreated({ ...values, role: "admin", isActive: true, homeStoreId: 0 }, []);
  const audit = auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
    ...entry,
    // The home store the INSERT chose, as it chose it.
    after: { ...entry.after, home_store_id: inBatch("SELECT MIN(id) FROM stores") },
    onlyIfChanged: true,
  });
  const row = await refusingDuplicates(insertFirstAdmin(ctx.hq.d1, values, audit));
  return row ? { ...row, storeRoles: [] } : null;
}

/**
 * Creates an account with the given role (the caller has been checked to be
 * an admin, so `ctx.store` is the store they act on: the new user's home
 * store unless `home_store_id` names another).
 */
export async function createUser(ctx: ServiceContext, input: NewUserInput): Promise<UserWithRoles> {
  const role = input.role ?? "cashier";
  const homeStoreId = input.home_store_id ?? ctx.store.id;
  const storeRoles = await checkStorePlacement(ctx, {
    role,
    homeStoreId,
    storeRoles: input.store_roles,
    homeStoreNamed: input.home_store_id !== undefined,
  });
  const values = await newUserValues(ctx, input);
  const audit = auditInsert(
    ctx.hq.db,
    auditAt(ctx, "hq"),
    userCreated({ ...values, role, isActive: true, homeStoreId }, input.store_roles),
  );
  return refusingDuplicates(insertUser(ctx.hq.db, { ...values, role, homeStoreId }, storeRoles ?? [], audit));
}

/**
 * The place of a sign-in's event: no caller is authenticated on these
 * requests, so the actor is the user signing in (their role and home store).
 */
const signInPlace = (ctx: ServiceContext, user: UserRecord): AuditPlace => {
  const place = auditAtAs(ctx, "hq", user);
  return { ...place, actor: { ...place.actor, storeId: place.actor.storeId ?? user.homeStoreId } };
};

/**
 * A sign-in's audit event (entity: the user's sessions, by user id; the
 * session's id is its refresh-token family, the access token's `sid`).
 */
const sessionEntry = (action: string, userId: number, sessionId: string | "all"): AuditEntry => ({
  action,
  entityType: "session",
  entityId: userId,
  before: null,
  after: { session_id: sessionId },
});

/**
 * Issues an access token and a refresh token of a new or existing family
 * (sign-in), with `action`'s audit event in the refresh token's batch (none:
 * the request's event is written elsewhere, as a password change's).
 */
async function issueTokens(
  ctx: ServiceContext,
  user: UserRecord,
  action: "session.created" | "session.refreshed" | null,
  familyId: string = crypto.randomUUID(),
): Promise<TokenPair> {
  const now = ctx.now();
  const auth = ctx.config.auth;
  const jti = crypto.randomUUID();
  const [access, refresh] = await Promise.all([
    signAccessToken(
      auth,
      { sub: String(user.id), role: user.role, tv: user.tokenVersion, sid: familyId, hs: user.homeStoreId },
      now,
    ),
    signRefreshToken(auth, { sub: String(user.id), jti, fam: familyId }, now),
  ]);
  const insert = insertRefreshToken(ctx.hq.db, {
    id: jti,
    userId: user.id,
    familyId,
    tokenHash: await sha256Hex(refresh),
    expiresAt: isoNow(addSeconds(now, auth.refreshTtlSeconds)),
    createdAt: isoNow(now),
  });
  if (action) {
    await ctx.hq.db.batch([
      insert,
      auditInsert(ctx.hq.db, signInPlace(ctx, user), sessionEntry(action, user.id, familyId)),
    ]);
  } else await insert;
  return { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: auth.accessTtlSeconds };
}

const invalidCredentials = () =>
  new ApiError("INVALID_CREDENTIALS", "Incorrect username or password", { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * Runs a password check that login-throttle.ts has counted. If it never gets
 * to judge (the isolate's hash gate answers 503), the attempt is taken back:
 * only judged passwords count against the limits.
 */
async function judge(ctx: ServiceContext, keys: ThrottleKeys, check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch (error) {
    await forgiveUnjudged(ctx, keys);
    throw error;
  }
}

export interface Credentials {
  username: string;
  password: string;
  /** The caller's address, for the throttle ("unknown" when none is known). */
  clientAddress: string;
}

/**
 * Checks a username and password. The attempt is counted (login-throttle.ts)
 * before argon2 runs and stays counted when the password is wrong; a good
 * one forgives it. Unknown users cost the same argon2 time as wrong passwords.
 */
export async function login(ctx: ServiceContext, credentials: Credentials): Promise<TokenPair> {
  const keys = throttleKeys(credentials.username, credentials.clientAddress);
  await admitAttempt(ctx, keys);

  const user = await userByUsername(ctx.hq.db, credentials.username);
  const valid = await judge(ctx, keys, () =>
    user ? verifyPassword(credentials.password, user.passwordHash) : verifyDecoy(credentials.password),
  );
  if (!user || !valid) throw invalidCredentials();
  if (!user.isActive) throw new ApiError("FORBIDDEN", "User account is inactive");

  await forgive(ctx, keys);
  if (needsRehash(user.passwordHash)) await writeRehash(ctx.hq.db, user.id, await hashPassword(credentials.password));
  return issueTokens(ctx, user, "session.created");
}

const revokedError = (detail: string) =>
  new ApiError("TOKEN_INVALID", detail, { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * Rotates a refresh token. The spend is one conditional UPDATE, so of two
 * concurrent refreshes with the same token exactly one wins; presenting a
 * spent token again means it was stolen or replayed, and the whole family
 * (every token descended from that login) is revoked.
 */
export async function refresh(ctx: ServiceContext, token: string): Promise<TokenPair> {
  const claims = await verifyRefreshToken(ctx.config.auth, token);
  const now = isoNow(ctx.now());
  const row = await refreshTokenById(ctx.hq.db, claims.jti);
  if (!row || row.tokenHash !== (await sha256Hex(token)) || String(row.userId) !== claims.sub) {
    throw revokedError("Invalid refresh token");
  }
  if (row.revokedAt) throw revokedError("Refresh token has been revoked");

  if (!(await spendRefreshToken(ctx.hq.db, row.id, now))) {
    await revokeFamily(ctx.hq.db, row.familyId, now);
    throw revokedError("Refresh token reuse detected; the session has been revoked, please log in again");
  }

  const user = await userById(ctx.hq.db, row.userId);
  if (!user?.isActive) throw revokedError("User account is inactive");
  return issueTokens(ctx, user, "session.refreshed", row.familyId);
}

/**
 * Logs out. By default it ends the sign-in of the caller's access token (its
 * `sid`, a refresh-token family), or the sign-in of `refreshToken` when one
 * is given; the user's other sign-ins (other tills, other devices) go on.
 * Only `everywhere` ends every sign-in of the user.
 */
export async function logout(
  ctx: ServiceContext,
  actor: Pick<AuthUser, "id" | "sessionId">,
  options: { refreshToken?: string | undefined; everywhere?: boolean | undefined } = {},
) {
  const now = isoNow(ctx.now());
  const ended = (sessionId: string) =>
    auditInsert(ctx.hq.db, auditAt(ctx, "hq"), sessionEntry("session.ended", actor.id, sessionId));
  if (options.everywhere) {
    await ctx.hq.db.batch([revokeSessions(ctx.hq.db, actor.id, now), ended("all")]);
    return;
  }
  if (!options.refreshToken) {
    // Only a request the middleware authenticated calls this, and it names its sign-in.
    if (!actor.sessionId) throw new ApiError("UNAUTHORIZED", "Not authenticated");
    await ctx.hq.db.batch([revokeFamily(ctx.hq.db, actor.sessionId, now), ended(actor.sessionId)]);
    return;
  }
  const claims = await verifyRefreshToken(ctx.config.auth, options.refreshToken).catch(() => null);
  if (!claims || claims.sub !== String(actor.id))
    throw new ApiError("BAD_REQUEST", "Refresh token does not belong to you");
  await ctx.hq.db.batch([revokeFamily(ctx.hq.db, claims.fam, now), ended(claims.fam)]);
}

export interface PasswordChange {
  old_password: string;
  new_password: string;
  /** The caller's address, for the throttle ("unknown" when none is known). */
  clientAddress: string;
}

/**
 * Changes the password, ends every session (refresh tokens revoked, access
 * tokens invalidated through the token version), tells the user by email
 * after the response, and signs the caller back in. The old password is a
 * password check like a login's: counted by the same throttle (username and
 * client address), so a stolen access token cannot be used to guess it.
 */
export async function changePassword(
  ctx: ServiceContext,
  actor: Pick<AuthUser, "id" | "username">,
  input: PasswordChange,
): Promise<TokenPair> {
  const keys = throttleKeys(actor.username, input.clientAddress);
  await admitAttempt(ctx, keys);
  const user = await userById(ctx.hq.db, actor.id);
  if (!user) throw new ApiError("NOT_FOUND", "User not found");
  if (!(await judge(ctx, keys, () => verifyPassword(input.old_password, user.passwordHash)))) {
    throw new ApiError("BAD_REQUEST", "Old password is incorrect");
  }
  await forgive(ctx, keys);
  const passwordHash = await hashPassword(input.new_password);
  // The event says that it changed, never a value (not even a hash's).
  const audit = auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
    action: "user.password.changed",
    entityType: "user",
    entityId: actor.id,
    onlyIfChanged: true,
  });
  const fresh = await writeNewPassword(ctx.hq.db, actor.id, passwordHash, isoNow(ctx.now()), audit);
  if (!fresh) throw new ApiError("NOT_FOUND", "User not found");
  // The caller is signed back in as part of this request: its one event is the password change.
  const tokens = await issueTokens(ctx, fresh, null);
  ctx.defer(notifyPasswordChanged(ctx.env, { id: fresh.id, email: fresh.email, tokenVersion: fresh.tokenVersion }));
  return tokens;
}
