import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import * as service from "../../services/cash-drawers";
import type { CreateRoute, GetRoute, ListRoute, UpdateRoute } from "./cash-drawers.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createDrawer(c.var.ctx, c.req.valid("json").name), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listDrawers(c.var.ctx, c.req.valid("query")), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getDrawer(c.var.ctx, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) =>
  c.json(await service.changeDrawer(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200);
