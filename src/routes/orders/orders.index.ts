import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./orders.handlers";
import * as routes from "./orders.routes";

export const ordersRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.byNumber, handlers.byNumber)
  .openapi(routes.byCustomer, handlers.byCustomer)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.cancel, handlers.cancel)
  .openapi(routes.invoice, handlers.invoice)
  .openapi(routes.receipt, handlers.receipt);
