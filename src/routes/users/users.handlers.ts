import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authConfig } from "../../lib/config";
import { createUser } from "../../services/auth";
import * as usersService from "../../services/users";
import { toPublicUser } from "../../services/users-view";
import type { ActivateRoute, CreateRoute, DeactivateRoute, GetRoute, ListRoute, UpdateRoute } from "./users.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const row = await createUser({ db: c.var.db, d1: c.env.DB, auth: authConfig(c.env) }, c.req.valid("json"));
  return c.json(toPublicUser(row), 201);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const { rows, total } = await usersService.listUsers(c.var.db, query);
  return c.json({ total, skip: query.skip, limit: query.limit, data: rows.map(toPublicUser) }, 200);
};

export const get: RouteHandler<GetRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  usersService.assertCanRead(c.var.user, id);
  return c.json(toPublicUser(await usersService.getUser(c.var.db, id)), 200);
};

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const row = await usersService.updateUser(c.var.db, c.var.user, id, c.req.valid("json"));
  return c.json(toPublicUser(row), 200);
};

export const deactivate: RouteHandler<DeactivateRoute, AppEnv> = async (c) => {
  const row = await usersService.setActive(c.var.db, c.var.user, c.req.valid("param").id, false);
  return c.json(toPublicUser(row), 200);
};

export const activate: RouteHandler<ActivateRoute, AppEnv> = async (c) => {
  const row = await usersService.setActive(c.var.db, c.var.user, c.req.valid("param").id, true);
  return c.json(toPublicUser(row), 200);
};
