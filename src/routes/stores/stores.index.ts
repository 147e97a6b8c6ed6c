import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./stores.handlers";
import * as routes from "./stores.routes";

export const storesRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update);
