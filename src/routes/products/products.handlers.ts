import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/products";
import type {
  ByBarcodeRoute,
  CreateRoute,
  GetRoute,
  ListRoute,
  LowStockRoute,
  RemoveRoute,
  SearchRoute,
  UpdateRoute,
} from "./products.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createProduct(c.var.db, c.env.DB, c.var.user, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const page = await service.listProducts(c.env.DB, query);
  return c.json({ ...page, skip: query.skip, limit: query.limit }, 200);
};

export const search: RouteHandler<SearchRoute, AppEnv> = async (c) => {
  const { q, limit, include_inactive } = c.req.valid("query");
  const data = await service.searchProducts(c.env.DB, q, limit, include_inactive ?? false);
  return c.json({ q, total: data.length, data }, 200);
};

export const lowStock: RouteHandler<LowStockRoute, AppEnv> = async (c) => {
  const { skip, limit } = c.req.valid("query");
  return c.json({ ...(await service.lowStock(c.env.DB, skip, limit)), skip, limit }, 200);
};

export const byBarcode: RouteHandler<ByBarcodeRoute, AppEnv> = async (c) =>
  c.json(await service.findByBarcode(c.env.DB, c.req.valid("param").code), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getProductView(c.env.DB, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, stock_quantity: _refused, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateProduct(c.var.db, c.env.DB, c.req.valid("param").id, change, expected), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) =>
  c.json(await service.deactivateProduct(c.var.db, c.env.DB, c.req.valid("param").id), 200);
