/**
 * Authentication and authorisation middleware. Routes put these in their
 * `createRoute({ middleware })`, so they run before body validation: an
 * anonymous caller gets 401, not a 422 about its body.
 */
import type { Context, MiddlewareHandler } from "hono";
import { setMetric } from "hono/timing";
import { runAlone } from "../../db/batch";
import type { Role } from "../../db/schema";
import { type StoreAsked, type UserCheckRow, userCheckStatement } from "../../db/users";
import type { AppEnv } from "../../env";
import { scopeOf } from "../../stores/scope";
import { appConfig, authConfig } from "../config";
import { ApiError } from "../errors";
import type { AuthUser } from "./current-user";
import { hasPermission, type Permission } from "./rbac";
import { type StoreFromPath, storeAsked, storeRefused } from "./store-request";
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
  /** The home store when the token was issued (absent from older tokens); the check confirms it. */
  homeStoreId: number | undefined;
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
  return { userId, tokenVersion: claims.tv, role: claims.role, sessionId: claims.sid, homeStoreId: claims.hs };
}

/**
 * Confirms the token against the caller's current row: deactivation, password
 * and role changes, logout and a detected refresh-token theft apply at once.
 */
export function confirmUser(row: UserCheckRow | null | undefined, claims: BearerClaims): UserCheckRow {
  if (!row || row.tokenVersion !== claims.tokenVersion) throw unauthorized("Token has been revoked");
  if (!row.session_live) throw unauthorized("This sign-in has ended; please log in again");
  if (!row.isActive) throw unauthorized("User account is inactive");
  return row;
}

/**
 * The confirmed caller as the acting store sees them: their role there
 * (refused when they have none, the store does not exist or is inactive).
 */
export function callerAtStore(
  row: UserCheckRow,
  claims: BearerClaims,
  asked: StoreAsked & { from?: StoreFromPath | undefined },
): AuthUser & { store: NonNullable<UserCheckRow["store"]> } {
  const store = row.store;
  const role = row.store_role;
  if (!store || !role || (store.status !== "active" && role !== "admin")) throw storeRefused(asked, store, role);
  return {
    id: row.id,
    username: row.username,
    role,
    homeStoreId: row.homeStoreId,
    sessionId: claims.sessionId,
    store,
  };
}

/**
 * Verifies the bearer token and loads the caller from D1 (the head office),
 * so a deactivated user, a changed password or a changed role takes effect
 * at once; resolves the store the request acts on (`store_id`, `X-Store-Id`,
 * the store of the id in the path, else the home store) in the same query
 * and puts the request's context on it.
 */
export async function authenticate(c: Context<AppEnv>, from?: StoreFromPath): Promise<AuthUser> {
  const claims = await verifyBearer(c);
  const asked = await storeAsked(c, from);
  const started = performance.now();
  const row = confirmUser(await runAlone(userCheckStatement(c.var.ctx.hq.d1, claims, asked)), claims);
  if (appConfig(c.env).debug) setMetric(c, "auth", performance.now() - started);
  const { store, ...user } = callerAtStore(row, claims, { ...asked, from });
  c.var.ctx.actOn(scopeOf(c.env, store));
  c.set("user", user);
  return user;
}

/**
 * Middleware form of `authenticate`. `from`: the path parameter whose id
 * names the store (an order's, a payment's), for routes about one record.
 *
 * @example
 * createRoute({ method: "get", path: "/me", middleware: [requireAuth()] as const, ... })
 */
export function requireAuth(from?: StoreFromPath): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    await authenticate(c, from);
    await next();
  };
}

/**
 * Authenticates, then requires the caller's role at the acting store to hold
 * `permission` in the matrix of rbac.ts (403 otherwise).
 */
export function requirePermission(permission: Permission, from?: StoreFromPath): MiddlewareHandler<AppEnv> {
  return async function requirePermissionMiddleware(c, next) {
    const user = await authenticate(c, from);
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
  /** The store the request named (header, query, body), if any; else the caller's home store. */
  asked: StoreAsked;
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
    const asked = await storeAsked(c);
    c.set("user", { id: claims.userId, username: "", role: claims.role as Role, sessionId: claims.sessionId });
    c.set("pendingUserCheck", { claims, permission, asked });
    await next();
  };
}

/**
 * Settles a pending check with the row the service read: the confirmed
 * caller, with their role at the acting store, and that store's row.
 */
export function settleUserCheck(
  check: PendingUserCheck,
  row: UserCheckRow | null | undefined,
): AuthUser & { store: NonNullable<UserCheckRow["store"]> } {
  const caller = callerAtStore(confirmUser(row, check.claims), check.claims, check.asked);
  assertPermission(caller, check.permission);
  return caller;
}
