import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/customers";
import { toCustomerPage, toCustomerView, toLedgerPage, toLedgerView } from "../../services/customers-view";
import type {
  AdjustPointsRoute,
  CreateRoute,
  GetRoute,
  LedgerRoute,
  ListRoute,
  RemoveRoute,
  SearchRoute,
  UpdateRoute,
} from "./customers.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(toCustomerView(await service.createCustomer(c.var.ctx, c.req.valid("json"))), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(toCustomerPage(await service.listCustomers(c.var.ctx, c.req.valid("query"))), 200);

export const search: RouteHandler<SearchRoute, AppEnv> = async (c) =>
  c.json(toCustomerPage(await service.listCustomers(c.var.ctx, c.req.valid("query"))), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(toCustomerView(await service.getCustomer(c.var.ctx, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  const row = await service.updateCustomer(c.var.ctx, c.req.valid("param").id, change, expected);
  return c.json(toCustomerView(row), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) =>
  c.json(toCustomerView(await service.deactivateCustomer(c.var.ctx, c.req.valid("param").id)), 200);

export const adjustPoints: RouteHandler<AdjustPointsRoute, AppEnv> = async (c) => {
  const result = await service.adjustPoints(c.var.ctx, c.var.user, c.req.valid("param").id, {
    body: c.req.valid("json") ?? {},
    query: c.req.valid("query"),
  });
  return c.json({ ...result, entry: toLedgerView(result.entry) }, 200);
};

export const ledger: RouteHandler<LedgerRoute, AppEnv> = async (c) =>
  c.json(toLedgerPage(await service.listLedger(c.var.ctx, c.req.valid("param").id, c.req.valid("query"))), 200);
