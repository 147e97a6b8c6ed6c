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
import { CashEventListSchema, CashEventSchema, EventParamsSchema, ManualCashEventSchema } from "./cash-events.schemas";

const tags = ["shifts"];
const security = BEARER_SECURITY;
const SHIFT: StoreFromPath = { param: "id", resource: "Shift" };

export const add = createRoute({
  method: "post",
  path: "/{id}/cash-events",
  tags,
  summary: "Record a paid-in, paid-out, drop or no-sale on an open shift (cashiers: their own)",
  description:
    "An open shift takes the event. A shift that has ended or closed never changes: an event sent for it (an offline till catching up, a retry after the close) is late: it counts on the drawer's open shift as an adjustment (`shift_id` that shift, `late_of_shift_id` this one), or waits (`shift_id` null) for the drawer's next shift to open; both shifts' reports flag it. paid_in and paid_out need a reason; amounts are greater than zero except a no_sale's. A paid-out above the store's paid_out_approval_threshold by a cashier is `pending`: it does not count in expected cash until a manager approves it, and the shift it counts on cannot close while it waits. Idempotency-Key replays the first answer.",
  security,
  middleware: [requirePermission("shifts:operate", SHIFT)],
  request: { params: IdParamSchema, headers: IdempotencyHeaderSchema, body: jsonBody(ManualCashEventSchema) },
  responses: { 201: jsonContent(CashEventSchema, "Recorded"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/{id}/cash-events",
  tags,
  summary: "The cash events of a shift, oldest first (cashiers: their own shifts)",
  description:
    "Events counted on the shift, and those that happened in it but arrived after it ended (late_of_shift_id). Until the shift is closed a cashier (blind count) sees only the paid-ins, paid-outs, drops and no-sales they recorded: the tenders would add up to expected cash.",
  security,
  middleware: [requirePermission("shifts:operate", SHIFT)],
  request: { params: IdParamSchema, query: PaginationQuerySchema },
  responses: { 200: jsonContent(CashEventListSchema, "A page of events"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

const decide = (decision: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/{id}/cash-events/{event_id}/${decision}`,
    tags,
    summary: `${decision === "approve" ? "Approve" : "Reject"} a pending paid-out (manager/admin)`,
    description: `${
      decision === "approve" ? "An approved paid-out counts in expected cash." : "A rejected paid-out never counts."
    } Deciding the same again answers the event as it is; the other decision, once made, is 409 INVALID_STATE.`,
    security,
    middleware: [requirePermission("shifts:manage", SHIFT)],
    request: { params: EventParamsSchema, headers: IdempotencyHeaderSchema },
    responses: { 200: jsonContent(CashEventSchema, "Decided"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
  });

export const approve = decide("approve");
export const reject = decide("reject");

export type AddRoute = typeof add;
export type ListRoute = typeof list;
export type DecideRoute = typeof approve;
