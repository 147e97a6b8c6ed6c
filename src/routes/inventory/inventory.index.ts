import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./inventory.handlers";
import * as routes from "./inventory.routes";

export const inventoryRouter = createRouter()
  .openapi(routes.createLog, handlers.createLog)
  .openapi(routes.listLogs, handlers.listLogs)
  .openapi(routes.getLog, handlers.getLog)
  .openapi(routes.history, handlers.history)
  .openapi(routes.adjust, handlers.adjust)
  .openapi(routes.summary, handlers.summary)
  .openapi(routes.reconcile, handlers.reconcile)
  .openapi(routes.resync, handlers.resync);
