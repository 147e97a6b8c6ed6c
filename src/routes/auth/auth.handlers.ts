import type { RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { assertPermission, authenticate } from "../../lib/auth/middleware";
import { ApiError } from "../../lib/errors";
import { clientAddress } from "../../lib/http/client-address";
import { toValidationIssues } from "../../lib/http/validation";
import * as auth from "../../services/auth";
import { getUser } from "../../services/users";
import { toPublicUser } from "../../services/users-view";
import type { ChangePasswordRoute, LoginRoute, LogoutRoute, MeRoute, RefreshRoute, RegisterRoute } from "./auth.routes";
import { ChangePasswordSchema } from "./auth.schemas";

export const register: RouteHandler<RegisterRoute, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const first = await auth.registerFirstAdmin(c.var.ctx, input, c.req.header("X-Bootstrap-Token"));
  if (first) return c.json(toPublicUser(first), 201);
  // Not the first account: only an admin may register (and grant roles).
  assertPermission(await authenticate(c), "users:manage");
  return c.json(toPublicUser(await auth.createUser(c.var.ctx, input)), 201);
};

export const login: RouteHandler<LoginRoute, AppEnv> = async (c) => {
  const isForm = (c.req.header("Content-Type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
  const body = isForm ? c.req.valid("form") : c.req.valid("json");
  if (!body?.username || !body.password) {
    throw new ApiError("VALIDATION_ERROR", [
      { loc: ["body"], msg: "username and password are required", type: "missing" },
    ]);
  }
  const tokens = await auth.login(c.var.ctx, {
    username: body.username,
    password: body.password,
    clientAddress: clientAddress(c) ?? "unknown",
  });
  return c.json(tokens, 200);
};

export const refresh: RouteHandler<RefreshRoute, AppEnv> = async (c) =>
  c.json(await auth.refresh(c.var.ctx, c.req.valid("json").refresh_token), 200);

export const logout: RouteHandler<LogoutRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json") ?? {};
  await auth.logout(c.var.ctx, c.var.user, { refreshToken: body.refresh_token, everywhere: body.everywhere });
  const detail = body.everywhere
    ? "Signed out of every session"
    : body.refresh_token
      ? "Signed out of that session"
      : "Signed out of this session";
  return c.json({ detail }, 200);
};

export const me: RouteHandler<MeRoute, AppEnv> = async (c) =>
  c.json(toPublicUser(await getUser(c.var.ctx, c.var.user.id)), 200);

/**
 * The JSON body, or else the replaced API's (deprecated) query form, checked
 * by the same schema. The query string is never logged (requestLog and
 * onError log the path only).
 */
function changePasswordInput(c: Parameters<RouteHandler<ChangePasswordRoute, AppEnv>>[0]) {
  // Without a JSON Content-Type the validator leaves `{}` here instead of a body.
  const body: Partial<z.output<typeof ChangePasswordSchema>> = c.req.valid("json");
  if (body.old_password !== undefined && body.new_password !== undefined)
    return { old_password: body.old_password, new_password: body.new_password };
  const query = c.req.valid("query");
  const fromQuery = query.old_password !== undefined || query.new_password !== undefined;
  const parsed = ChangePasswordSchema.safeParse(fromQuery ? query : {});
  if (!parsed.success) {
    throw new ApiError("VALIDATION_ERROR", toValidationIssues(parsed.error, fromQuery ? "query" : "json"));
  }
  return parsed.data;
}

export const changePassword: RouteHandler<ChangePasswordRoute, AppEnv> = async (c) => {
  const tokens = await auth.changePassword(c.var.ctx, c.var.user, {
    ...changePasswordInput(c),
    clientAddress: clientAddress(c) ?? "unknown",
  });
  return c.json({ detail: "Password changed", ...tokens }, 200);
};
