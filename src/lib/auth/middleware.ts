/**
 * Authentication and authorisation middleware. Routes put these in their
 * `createRoute({ middleware })`, so they run before body validation: an
 * anonymous caller gets 401, not a 422 about its body.
 */
import type { Context, MiddlewareHandler } from "hono";
import { setMetric } from "hono/timing";
import { runAlone } from "../../db/batch";
import type { Role } from "../../db/schema";
import { type UserCheckRow, userCheckStatement } from "../../db/users";
import type { AppEnv } from "../../env";
import { appConfig, authConfig } from "../config";
import { ApiError } from "../errors";
import type { AuthUser } from "./current-user";
import { hasPermission, type Permission } from "./rbac";
import { verifyAccessToken } from "./tokens";

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

const unauthorized = (detail: string) =>
  new ApiError("UNAUTHORIZED", detail, { headers: { "WWW-Authenticate": "Bearer" } });

/** What a valid access token says about its holder, before D1 confirms it. */
export interface BearerClaims {
  userId: number;
  tokenVersion: number;
  role: string;
  /** The sign-in the token belongs to (its refresh-token family). */
  sessionId: string;
}

/** Checks the Authorization header and the token's signature, issuer, audience and expiry. */
export async function verifyBearer(c: Context<AppEnv>): Promise<BearerClaims> {
  const header = c.req.header("Authorization");
  if (!header) throw unauthorized("Not authenticated");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("Authorization header must be 'Bearer <token>'");
  const claims = await verifyAccessToken(authConfig(c.env), token);
  const userId = Number(claims.sub);
  if (!Number.isSafeInteger(userId)) throw unauthorized("Could not validate credentials");
  return { userId, tokenVersion: claims.tv, role: claims.role, sessionId: claims.sid };
}

/**
 * Confirms the token against the caller's current row: deactivation, password
 * and role changes, logout and a detected refresh-token theft apply at once.
 */
export function confirmUser(row: UserCheckRow | null | undefined, claims: BearerClaims): AuthUser {
  if (!row || row.tokenVersion !== claims.tokenVersion) throw unauthorized("Token has been revoked");
  if (!row.session_live) throw unauthorized("This sign-in has ended; please log in again");
  if (!row.isActive) throw unauthorized("User account is inactive");
  return { id: row.id, username: row.username, role: row.role, sessionId: claims.sessionId };
}

/**
 * Verifies the bearer token and loads the caller from D1 (the request's
 * context's database), so a deactivated user, a changed password or a
 * changed role takes effect at once.
 */
export async function authenticate(c: Context<AppEnv>): Promise<AuthUser> {
  const claims = await verifyBearer(c);
  const started = performance.now();
  const row = await runAlone(userCheckStatement(c.var.ctx.d1, claims));
  if (appConfig(c.env).debug) setMetric(c, "auth", performance.now() - started);
  const user = confirmUser(row, claims);
  c.set("user", user);
  return user;
}

/**
 * Middleware form of `authenticate`.
 *
 * @example
 * createRoute({ method: "get", path: "/me", middleware: [requireAuth()] as const, ... })
 */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    await authenticate(c);
    await next();
  };
}

/**
 * Authenticates, then requires the caller's role to hold `permission` in the
 * matrix of rbac.ts (403 otherwise).
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermissionMiddleware(c, next) {
    const user = await authenticate(c);
    assertPermission(user, permission);
    await next();
  };
}

export function assertPermission(user: AuthUser, permission: Permission) {
  if (!hasPermission(user.role, permission)) {
    throw new ApiError("FORBIDDEN", `Your role (${user.role}) may not do this`);
  }
}

/** A permission check still to be confirmed against D1, inside the handler's first query batch. */
export interface PendingUserCheck {
  claims: BearerClaims;
  permission: Permission;
}

/**
 * For the hottest write paths (selling): verifies the token now, and leaves
 * the D1 confirmation of the caller (active, token version, current role) to
 * the service, which reads it in the same batch as its own first reads and
 * checks it before touching anything. One D1 round trip fewer per sale.
 * The token's role claim is checked here too, so a cashier token is refused
 * early for a manager-only route.
 */
export function requirePermissionInBatch(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermissionInBatchMiddleware(c, next) {
    const claims = await verifyBearer(c);
    if (!hasPermission(claims.role as Role, permission)) {
      throw new ApiError("FORBIDDEN", `Your role (${claims.role}) may not do this`);
    }
    c.set("user", { id: claims.userId, username: "", role: claims.role as Role, sessionId: claims.sessionId });
    c.set("pendingUserCheck", { claims, permission });
    await next();
  };
}

/** Settles a pending check with the row the service read; returns the confirmed caller. */
export function settleUserCheck(check: PendingUserCheck, row: UserCheckRow | null | undefined): AuthUser {
  const user = confirmUser(row, check.claims);
  assertPermission(user, check.permission);
  return user;
}
