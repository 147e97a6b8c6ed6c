import { createRoute } from "@hono/zod-openapi";
import { requireAuth, requirePermission } from "../../lib/auth/middleware";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";
import { CreateUserSchema, UpdateUserSchema, UserListQuerySchema, UserListSchema, UserSchema } from "./users.schemas";

const tags = ["users"];
const security = BEARER_SECURITY;

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a user (admin)",
  security,
  middleware: [requirePermission("users:manage")],
  request: { body: jsonBody(CreateUserSchema) },
  responses: { 201: jsonContent(UserSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List users (admin: all; manager: the users of the store the request acts on)",
  security,
  middleware: [requirePermission("users:read")],
  request: { query: PaginationQuerySchema.extend(UserListQuerySchema.shape) },
  responses: { 200: jsonContent(UserListSchema, "A page of users"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a user (yourself; anyone as admin; a manager: the users of the acting store)",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(UserSchema, "The user"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Update a user",
  description:
    "Admins may change email, name, phone, role, activation, home store and store roles of anyone; others only their own email, name and phone. `store_roles` replaces the user's roles at other stores.",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema, body: jsonBody(UpdateUserSchema) },
  responses: { 200: jsonContent(UserSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const deactivate = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Deactivate a user (admin); their tokens stop working at once",
  security,
  middleware: [requirePermission("users:manage")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(UserSchema, "Deactivated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const activate = createRoute({
  method: "post",
  path: "/{id}/activate",
  tags,
  summary: "Reactivate a user (admin)",
  security,
  middleware: [requirePermission("users:manage")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(UserSchema, "Activated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type DeactivateRoute = typeof deactivate;
export type ActivateRoute = typeof activate;
