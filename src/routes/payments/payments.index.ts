import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./payments.handlers";
import * as routes from "./payments.routes";

export const paymentsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.orderStatus, handlers.orderStatus)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.refund, handlers.refund);
