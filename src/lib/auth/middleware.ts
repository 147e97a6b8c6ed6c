/**
 * Authentication and authorisation middleware. Routes put these in their
 * `createRoute({ middleware })`, so they run before body validation: an
 * anonymous caller gets 401, not a 422 about its body.
 */
import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { users } from "../../db/schema";
import type { AppEnv } from "../../env";
import { authConfig } from "../config";
import { ApiError } from "../errors";
import type { AuthUser } from "./current-user";
import { hasPermission, type Permission } from "./rbac";
import { verifyAccessToken } from "./tokens";

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

const unauthorized = (detail: string) =>
  new ApiError("UNAUTHORIZED", detail, { headers: { "WWW-Authenticate": "Bearer" } });

/**
 * Verifies the bearer token and loads the caller from D1, so a deactivated
 * user, a changed password or a changed role takes effect at once.
 */
export async function authenticate(c: Context<AppEnv>): Promise<AuthUser> {
  const header = c.req.header("Authorization");
  if (!header) throw unauthorized("Not authenticated");
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized("Authorization header must be 'Bearer <token>'");
  const claims = await verifyAccessToken(authConfig(c.env), token);
  const userId = Number(claims.sub);
  if (!Number.isSafeInteger(userId)) throw unauthorized("Could not validate credentials");

  const row = await c.var.db
    .select({
      id: users.id,
      username: users.username,
      role: users.role,
      isActive: users.isActive,
      tokenVersion: users.tokenVersion,
    })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (!row || row.tokenVersion !== claims.tv) throw unauthorized("Token has been revoked");
  if (!row.isActive) throw unauthorized("User account is inactive");
  const user: AuthUser = { id: row.id, username: row.username, role: row.role };
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
