import { createRoute } from "@hono/zod-openapi";
import { requireAuth, requirePermission } from "../../lib/auth/middleware";
import { IfMatchHeaderSchema } from "../../lib/http/fields";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";
import { CreateStoreSchema, StoreListSchema, StoreSchema, UpdateStoreSchema } from "./stores.schemas";

const tags = ["stores"];
const security = BEARER_SECURITY;

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a store (admin)",
  description:
    "The store's database must already be a D1 binding of this Worker (`binding`, default `STORE_<CODE>`): the API cannot create databases, `npm run store:add` does (422 otherwise).",
  security,
  middleware: [requirePermission("stores:manage")],
  request: { body: jsonBody(CreateStoreSchema) },
  responses: { 201: jsonContent(StoreSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List stores (admins: all; others: the stores they work at)",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema },
  responses: { 200: jsonContent(StoreListSchema, "A page of stores"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a store (404 for a store you do not work at, unless admin)",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(StoreSchema, "The store"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Update a store (admin; send `version` or If-Match; code and binding cannot change)",
  security,
  middleware: [requirePermission("stores:manage")],
  request: { params: IdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateStoreSchema) },
  responses: { 200: jsonContent(StoreSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
