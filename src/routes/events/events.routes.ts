import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, jsonContent } from "../../lib/http/openapi";
import { FeedPageSchema, FeedQuerySchema } from "./events.schemas";

export const feed = createRoute({
  method: "get",
  path: "/",
  tags: ["events"],
  summary: "The events feed: what webhooks deliver, for systems that pull (admin)",
  description:
    "Every event of the chain (orders, payments, refunds, stock, shifts, customers, transfers) in the order the head office recorded it, oldest first. Page with `after` = the previous page's `next_cursor`; the last page's cursor asks for what arrives next, so pages never repeat or skip an event. A cursor this feed never gave out: 422.",
  security: BEARER_SECURITY,
  middleware: [requirePermission("webhooks:manage")],
  request: { query: FeedQuerySchema },
  responses: { 200: jsonContent(FeedPageSchema, "A page of the feed"), ...errorResponses(...AUTHED_ERRORS) },
});

export type FeedRoute = typeof feed;
