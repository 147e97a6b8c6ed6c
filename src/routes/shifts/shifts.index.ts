import { createRouter } from "../../lib/http/create-router";
import * as cashHandlers from "./cash-events.handlers";
import * as cashRoutes from "./cash-events.routes";
import * as handlers from "./shifts.handlers";
import * as routes from "./shifts.routes";

// /current before /{id}: a literal segment is matched first.
export const shiftsRouter = createRouter()
  .openapi(routes.open, handlers.open)
  .openapi(routes.list, handlers.list)
  .openapi(routes.current, handlers.current)
  .openapi(routes.get, handlers.get)
  .openapi(routes.end, handlers.end)
  .openapi(routes.close, handlers.close)
  .openapi(cashRoutes.add, cashHandlers.add)
  .openapi(cashRoutes.list, cashHandlers.list)
  .openapi(cashRoutes.approve, cashHandlers.approve)
  .openapi(cashRoutes.reject, cashHandlers.reject);
