import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../lib/auth/middleware";
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
  CreateTransferSchema,
  ReceiveTransferSchema,
  TransferFiltersSchema,
  TransferListSchema,
  TransferSchema,
} from "./transfers.schemas";

const tags = ["transfers"];
const security = BEARER_SECURITY;
// Roles are checked per end of the transfer by the service (the acting store is not the one that matters).
const middleware = [requireAuth()];

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a draft transfer (transfers:write at the source)",
  description:
    "Two different active stores, 1–100 lines of active products (each once, positive integer quantities). A draft moves no stock. No Idempotency-Key: a retried create makes a second draft, which can be cancelled.",
  security,
  middleware,
  request: { body: jsonBody(CreateTransferSchema) },
  responses: { 201: jsonContent(TransferSchema, "Created"), ...errorResponses(...AUTHED_ERRORS) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List transfers, newest first (admins: all; others: those with an end where they hold transfers:read)",
  security,
  middleware,
  request: { query: PaginationQuerySchema.extend(TransferFiltersSchema.shape) },
  responses: { 200: jsonContent(TransferListSchema, "A page of transfers"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "A transfer with its lines (in transit per line) and legs (404 unless you may see it)",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(TransferSchema, "The transfer"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const send = createRoute({
  method: "post",
  path: "/{id}/send",
  tags,
  summary: "Send a draft: its stock leaves the source and is in transit (source's transfers:write)",
  description:
    "Idempotent: a retried send answers 200 with the transfer as it is. 409 INSUFFICIENT_STOCK names the product (nothing moved, still a draft); 409 TRANSFER_BUSY while another step settles.",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(TransferSchema, "Sent"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const receive = createRoute({
  method: "post",
  path: "/{id}/receive",
  tags,
  summary: "Receive some or all of what is in transit (destination's transfers:write)",
  description:
    "Send an Idempotency-Key: a retry with the same key answers 200 with the transfer as it is and receives nothing twice; without one, every call is a new receipt. More than is in transit: 409 naming the product.",
  security,
  middleware,
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema, body: jsonBody(ReceiveTransferSchema) },
  responses: { 200: jsonContent(TransferSchema, "Received"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const cancel = createRoute({
  method: "post",
  path: "/{id}/cancel",
  tags,
  summary:
    "Cancel a draft, or a sent transfer: what is still in transit goes back to the source (source's transfers:write)",
  description:
    "Idempotent: a cancelled transfer answers 200 as it is. A fully received transfer cannot be cancelled (409).",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(TransferSchema, "Cancelled"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type SendRoute = typeof send;
export type ReceiveRoute = typeof receive;
export type CancelRoute = typeof cancel;
