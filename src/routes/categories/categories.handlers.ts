import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/categories";
import type { CreateRoute, GetRoute, ListRoute, RemoveRoute, UpdateRoute } from "./categories.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createCategory(c.var.ctx, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listCategories(c.var.ctx, c.req.valid("query")), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getCategory(c.var.ctx, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateCategory(c.var.ctx, c.req.valid("param").id, change, expected), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) =>
  c.json(
    await service.deleteCategory(c.var.ctx, c.req.valid("param").id, c.req.valid("query").detach_products ?? false),
    200,
  );
