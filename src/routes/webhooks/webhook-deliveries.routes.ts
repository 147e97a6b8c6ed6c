import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, IdParamSchema, jsonContent } from "../../lib/http/openapi";
import { DeliveryListSchema, DeliveryQuerySchema, DeliverySchema } from "./webhook-deliveries.schemas";

const tags = ["webhooks"];
const security = BEARER_SECURITY;
const middleware = [requirePermission("webhooks:manage")];

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List webhook deliveries (admin), newest first, by endpoint, event or status",
  description: "Cursor-paged: pass the answer's next_cursor as cursor for the next page.",
  security,
  middleware,
  request: { query: DeliveryQuerySchema },
  responses: { 200: jsonContent(DeliveryListSchema, "A page of deliveries"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a webhook delivery (admin)",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(DeliverySchema, "The delivery"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const redeliver = createRoute({
  method: "post",
  path: "/{id}/redeliver",
  tags,
  summary: "Send a delivery again now (admin), with the same webhook-id and a fresh retry schedule",
  description:
    "409 INVALID_STATE while an attempt is in flight, or when its endpoint is deleted or inactive (re-activate it first).",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 202: jsonContent(DeliverySchema, "Queued"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type RedeliverRoute = typeof redeliver;
