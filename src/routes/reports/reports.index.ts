import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./reports.handlers";
import * as routes from "./reports.routes";

export const reportsRouter = createRouter()
  .openapi(routes.sales, handlers.sales)
  .openapi(routes.productsSales, handlers.productsSales)
  .openapi(routes.paymentMethods, handlers.paymentMethods)
  .openapi(routes.inventory, handlers.inventory)
  .openapi(routes.dailySummary, handlers.dailySummary)
  .openapi(routes.customers, handlers.customers)
  .openapi(routes.cashiers, handlers.cashiers)
  .openapi(routes.cashVariance, handlers.cashVariance)
  .openapi(routes.dailyReports, handlers.dailyReports)
  .openapi(routes.dailyReport, handlers.dailyReport);
