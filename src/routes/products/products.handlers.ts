import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/products";
import { labelSheet, productBarcode } from "../../services/products-documents";
import type {
  AssignBarcodeRoute,
  BarcodeRoute,
  ByBarcodeRoute,
  ClearStorePriceRoute,
  CreateRoute,
  GetRoute,
  LabelsRoute,
  ListRoute,
  LowStockRoute,
  RemoveRoute,
  SearchRoute,
  SetStorePriceRoute,
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

/** One product read, confirming the caller in the same round trip (requirePermissionInBatch). */
const readOne = async (c: Context<AppEnv>, key: service.ProductKey) => {
  const { view, caller } = await service.readProduct(c.var.ctx, key, c.var.pendingUserCheck);
  if (caller) c.set("user", caller);
  return view;
};

export const byBarcode: RouteHandler<ByBarcodeRoute, AppEnv> = async (c) =>
  c.json(await readOne(c, { barcode: c.req.valid("param").code }), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await readOne(c, { id: c.req.valid("param").id }), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, stock_quantity: _refused, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateProduct(c.var.ctx, c.req.valid("param").id, change, expected), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) =>
  c.json(await service.deactivateProduct(c.var.ctx, c.req.valid("param").id), 200);

export const barcode: RouteHandler<BarcodeRoute, AppEnv> = async (c) => {
  const image = await productBarcode(c.var.ctx, c.req.valid("param").id, c.req.valid("query"));
  return c.body(image.body as ArrayBuffer, 200, {
    "Content-Type": image.contentType,
    "Cache-Control": "private, max-age=86400",
    ETag: image.etag,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  }) as never;
};

export const assignBarcode: RouteHandler<AssignBarcodeRoute, AppEnv> = async (c) =>
  c.json(await service.assignInStoreEan13(c.var.ctx, c.req.valid("param").id), 200);

export const labels: RouteHandler<LabelsRoute, AppEnv> = async (c) => {
  const pdf = await labelSheet(c.var.ctx, c.req.valid("query").ids.split(",").map(Number));
  return c.body(pdf as unknown as ArrayBuffer, 200, {
    "Content-Type": "application/pdf",
    "Content-Disposition": 'inline; filename="labels.pdf"',
  }) as never;
};

export const setStorePrice: RouteHandler<SetStorePriceRoute, AppEnv> = async (c) =>
  c.json(await service.setProductStorePrice(c.var.ctx, c.req.valid("param").id, c.req.valid("json").price), 200);

export const clearStorePrice: RouteHandler<ClearStorePriceRoute, AppEnv> = async (c) =>
  c.json(await service.clearProductStorePrice(c.var.ctx, c.req.valid("param").id), 200);
