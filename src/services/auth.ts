/**
 * Sign-up, sign-in and token rotation. Everything here takes its
 * dependencies as parameters (`AuthDeps`), so tests can drive it directly.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { type Role, refreshTokens, type UserRow, users } from "../db/schema";
import { hashPassword, needsRehash, verifyDecoy, verifyPassword } from "../lib/auth/password";
import { sha256Hex, signAccessToken, signRefreshToken, verifyRefreshToken } from "../lib/auth/tokens";
import type { AuthConfig, LoginThrottleConfig } from "../lib/config";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError } from "../lib/errors";
import { addSeconds, isoNow } from "../lib/time";
import { admitAttempt, forgive, forgiveUnjudged, type ThrottleKeys, throttleKeys } from "./login-throttle";

export interface AuthDeps {
  db: AppDatabase;
  d1: D1Database;
  auth: AuthConfig;
  now?: () => Date;
}

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
}

const clock = (deps: AuthDeps) => (deps.now ? deps.now() : new Date());

/** Maps a unique-index failure on users to a 409 naming the field. */
export function duplicateUserError(error: unknown): ApiError | null {
  const violated = uniqueViolation(error);
  if (!violated) return null;
  const field = violated.includes("email") ? "email" : "username";
  return new ApiError("DUPLICATE", `A user with this ${field} already exists`, { extra: { field } });
}

export const hasAnyUser = async (d1: D1Database) =>
  (await d1.prepare("SELECT 1 AS one FROM users LIMIT 1").first()) !== null;

/**
 * Creates the very first account as an admin, atomically: the INSERT only
 * happens while the table is empty, so two racing first registrations
 * cannot both become admin. Returns null when some user already exists.
 */
