import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { IfMatchHeaderSchema } from "../../lib/http/fields";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  MessageSchema,
} from "../../lib/http/openapi";
import {
  CreateEndpointSchema,
  EndpointListSchema,
  EndpointSchema,
  EndpointWithSecretSchema,
  TestResultSchema,
  UpdateEndpointSchema,
} from "./webhook-endpoints.schemas";

const tags = ["webhooks"];
const security = BEARER_SECURITY;
const middleware = [requirePermission("webhooks:manage")];

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Add a webhook endpoint (admin); the answer shows its signing secret, once",
  description:
    'Events of the listed types are POSTed to the URL, signed per Standard Webhooks (README "Webhooks"). A URL that is not HTTPS, carries credentials or targets an internal address: 422.',
  security,
  middleware,
  request: { body: jsonBody(CreateEndpointSchema) },
  responses: { 201: jsonContent(EndpointWithSecretSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 422) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List webhook endpoints (admin), newest first; secrets are never shown",
  security,
  middleware,
  responses: { 200: jsonContent(EndpointListSchema, "The endpoints"), ...errorResponses(...AUTHED_ERRORS) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a webhook endpoint (admin)",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(EndpointSchema, "The endpoint"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Change a webhook endpoint (admin; send `version` or If-Match to guard against lost updates)",
  description:
    "is_active true on a disabled endpoint re-activates it (its failure marks are cleared); deliveries it missed can be redelivered.",
  security,
  middleware,
  request: { params: IdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateEndpointSchema) },
  responses: { 200: jsonContent(EndpointSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 422) },
});

export const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Delete a webhook endpoint (admin)",
  description:
    "The endpoint and its secrets are removed; its deliveries stay listed under its id (GET /webhook-deliveries?endpoint_id=), those still pending marked dead. To pause one instead, PUT is_active false.",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(MessageSchema, "Deleted"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const rotateSecret = createRoute({
  method: "post",
  path: "/{id}/rotate-secret",
  tags,
  summary: "Give a webhook endpoint a new secret (admin); the old one keeps signing for the grace period",
  description:
    "The new secret is in this answer only. Until previous_secret_expires_at (WEBHOOK_SECRET_GRACE_HOURS) every request carries two signatures, one per secret.",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(EndpointWithSecretSchema, "Rotated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const test = createRoute({
  method: "post",
  path: "/{id}/test",
  tags,
  summary: "Send a signed webhook.test event to the endpoint now (admin)",
  description:
    "Synchronous: answers the receiver's status, the first KB of its answer and the time taken (ok false when it did not answer 2xx). Records no feed event and no delivery.",
  security,
  middleware,
  request: { params: IdParamSchema },
  responses: {
    200: jsonContent(TestResultSchema, "What the receiver answered"),
    ...errorResponses(...AUTHED_ERRORS, 404, 422),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
export type RotateSecretRoute = typeof rotateSecret;
export type TestRoute = typeof test;
