import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./customers.handlers";
import * as routes from "./customers.routes";

export const customersRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.search, handlers.search)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.adjustPoints, handlers.adjustPoints)
  .openapi(routes.ledger, handlers.ledger);
