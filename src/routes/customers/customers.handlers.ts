import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { appConfig } from "../../lib/config";
import { invalidField } from "../../lib/errors";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/customers";
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
  c.json(service.toCustomerView(await service.createCustomer(c.var.db, c.req.valid("json"))), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const { rows, total } = await service.listCustomers(c.var.db, query);
  return c.json({ total, skip: query.skip, limit: query.limit, data: rows.map(service.toCustomerView) }, 200);
};

export const search: RouteHandler<SearchRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const { rows, total } = await service.listCustomers(c.var.db, query);
  return c.json({ total, skip: query.skip, limit: query.limit, data: rows.map(service.toCustomerView) }, 200);
};

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(service.toCustomerView(await service.getCustomer(c.var.db, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  const row = await service.updateCustomer(c.var.db, c.req.valid("param").id, change, expected);
  return c.json(service.toCustomerView(row), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) => {
  const row = await service.updateCustomer(c.var.db, c.req.valid("param").id, { is_active: false }, undefined);
  return c.json(service.toCustomerView(row), 200);
};

const LEGACY_REASON = "Adjusted through the deprecated ?points= form, which sends no reason";

export const adjustPoints: RouteHandler<AdjustPointsRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json") ?? {};
  const query = c.req.valid("query");
  const points = body.points ?? query.points;
  if (points === undefined) throw invalidField(["body", "points"], "Field required", "missing");
  const from = body.points !== undefined ? "body" : "query";
  // The replaced API's clients send `?points=120` alone, and the seed contract
  // says that keeps working: that one deprecated form gets a reason saying so
  // (the ledger row still names who did it). Everything else must give one.
  const reason =
    body.reason ?? query.reason ?? (from === "query" && query.reason === undefined ? LEGACY_REASON : undefined);
  if (reason === undefined) {
    throw invalidField([from, "reason"], "Field required: say why the points change, in the body", "missing");
  }
  const cap = appConfig(c.env).loyaltyMaxManualAdjustment;
  if (Math.abs(points) > cap) {
    throw invalidField(
      [from, "points"],
      `A manual adjustment moves at most ${cap} points either way (LOYALTY_MAX_MANUAL_ADJUSTMENT)`,
      "less_than_equal",
    );
  }
  const result = await service.adjustPoints(c.var.db, c.var.user, c.req.valid("param").id, points, reason);
  return c.json({ ...result, entry: service.toLedgerView(result.entry) }, 200);
};

export const ledger: RouteHandler<LedgerRoute, AppEnv> = async (c) => {
  const { skip, limit } = c.req.valid("query");
  const { rows, total } = await service.listLedger(c.var.db, c.req.valid("param").id, skip, limit);
  return c.json({ total, skip, limit, data: rows.map(service.toLedgerView) }, 200);
};
