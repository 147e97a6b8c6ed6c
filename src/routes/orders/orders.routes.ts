import { createRoute, z } from "@hono/zod-openapi";
import { requirePermission, requirePermissionInBatch } from "../../lib/auth/middleware";
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
  CancelOrderSchema,
  CreateOrderSchema,
  CustomerParamSchema,
  InvoiceLinkSchema,
  OrderListQuerySchema,
  OrderListSchema,
  OrderNumberParamSchema,
  OrderSchema,
  UpdateOrderSchema,
} from "./orders.schemas";

const tags = ["orders"];
const security = BEARER_SECURITY;
// Lists act on the store the request names (else the caller's home store);
// a route about one order acts on the store its id or number names, so it
// needs no store hint, and a caller with no role there gets a 404.
const read = [requirePermission("orders:read")];
const ORDER_BY_ID = { param: "id", resource: "Order" } as const;
const ORDER_BY_NUMBER = { param: "order_number", resource: "Order", kind: "order_number" } as const;
const readOne = [requirePermission("orders:read", ORDER_BY_ID)];

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Ring up a sale (stock is reserved through each product's Durable Object)",
  description:
    "Totals are computed on the server. Send Idempotency-Key so a retried request never sells twice. Without prices:override, line and order discounts together above CASHIER_MAX_DISCOUNT_PERCENT of the value before discounts are a 403. An order that totals 0 is created completed.",
  security,
  // The D1 half of the auth check rides in the service's first batch (see requirePermissionInBatch).
  middleware: [requirePermissionInBatch("orders:create")],
  request: { headers: IdempotencyHeaderSchema, body: jsonBody(CreateOrderSchema) },
  responses: {
    201: jsonContent(OrderSchema, "Created (or replayed, with Idempotent-Replayed: true)"),
    ...errorResponses(...AUTHED_ERRORS, 409, 503),
  },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the store's orders, newest first (cashiers see their own)",
  security,
  middleware: read,
  request: { query: PaginationQuerySchema.extend(OrderListQuerySchema.shape) },
  responses: { 200: jsonContent(OrderListSchema, "A page of orders"), ...errorResponses(...AUTHED_ERRORS) },
});

export const byNumber = createRoute({
  method: "get",
  path: "/number/{order_number}",
  tags,
  summary: "Read an order by its number (cashiers: their own)",
  description:
    "A number names its store (ORD-<CODE>-…). A number from before stores (ORD-YYYYMMDD-…), or one its store does not have, is found through the head office's order index at any store where the caller may read orders.",
  security,
  middleware: [requirePermission("orders:read", ORDER_BY_NUMBER)],
  request: { params: OrderNumberParamSchema },
  responses: { 200: jsonContent(OrderSchema, "The order"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const byCustomer = createRoute({
  method: "get",
  path: "/customer/{customer_id}",
  tags,
  summary: "A customer's orders across the chain, newest first (cashiers: their own)",
  description:
    "Every store where the caller may read orders: admins all, managers where they manage orders; at a store where the caller's role is cashier, the orders they rang up there. The acting store's orders are read live; other stores' come through the head office's order index, which lags a sale by seconds.",
  security,
  middleware: read,
  request: { params: CustomerParamSchema, query: PaginationQuerySchema },
  responses: { 200: jsonContent(OrderListSchema, "A page of orders"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read an order with items, customer, cashier and payment totals (cashiers: their own)",
  security,
  middleware: readOne,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(OrderSchema, "The order"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary:
    "Edit a pending order's customer, notes, tax or discount (cashiers: their own); status=cancelled cancels (manager/admin)",
  description:
    "Without prices:override, raising the discount past CASHIER_MAX_DISCOUNT_PERCENT of the value before discounts is a 403. An edit that brings the total down to what has been paid (0 when nothing was) completes the order.",
  security,
  middleware: [requirePermission("orders:create", ORDER_BY_ID)],
  request: { params: IdParamSchema, body: jsonBody(UpdateOrderSchema) },
  responses: { 200: jsonContent(OrderSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const cancel = createRoute({
  method: "post",
  path: "/{id}/cancel",
  tags,
  summary:
    "Cancel a pending order (or a completed one that totals 0 and holds no money); its stock goes back with `return` log rows",
  security,
  middleware: [requirePermission("orders:manage", ORDER_BY_ID)],
  // The body is optional: a cancel without a reason sends none.
  request: { params: IdParamSchema, body: { ...jsonBody(CancelOrderSchema), required: false } },
  responses: { 200: jsonContent(OrderSchema, "Cancelled"), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) },
});

export const invoice = createRoute({
  method: "get",
  path: "/{id}/invoice",
  tags,
  summary: "Invoice PDF for the order's current state, as a signed link",
  security,
  middleware: readOne,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(InvoiceLinkSchema, "Link to the PDF"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const receipt = createRoute({
  method: "get",
  path: "/{id}/receipt",
  tags,
  summary: "Till receipt as plain text, 42 columns (80 mm printers)",
  security,
  middleware: readOne,
  request: { params: IdParamSchema },
  responses: {
    200: { description: "The receipt", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type ByNumberRoute = typeof byNumber;
export type ByCustomerRoute = typeof byCustomer;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type CancelRoute = typeof cancel;
export type InvoiceRoute = typeof invoice;
export type ReceiptRoute = typeof receipt;
