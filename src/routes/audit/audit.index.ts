import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./audit.handlers";
import * as routes from "./audit.routes";

/** GET /audit-events. */
export const auditEventsRouter = createRouter().openapi(routes.list, handlers.list);

/**
 * GET /<area>/{id}/history, one router per area, mounted at the area's prefix
 * beside its own router (app.ts), so the areas' route files stay theirs.
 */
export const historyRouters = routes.HISTORIES.map(
  (entity) =>
    [entity.prefix, createRouter().openapi(routes.historyOf(entity), handlers.historyHandler(entity))] as const,
);
