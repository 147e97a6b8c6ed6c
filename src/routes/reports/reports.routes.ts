import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { authenticate, requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, jsonContent } from "../../lib/http/openapi";
import * as s from "./reports.schemas";

/**
 * reports:read at the acting store; with `store_id=all` the caller is only
 * authenticated here: the chain-wide report keeps the stores where their role
 * holds reports:read (services/reports-chain.ts), 403 when there are none, so
 * a cashier at home who manages another store reports on that one.
 */
const readReports: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.query("store_id") !== "all") return requirePermission("reports:read")(c, next);
  await authenticate(c);
  await next();
};

const report = <Q extends z.ZodObject, R extends z.ZodType>(
  path: string,
  summary: string,
  query: Q,
  schema: R,
  svg = false,
) =>
  createRoute({
    method: "get",
    path,
    tags: ["reports"],
    summary,
    security: BEARER_SECURITY,
    middleware: [readReports],
    request: { query },
    responses: {
      200: {
        description: "The report (JSON, or CSV with ?format=csv)",
        content: {
          "application/json": { schema },
          "text/csv": { schema: z.string().openapi({ description: "The same rows as CSV" }) },
          ...(svg ? { "image/svg+xml": { schema: z.string().openapi({ description: "A chart of the series" }) } } : {}),
        },
      },
      ...errorResponses(...AUTHED_ERRORS),
    },
  });

export const sales = report(
  "/sales",
  "Sales per hour, day, week, month or year, empty buckets included",
  s.SalesQuery,
  s.SalesReportSchema,
  true,
);
export const productsSales = report(
  "/products-sales",
  "Top sellers by units and revenue, with margin; category breakdown",
  s.LimitedRangeQuery,
  s.ProductSalesReportSchema,
);
export const paymentMethods = report(
  "/payment-methods",
  "Payments per method, refunds netted",
  s.RangeQuery,
  s.PaymentMethodsReportSchema,
);
export const inventory = report(
  "/inventory",
  "Stock on hand: counts and value at cost and retail",
  s.FormatQuery,
  s.InventoryReportSchema,
);
export const dailySummary = report(
  "/daily-summary",
  "One local day: orders, sales, money received, pending",
  s.DailyQuery,
  s.DailySummarySchema,
);
export const customers = report(
  "/customers",
  "Top customers by spend, with order count and points",
  s.CustomersQuery,
  s.CustomersReportSchema,
);
export const cashiers = report(
  "/cashiers",
  "Sales, orders and refunds per cashier",
  s.RangeQuery,
  s.CashiersReportSchema,
);

export const cashVariance = report(
  "/cash-variance",
  "Cash variance of closed shifts per cashier or per store: expected, counted, over and short, the worst",
  s.CashVarianceQuery,
  s.CashVarianceReportSchema,
);

export const dailyReports = createRoute({
  method: "get",
  path: "/daily",
  tags: ["reports"],
  summary: "Stored daily reports, newest first",
  security: BEARER_SECURITY,
  middleware: [requirePermission("reports:read")],
  request: { query: s.DailyReportsQuery },
  responses: {
    200: jsonContent(s.DailyReportsPageSchema, "Reports"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

export const dailyReport = createRoute({
  method: "get",
  path: "/daily/{date}",
  tags: ["reports"],
  summary: "One stored daily report",
  security: BEARER_SECURITY,
  middleware: [requirePermission("reports:read")],
  request: { params: s.DailyReportParams },
  responses: {
    200: jsonContent(s.StoredDailyReportSchema, "The report"),
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});
