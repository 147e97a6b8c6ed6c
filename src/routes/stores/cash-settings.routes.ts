import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { runAlone } from "../../db/batch";
import { userCheckStatement } from "../../db/users";
import type { AppEnv } from "../../env";
import { assertPermission, callerAtStore, confirmUser, verifyBearer } from "../../lib/auth/middleware";
import type { Permission } from "../../lib/auth/rbac";
import { storeAsked } from "../../lib/auth/store-request";
import { ApiError } from "../../lib/errors";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, jsonBody, jsonContent } from "../../lib/http/openapi";
import { scopeOf } from "../../stores/scope";
import { CashSettingsSchema, StoreIdParamSchema, UpdateCashSettingsSchema } from "./cash-settings.schemas";

const tags = ["stores"];
const security = BEARER_SECURITY;

/**
 * Authenticates and acts on the store the path names (its id is a store's
 * own, not a record's that carries its store): `permission` at that store.
 */
function requirePermissionAtPathStore(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermissionAtPathStoreMiddleware(c, next) {
    const claims = await verifyBearer(c);
    const id = Number(c.req.param("id"));
    if (!Number.isSafeInteger(id) || id <= 0) throw new ApiError("NOT_FOUND", "Store not found");
    const named = await storeAsked(c);
    if (named.id !== undefined && named.id !== id) {
      throw new ApiError("VALIDATION_ERROR", `The request names two stores (${named.id} and ${id}); name one`);
    }
    const row = confirmUser(await runAlone(userCheckStatement(c.var.ctx.hq.d1, claims, { id })), claims);
    const { store, ...user } = callerAtStore(row, claims, { id });
    assertPermission(user, permission);
    c.var.ctx.actOn(scopeOf(c.env, store));
    c.set("user", user);
    await next();
  };
}

export const getCashSettings = createRoute({
  method: "get",
  path: "/{id}/cash-settings",
  tags,
  summary: "A store's cash rules: whether cash needs an open shift, the variance and paid-out thresholds",
  description: "Amounts in decimal currency units. Any role with shifts:operate at the store reads them.",
  security,
  middleware: [requirePermissionAtPathStore("shifts:operate")],
  request: { params: StoreIdParamSchema },
  responses: {
    200: jsonContent(CashSettingsSchema, "The store's cash settings"),
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const updateCashSettings = createRoute({
  method: "put",
  path: "/{id}/cash-settings",
  tags,
  summary: "Change a store's cash rules (manager/admin at that store)",
  description:
    "Only the fields given change. They apply to the very next payment, close or paid-out at the store (the database reads them inside each batch).",
  security,
  middleware: [requirePermissionAtPathStore("shifts:manage")],
  request: { params: StoreIdParamSchema, body: jsonBody(UpdateCashSettingsSchema) },
  responses: { 200: jsonContent(CashSettingsSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export type GetCashSettingsRoute = typeof getCashSettings;
export type UpdateCashSettingsRoute = typeof updateCashSettings;
