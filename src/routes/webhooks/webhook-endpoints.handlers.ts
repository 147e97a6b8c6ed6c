import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { expectedVersion } from "../../lib/http/fields";
import * as service from "../../services/webhook-endpoints";
import type {
  CreateRoute,
  GetRoute,
  ListRoute,
  RemoveRoute,
  RotateSecretRoute,
  TestRoute,
  UpdateRoute,
} from "./webhook-endpoints.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createEndpoint(c.var.ctx, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => c.json(await service.listEndpoints(c.var.ctx), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getEndpoint(c.var.ctx, c.req.valid("param").id), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { version, ...change } = c.req.valid("json");
  const expected = expectedVersion(version, c.req.valid("header")["if-match"]);
  return c.json(await service.updateEndpoint(c.var.ctx, c.req.valid("param").id, change, expected), 200);
};

export const remove: RouteHandler<RemoveRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  await service.deleteEndpoint(c.var.ctx, id);
  return c.json({ detail: `Webhook endpoint ${id} deleted` }, 200);
};

export const rotateSecret: RouteHandler<RotateSecretRoute, AppEnv> = async (c) =>
  c.json(await service.rotateSecret(c.var.ctx, c.req.valid("param").id), 200);

export const test: RouteHandler<TestRoute, AppEnv> = async (c) =>
  c.json(await service.testEndpoint(c.var.ctx, c.req.valid("param").id), 200);
