import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./webhook-deliveries.handlers";
import * as routes from "./webhook-deliveries.routes";

export const webhookDeliveriesRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.redeliver, handlers.redeliver);
