import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { entityHistory, listAuditEvents } from "../../services/audit-trail";
import type { HistoryEntity, HistoryRoute, ListRoute } from "./audit.routes";

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await listAuditEvents(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const historyHandler =
  (entity: HistoryEntity): RouteHandler<HistoryRoute, AppEnv> =>
  async (c) =>
    c.json(
      await entityHistory(
        c.var.ctx,
        c.var.user,
        { type: entity.type, id: c.req.valid("param").id },
        c.req.valid("query"),
      ),
      200,
    );
