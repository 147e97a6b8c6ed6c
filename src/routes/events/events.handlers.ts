import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { readFeedPage } from "../../services/events-feed";
import type { FeedRoute } from "./events.routes";

export const feed: RouteHandler<FeedRoute, AppEnv> = async (c) => {
  const { after, limit, type } = c.req.valid("query");
  return c.json(await readFeedPage(c.var.ctx, { after, limit, types: type }), 200);
};
