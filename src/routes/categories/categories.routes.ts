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
import {
  CategoryDeletedSchema,
  CategoryListQuerySchema,
  CategoryListSchema,
  CategorySchema,
  CreateCategorySchema,
  DeleteCategoryQuerySchema,
  UpdateCategorySchema,
} from "./categories.schemas";

const tags = ["categories"];
const security = BEARER_SECURITY;

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a category",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { body: jsonBody(CreateCategorySchema) },
  responses: { 201: jsonContent(CategorySchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List categories",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema.extend(CategoryListQuerySchema.shape) },
  responses: { 200: jsonContent(CategoryListSchema, "A page of categories"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a category",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(CategorySchema, "The category"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Update a category (send `version` or If-Match to guard against lost updates)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateCategorySchema) },
  responses: { 200: jsonContent(CategorySchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Delete a category (409 while it has products, unless detach_products=true)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema, query: DeleteCategoryQuerySchema },
  responses: { 200: jsonContent(CategoryDeletedSchema, "Deleted"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
