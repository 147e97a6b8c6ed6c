import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import * as service from "../../services/webhook-deliveries";
import type { GetRoute, ListRoute, RedeliverRoute } from "./webhook-deliveries.routes";

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listDeliveryViews(c.var.ctx, c.req.valid("query")), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getDelivery(c.var.ctx, c.req.valid("param").id), 200);

export const redeliver: RouteHandler<RedeliverRoute, AppEnv> = async (c) =>
  c.json(await service.redeliver(c.var.ctx, c.req.valid("param").id), 202);
