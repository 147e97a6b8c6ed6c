import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./transfers.handlers";
import * as routes from "./transfers.routes";

export const transfersRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.send, handlers.send)
  .openapi(routes.receive, handlers.receive)
  .openapi(routes.cancel, handlers.cancel);
