import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./cash-drawers.handlers";
import * as routes from "./cash-drawers.routes";

export const cashDrawersRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update);
