import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";
import { IdempotencyHeaderSchema } from "../../lib/idempotency";
import {
  LogCreateSchema,
  LogFiltersSchema,
  LogListSchema,
  LogSchema,
  MovementResultSchema,
  MovementSchema,
  ProductIdQuerySchema,
  ReconcileQuerySchema,
  ReconcileSchema,
  ResyncSchema,
  SummaryQuerySchema,
  SummarySchema,
} from "./inventory.schemas";

const tags = ["inventory"];
const security = BEARER_SECURITY;
const read = [requirePermission("inventory:read")];
const write = [requirePermission("inventory:write")];

export const createLog = createRoute({
  method: "post",
  path: "/logs",
  tags,
  summary: "Record a stock movement (product_id in the body or the query)",
  security,
  middleware: write,
  request: { query: ProductIdQuerySchema, headers: IdempotencyHeaderSchema, body: jsonBody(LogCreateSchema) },
  responses: { 201: jsonContent(MovementResultSchema, "Recorded"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const listLogs = createRoute({
  method: "get",
  path: "/logs",
  tags,
  summary: "Inventory log, newest first, with filters",
  security,
  middleware: read,
  request: { query: PaginationQuerySchema.extend(LogFiltersSchema.shape) },
  responses: { 200: jsonContent(LogListSchema, "A page of log rows"), ...errorResponses(...AUTHED_ERRORS) },
});

export const getLog = createRoute({
  method: "get",
  path: "/logs/{id}",
  tags,
  summary: "One log row (its id names its store: no store hint needed)",
  security,
  middleware: [requirePermission("inventory:read", { param: "id", resource: "Inventory log" })],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(LogSchema, "The row"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const history = createRoute({
  method: "get",
  path: "/product/{id}/history",
  tags,
  summary: "A product's stock history, newest first",
  security,
  middleware: read,
  request: { params: IdParamSchema, query: PaginationQuerySchema },
  responses: { 200: jsonContent(LogListSchema, "A page of log rows"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const adjust = createRoute({
  method: "post",
  path: "/product/{id}/adjust",
  tags,
  summary: "Adjust a product's stock by quantity_change, or set it by a count (new_quantity)",
  security,
  middleware: write,
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema, body: jsonBody(MovementSchema) },
  responses: { 201: jsonContent(MovementResultSchema, "Recorded"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const summary = createRoute({
  method: "get",
  path: "/summary",
  tags,
  summary: "Units in and out by action, and the value of stock on hand",
  security,
  middleware: read,
  request: { query: SummaryQuerySchema },
  responses: { 200: jsonContent(SummarySchema, "Summary"), ...errorResponses(...AUTHED_ERRORS) },
});

export const reconcile = createRoute({
  method: "get",
  path: "/reconcile",
  tags,
  summary: "Compare each product's Durable Object, stock level and log sum at the acting store (admin)",
  security,
  middleware: [requirePermission("admin:operate")],
  request: { query: PaginationQuerySchema.extend(ReconcileQuerySchema.shape) },
  responses: { 200: jsonContent(ReconcileSchema, "Drift report"), ...errorResponses(...AUTHED_ERRORS) },
});

export const resync = createRoute({
  method: "post",
  path: "/product/{id}/resync",
  tags,
  summary: "Reload a product's Durable Object count at the acting store from its book when it holds nothing (admin)",
  security,
  middleware: [requirePermission("admin:operate")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ResyncSchema, "Result"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type CreateLogRoute = typeof createLog;
export type ListLogsRoute = typeof listLogs;
export type GetLogRoute = typeof getLog;
export type HistoryRoute = typeof history;
export type AdjustRoute = typeof adjust;
export type SummaryRoute = typeof summary;
export type ReconcileRoute = typeof reconcile;
export type ResyncRoute = typeof resync;