export async function createFirstAdmin(deps: AuthDeps, input: NewUserInput): Promise<UserRow | null> {
  const passwordHash = await hashPassword(input.password);
  const now = isoNow(clock(deps));
  try {
    const row = await deps.d1
      .prepare(
        `INSERT INTO users (username, email, password_hash, full_name, phone_number, role, is_active, is_verified, token_version, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, 'admin', 1, 1, 0, ?6, ?6
         WHERE NOT EXISTS (SELECT 1 FROM users) RETURNING id`,
      )
      .bind(input.username, input.email, passwordHash, input.full_name ?? null, input.phone_number ?? null, now)
      .first<{ id: number }>();
    if (!row) return null;
    return (await deps.db.select().from(users).where(eq(users.id, row.id)).get()) ?? null;
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
}

/** Creates an account with the given role (the caller has been checked to be an admin). */
export async function createUser(deps: AuthDeps, input: NewUserInput): Promise<UserRow> {
  const passwordHash = await hashPassword(input.password);
  const now = isoNow(clock(deps));
  try {
    const [row] = await deps.db
      .insert(users)
      .values({
        username: input.username,
        email: input.email,
        passwordHash,
        fullName: input.full_name ?? null,
        phoneNumber: input.phone_number ?? null,
        role: input.role ?? "cashier",
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  } catch (error) {
    throw duplicateUserError(error) ?? error;
  }
}

/** Issues an access token and a refresh token of a new or existing family. */
export async function issueTokens(
  deps: AuthDeps,
  user: UserRow,
  familyId: string = crypto.randomUUID(),
): Promise<TokenPair> {
  const now = clock(deps);
  const jti = crypto.randomUUID();
  const [access, refresh] = await Promise.all([
    signAccessToken(deps.auth, { sub: String(user.id), role: user.role, tv: user.tokenVersion, sid: familyId }, now),
    signRefreshToken(deps.auth, { sub: String(user.id), jti, fam: familyId }, now),
  ]);
  await deps.db.insert(refreshTokens).values({
    id: jti,
    userId: user.id,
    familyId,
    tokenHash: await sha256Hex(refresh),
    expiresAt: isoNow(addSeconds(now, deps.auth.refreshTtlSeconds)),
    createdAt: isoNow(now),
  });
  return { access_token: access, refresh_token: refresh, token_type: "bearer", expires_in: deps.auth.accessTtlSeconds };
}

const invalidCredentials = () =>
  new ApiError("INVALID_CREDENTIALS", "Incorrect username or password", { headers: { "WWW-Authenticate": "Bearer" } });

export type ThrottledAuthDeps = AuthDeps & { throttle: LoginThrottleConfig };

/**
 * Runs a password check that login-throttle.ts has counted. If it never gets
 * to judge (the isolate's hash gate answers 503), the attempt is taken back:
 * only judged passwords count against the limits.
 */
async function judge(deps: AuthDeps, keys: ThrottleKeys, check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch (error) {
    await forgiveUnjudged(deps.d1, keys);
    throw error;
  }
}

/**
 * Checks a username and password. The attempt is counted (login-throttle.ts)
 * before argon2 runs and stays counted when the password is wrong; a good
 * one forgives it. Unknown users cost the same argon2 time as wrong passwords.
 */
export async function login(
  deps: ThrottledAuthDeps,
  credentials: { username: string; password: string },
  clientAddress: string,
): Promise<TokenPair> {
  const keys = throttleKeys(credentials.username, clientAddress);
  await admitAttempt(deps.d1, keys, deps.throttle, clock(deps).getTime());

  const user = await deps.db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${credentials.username})`)
    .get();
  const valid = await judge(deps, keys, () =>
    user ? verifyPassword(credentials.password, user.passwordHash) : verifyDecoy(credentials.password),
  );
  if (!user || !valid) throw invalidCredentials();
  if (!user.isActive) throw new ApiError("FORBIDDEN", "User account is inactive");

  await forgive(deps.d1, keys);
  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(credentials.password);
    await deps.db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  }
  return issueTokens(deps, user);
}

const revokedError = (detail: string) =>
  new ApiError("TOKEN_INVALID", detail, { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * Rotates a refresh token. The spend is one conditional UPDATE, so of two
 * concurrent refreshes with the same token exactly one wins; presenting a
 * spent token again means it was stolen or replayed, and the whole family
 * (every token descended from that login) is revoked.
 */
export async function refresh(deps: AuthDeps, token: string): Promise<TokenPair> {
  const claims = await verifyRefreshToken(deps.auth, token);
  const now = isoNow(clock(deps));
  const row = await deps.db.select().from(refreshTokens).where(eq(refreshTokens.id, claims.jti)).get();
  if (!row || row.tokenHash !== (await sha256Hex(token)) || String(row.userId) !== claims.sub) {
    throw revokedError("Invalid refresh token");
  }
  if (row.revokedAt) throw revokedError("Refresh token has been revoked");

  const spent = await deps.db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  if (spent.length === 0) {
    await revokeFamily(deps, row.familyId);
    throw revokedError("Refresh token reuse detected; the session has been revoked, please log in again");
  }

  const user = await deps.db.select().from(users).where(eq(users.id, row.userId)).get();
  if (!user?.isActive) throw revokedError("User account is inactive");
  return issueTokens(deps, user, row.familyId);
}

export async function revokeFamily(deps: AuthDeps, familyId: string) {
  await deps.db
    .update(refreshTokens)
    .set({ revokedAt: isoNow(clock(deps)) })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/**
 * Logs out. By default it ends the sign-in of the caller's access token (its
 * `sid`, a refresh-token family), or the sign-in of `refreshToken` when one
 * is given; the user's other sign-ins (other tills, other devices) go on.
 * Only `everywhere` ends every sign-in of the user.
 */
export async function logout(
  deps: AuthDeps,
  caller: { id: number; sessionId?: string | undefined },
  options: { refreshToken?: string | undefined; everywhere?: boolean | undefined } = {},
) {
  if (options.everywhere) {
    await revokeAllForUser(deps, caller.id);
    return;
  }
  if (!options.refreshToken) {
    // Only a request the middleware authenticated calls this, and it names its sign-in.
    if (!caller.sessionId) throw new ApiError("UNAUTHORIZED", "Not authenticated");
    await revokeFamily(deps, caller.sessionId);
    return;
  }
  const claims = await verifyRefreshToken(deps.auth, options.refreshToken).catch(() => null);
  if (!claims || claims.sub !== String(caller.id))
    throw new ApiError("BAD_REQUEST", "Refresh token does not belong to you");
  await revokeFamily(deps, claims.fam);
}

export async function revokeAllForUser(deps: AuthDeps, userId: number) {
  await deps.db
    .update(refreshTokens)
    .set({ revokedAt: isoNow(clock(deps)) })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

/**
 * Changes the password, ends every session (refresh tokens revoked, access
 * tokens invalidated through the token version) and signs the caller back in.
 * The old password is a password check like a login's: counted by the same
 * throttle (username and client address), so a stolen access token cannot
 * be used to guess it.
 */
export async function changePassword(
  deps: ThrottledAuthDeps,
  caller: { id: number; username: string },
  input: { old_password: string; new_password: string },
  clientAddress: string,
): Promise<TokenPair> {
  const userId = caller.id;
  const keys = throttleKeys(caller.username, clientAddress);
  await admitAttempt(deps.d1, keys, deps.throttle, clock(deps).getTime());
  const user = await deps.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw new ApiError("NOT_FOUND", "User not found");
  if (!(await judge(deps, keys, () => verifyPassword(input.old_password, user.passwordHash)))) {
    throw new ApiError("BAD_REQUEST", "Old password is incorrect");
  }
  await forgive(deps.d1, keys);
  const passwordHash = await hashPassword(input.new_password);
  const now = isoNow(clock(deps));
  const [updated] = await deps.db.batch([
    deps.db
      .update(users)
      .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: now })
      .where(eq(users.id, userId))
      .returning(),
    deps.db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))),
  ]);
  const fresh = updated[0];
  if (!fresh) throw new ApiError("NOT_FOUND", "User not found");
  return issueTokens(deps, fresh);
}
