import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
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
  CloseShiftSchema,
  OpenShiftSchema,
  ShiftListQuerySchema,
  ShiftListSchema,
  ShiftSchema,
} from "./shifts.schemas";

const tags = ["shifts"];
const security = BEARER_SECURITY;
// A shift's id names its store (ids come from the store's range).
const SHIFT: StoreFromPath = { param: "id", resource: "Shift" };
const operate = (from?: StoreFromPath) => [requirePermission("shifts:operate", from)];
const BLIND =
  "A cashier sees expected_cash, variance, expected_opening and opening_variance of their shift only once it is closed (null before); managers and admins always.";

export const open = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Open a shift on a cash drawer with the counted float (cashier: their own)",
  description:
    "The drawer is the acting store's (X-Store-Id / store_id, default the home store) and must be active. One shift that is not closed per drawer, one open shift per cashier: otherwise 409 SHIFT_ALREADY_OPEN with the `shift_id` in the way, also when many opens race. The expected opening is what the drawer's previous shift kept in it. Late cash events that waited for the drawer's next shift count on this one. Send an Idempotency-Key: a retry replays the first answer.",
  security,
  middleware: operate(),
  request: { headers: IdempotencyHeaderSchema, body: jsonBody(OpenShiftSchema) },
  responses: { 201: jsonContent(ShiftSchema, "Opened"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the acting store's shifts, newest first (cashiers: their own)",
  description: BLIND,
  security,
  middleware: operate(),
  request: { query: PaginationQuerySchema.extend(ShiftListQuerySchema.shape) },
  responses: { 200: jsonContent(ShiftListSchema, "A page of shifts"), ...errorResponses(...AUTHED_ERRORS) },
});

export const current = createRoute({
  method: "get",
  path: "/current",
  tags,
  summary: "The caller's open shift at the acting store (404 when none)",
  description: BLIND,
  security,
  middleware: operate(),
  responses: { 200: jsonContent(ShiftSchema, "The open shift"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a shift (cashiers: their own; 404 for others')",
  description: BLIND,
  security,
  middleware: operate(SHIFT),
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ShiftSchema, "The shift"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const end = createRoute({
  method: "post",
  path: "/{id}/end",
  tags,
  summary: "End a shift: no more sales on it; it waits for its count (cashiers: their own)",
  description:
    "Ending an ended shift answers it as it is; a closed one is 409 INVALID_STATE. Sales that name an ended shift count on the drawer's next open shift as late events. Idempotency-Key replays the first answer.",
  security,
  middleware: operate(SHIFT),
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema },
  responses: { 200: jsonContent(ShiftSchema, "Ended"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const close = createRoute({
  method: "post",
  path: "/{id}/close",
  tags,
  summary: "Close an open or ended shift with the counted cash (cashiers: their own)",
  description:
    "counted_cash, or denominations [{value, count}] (both given must agree, else 422). Freezes expected cash (opening float + approved cash movements as the close runs), the variance and the store's next Z number (gapless; a refused close takes none). A variance above the store's threshold without variance_reason: 422 VARIANCE_REASON_REQUIRED (a cashier is not told the expected amount). A paid-out waiting for approval: 409 PENDING_APPROVALS. Closing a closed shift with the same count answers it unchanged (200); another count is 409 INVALID_STATE. Idempotency-Key replays the first answer.",
  security,
  middleware: operate(SHIFT),
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema, body: jsonBody(CloseShiftSchema) },
  responses: { 200: jsonContent(ShiftSchema, "Closed"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export type OpenRoute = typeof open;
export type ListRoute = typeof list;
export type CurrentRoute = typeof current;
export type GetRoute = typeof get;
export type EndRoute = typeof end;
export type CloseRoute = typeof close;
