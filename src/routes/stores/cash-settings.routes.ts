import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import type { StoreFromPath } from "../../lib/auth/store-request";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, jsonBody, jsonContent } from "../../lib/http/openapi";
import { CashSettingsSchema, StoreIdParamSchema, UpdateCashSettingsSchema } from "./cash-settings.schemas";

const tags = ["stores"];
const security = BEARER_SECURITY;

/** The store the path names is the one the request acts on (a stranger to it gets 404). */
const PATH_STORE: StoreFromPath = { param: "id", resource: "Store", kind: "store" };

export const getCashSettings = createRoute({
  method: "get",
  path: "/{id}/cash-settings",
  tags,
  summary: "A store's cash rules: whether cash needs an open shift, the variance and paid-out thresholds",
  description: "Amounts in decimal currency units. Any role with shifts:operate at the store reads them.",
  security,
  middleware: [requirePermission("shifts:operate", PATH_STORE)],
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
  middleware: [requirePermission("shifts:manage", PATH_STORE)],
  request: { params: StoreIdParamSchema, body: jsonBody(UpdateCashSettingsSchema) },
  responses: { 200: jsonContent(CashSettingsSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export type GetCashSettingsRoute = typeof getCashSettings;
export type UpdateCashSettingsRoute = typeof updateCashSettings;
