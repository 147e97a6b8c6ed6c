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
  c.json(await service.createProduct(c.var.ctx, c.var.user, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listProducts(c.var.ctx, c.req.valid("query")), 200);

export const search: RouteHandler<SearchRoute, AppEnv> = async (c) =>
  c.json(await service.searchProducts(c.var.ctx, c.req.valid("query")), 200);

export const lowStock: RouteHandler<LowStockRoute, AppEnv> = async (c) =>
  c.json(await service.lowStock(c.var.ctx, c.req.valid("query")), 200);

export const byBarcode: RouteHandler<ByBarcodeRoute, AppEnv> = async (c) =>
  c.json(await service.findByBarcode(c.var.ctx, c.req.valid("param").code), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getProductView(c.var.ctx, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, stock_quantity: _refused, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateProduct(c.var.ctx, c.req.valid("param").id, change, expected), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) =>
  c.json(await service.deactivateProduct(c.var.ctx, c.req.valid("param").id), 200);
