import { createRoute } from "@hono/zod-openapi";
import { requireAuth, requirePermission } from "../../lib/auth/middleware";
import { emptyJsonBodyAsNone } from "../../lib/http/empty-json-body";
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
  CreateCustomerSchema,
  CustomerListQuerySchema,
  CustomerListSchema,
  CustomerSchema,
  CustomerSearchQuerySchema,
  LedgerListSchema,
  LoyaltyAdjustQuerySchema,
  LoyaltyAdjustSchema,
  LoyaltyResultSchema,
  UpdateCustomerSchema,
} from "./customers.schemas";

const tags = ["customers"];
const EMAIL_RULE =
  "`email` is optional and unique among customers, ignoring case (deactivated ones included): " +
  'an address another customer has is a 409 `DUPLICATE` with `field: "email"`.';
const security = BEARER_SECURITY;

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a customer",
  description: EMAIL_RULE,
  security,
  middleware: [requirePermission("customers:write")],
  request: { body: jsonBody(CreateCustomerSchema) },
  responses: { 201: jsonContent(CustomerSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List customers",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema.extend(CustomerListQuerySchema.shape) },
  responses: { 200: jsonContent(CustomerListSchema, "A page of customers"), ...errorResponses(...AUTHED_ERRORS) },
});

export const search = createRoute({
  method: "get",
  path: "/search",
  tags,
  summary: "Search customers by name, email or phone",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema.extend(CustomerSearchQuerySchema.shape) },
  responses: { 200: jsonContent(CustomerListSchema, "Matches"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a customer",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(CustomerSchema, "The customer"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Update a customer (send `version` or If-Match to guard against lost updates)",
  description: EMAIL_RULE,
  security,
  middleware: [requirePermission("customers:write")],
  request: { params: IdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateCustomerSchema) },
  responses: { 200: jsonContent(CustomerSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Deactivate a customer",
  security,
  middleware: [requirePermission("customers:write")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(CustomerSchema, "Deactivated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const adjustPoints = createRoute({
  method: "post",
  path: "/{id}/loyalty-points",
  tags,
  summary: "Add or remove loyalty points by hand (managers and admins; JSON body, or the deprecated ?points= query)",
  description:
    "A manual adjustment: at most LOYALTY_MAX_MANUAL_ADJUSTMENT points either way per call (default 10 000; 422 " +
    "above it). The JSON body needs a `reason`, which the ledger row keeps (422 without one). The replaced API's " +
    "deprecated query form `?points=120` works without one (`&reason=` is optional there): its ledger row records " +
    "that the deprecated form was used. An empty JSON body or `{}` counts as no body. Cashiers and inventory " +
    "officers get 403; points earned by sales and returned by refunds move by themselves.",
  security,
  // A JSON Content-Type with an empty body or `{}` counts as no body: the query form applies.
  middleware: [requirePermission("loyalty:adjust"), emptyJsonBodyAsNone()],
  request: {
    params: IdParamSchema,
    query: LoyaltyAdjustQuerySchema,
    // Not required: older clients send everything in the query string.
    body: { content: { "application/json": { schema: LoyaltyAdjustSchema } } },
  },
  responses: {
    200: jsonContent(LoyaltyResultSchema, "New balance"),
    ...errorResponses(...AUTHED_ERRORS, 404, 409, 422),
  },
});

export const ledger = createRoute({
  method: "get",
  path: "/{id}/loyalty-points",
  tags,
  summary: "The customer's loyalty ledger, newest first",
  security,
  middleware: [requireAuth()],
  request: { params: IdParamSchema, query: PaginationQuerySchema },
  responses: { 200: jsonContent(LedgerListSchema, "Ledger rows"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type SearchRoute = typeof search;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
export type AdjustPointsRoute = typeof adjustPoints;
export type LedgerRoute = typeof ledger;
