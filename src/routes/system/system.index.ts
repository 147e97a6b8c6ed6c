import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./system.handlers";
import * as routes from "./system.routes";

export const systemRouter = createRouter().openapi(routes.info, handlers.info).openapi(routes.health, handlers.health);
