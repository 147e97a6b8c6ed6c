import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/categories";
import type { CreateRoute, GetRoute, ListRoute, RemoveRoute, UpdateRoute } from "./categories.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(service.toCategoryView(await service.createCategory(c.var.db, c.req.valid("json"))), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const { rows, total } = await service.listCategories(c.var.db, query);
  return c.json({ total, skip: query.skip, limit: query.limit, data: rows.map(service.toCategoryView) }, 200);
};

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(service.toCategoryView(await service.getCategory(c.var.db, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  const row = await service.updateCategory(c.var.db, c.req.valid("param").id, change, expected);
  return c.json(service.toCategoryView(row), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) => {
  const result = await service.deleteCategory(
    c.var.db,
    c.req.valid("param").id,
    c.req.valid("query").detach_products ?? false,
  );
  return c.json({ detail: "Category deleted", ...result }, 200);
};
