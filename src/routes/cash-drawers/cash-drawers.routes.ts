import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import type { StoreFromPath } from "../../lib/auth/store-request";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";
import {
  CreateDrawerSchema,
  DrawerListQuerySchema,
  DrawerListSchema,
  DrawerSchema,
  UpdateDrawerSchema,
} from "./cash-drawers.schemas";

const tags = ["cash drawers"];
const security = BEARER_SECURITY;
// A drawer's id names its store (ids come from the store's range).
const DRAWER: StoreFromPath = { param: "id", resource: "Cash drawer" };

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Add a cash drawer to the acting store (manager/admin)",
  description: "Names are unique at the store whatever their case: 409 DUPLICATE.",
  security,
  middleware: [requirePermission("shifts:manage")],
  request: { body: jsonBody(CreateDrawerSchema) },
  responses: { 201: jsonContent(DrawerSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the acting store's cash drawers, with the shift on each that is not closed",
  description:
    "Sorted by name; `active=false` lists the retired ones. `current_shift` is the drawer's open or ended shift (null when none): the one to end or count before another opens on it.",
  security,
  middleware: [requirePermission("shifts:operate")],
  request: { query: PaginationQuerySchema.extend(DrawerListQuerySchema.shape) },
  responses: { 200: jsonContent(DrawerListSchema, "A page of drawers"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a cash drawer",
  description: "The id names its store; staff with no role there get 404, as for a drawer that does not exist.",
  security,
  middleware: [requirePermission("shifts:operate", DRAWER)],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(DrawerSchema, "The drawer"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Rename or (de)activate a cash drawer (manager/admin)",
  description:
    "Deactivating a drawer with a shift that is not closed: 409 INVALID_STATE (with its shift_id). No shift opens on an inactive drawer. Another drawer's name: 409 DUPLICATE.",
  security,
  middleware: [requirePermission("shifts:manage", DRAWER)],
  request: { params: IdParamSchema, body: jsonBody(UpdateDrawerSchema) },
  responses: { 200: jsonContent(DrawerSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
