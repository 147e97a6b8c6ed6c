import { createRoute, z } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses } from "../../lib/http/openapi";
import * as s from "./reports.schemas";

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
    middleware: [requirePermission("reports:read")],
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
