import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { createUser } from "../../services/auth";
import * as usersService from "../../services/users";
import { toPublicUser, toPublicUserPage } from "../../services/users-view";
import type { ActivateRoute, CreateRoute, DeactivateRoute, GetRoute, ListRoute, UpdateRoute } from "./users.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(toPublicUser(await createUser(c.var.ctx, c.req.valid("json"))), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(toPublicUserPage(await usersService.listUsers(c.var.ctx, c.var.user, c.req.valid("query"))), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(toPublicUser(await usersService.readUser(c.var.ctx, c.var.user, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const row = await usersService.updateUser(c.var.ctx, c.var.user, c.req.valid("param").id, c.req.valid("json"));
  return c.json(toPublicUser(row), 200);
};

export const deactivate: RouteHandler<DeactivateRoute, AppEnv> = async (c) => {
  const row = await usersService.setActive(c.var.ctx, c.var.user, c.req.valid("param").id, false);
  return c.json(toPublicUser(row), 200);
};

export const activate: RouteHandler<ActivateRoute, AppEnv> = async (c) => {
  const row = await usersService.setActive(c.var.ctx, c.var.user, c.req.valid("param").id, true);
  return c.json(toPublicUser(row), 200);
};
