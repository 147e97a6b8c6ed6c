import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/stores";
import type { CreateRoute, GetRoute, ListRoute, UpdateRoute } from "./stores.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createStore(c.var.ctx, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listStores(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getStore(c.var.ctx, c.var.user, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateStore(c.var.ctx, c.req.valid("param").id, change, expected), 200);
};
