import { createRoute } from "@hono/zod-openapi";
import { requirePermission, requirePermissionInBatch } from "../../lib/auth/middleware";
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
import { IdempotencyHeaderSchema } from "../../lib/idempotency";
import {
  CreatePaymentSchema,
  OrderIdParamSchema,
  PaymentListQuerySchema,
  PaymentListSchema,
  PaymentResultSchema,
  PaymentSchema,
  PaymentStatusSchema,
  RefundResultSchema,
  RefundSchema,
  UpdatePaymentSchema,
} from "./payments.schemas";

const tags = ["payments"];
const security = BEARER_SECURITY;
// Routes about one payment or order act on the store its id names.
const PAYMENT: StoreFromPath = { param: "id", resource: "Payment" };
const ORDER: StoreFromPath = { param: "order_id", resource: "Order" };

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary:
    "Take a payment (split tender; cash returns change; completes the order when covered; cashiers: their own orders)",
  security,
  // The caller's check is read with the order, at the order's store (services/payments.ts takePayment).
  middleware: [requirePermissionInBatch("payments:create")],
  request: { headers: IdempotencyHeaderSchema, body: jsonBody(CreatePaymentSchema) },
  responses: { 201: jsonContent(PaymentResultSchema, "Taken"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the store's payments (cashiers: payments on their own orders)",
  security,
  middleware: [requirePermission("payments:read")],
  request: { query: PaginationQuerySchema.extend(PaymentListQuerySchema.shape) },
  responses: { 200: jsonContent(PaymentListSchema, "A page of payments"), ...errorResponses(...AUTHED_ERRORS) },
});

export const orderStatus = createRoute({
  method: "get",
  path: "/order/{order_id}/status",
  tags,
  summary: "How much of an order is paid (cashiers: their own orders)",
  security,
  middleware: [requirePermission("payments:read", ORDER)],
  request: { params: OrderIdParamSchema },
  responses: { 200: jsonContent(PaymentStatusSchema, "Payment status"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a payment (cashiers: on their own orders)",
  security,
  middleware: [requirePermission("payments:read", PAYMENT)],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(PaymentSchema, "The payment"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Change reference or notes; move a pending payment to completed or failed (cashiers: their own orders)",
  security,
  middleware: [requirePermission("payments:create", PAYMENT)],
  request: { params: IdParamSchema, body: jsonBody(UpdatePaymentSchema) },
  responses: { 200: jsonContent(PaymentSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const refund = createRoute({
  method: "post",
  path: "/{id}/refund",
  tags,
  summary: "Refund (part of) a payment, optionally itemised and restocked (manager/admin)",
  security,
  middleware: [requirePermission("refunds:create", PAYMENT)],
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema, body: jsonBody(RefundSchema) },
  responses: { 201: jsonContent(RefundResultSchema, "Refunded"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type OrderStatusRoute = typeof orderStatus;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RefundRoute = typeof refund;
