import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { invalidField } from "../../lib/errors";
import * as service from "../../services/transfers";
import * as steps from "../../services/transfers-steps";
import type { CancelRoute, CreateRoute, GetRoute, ListRoute, ReceiveRoute, SendRoute } from "./transfers.routes";

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) =>
  c.json(await service.createTransfer(c.var.ctx, c.var.user, c.req.valid("json")), 201);

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await service.listTransfers(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await service.getTransfer(c.var.ctx, c.var.user, c.req.valid("param").id), 200);

export const send: RouteHandler<SendRoute, AppEnv> = async (c) =>
  c.json(await steps.sendTransfer(c.var.ctx, c.var.user, c.req.valid("param").id), 200);

export const receive: RouteHandler<ReceiveRoute, AppEnv> = async (c) => {
  const key = c.req.valid("header")["idempotency-key"];
  if (key !== undefined && !KEY_PATTERN.test(key)) {
    throw invalidField(["header", "Idempotency-Key"], "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  const { lines } = c.req.valid("json");
  return c.json(await steps.receiveTransfer(c.var.ctx, c.var.user, c.req.valid("param").id, lines, key), 200);
};

export const cancel: RouteHandler<CancelRoute, AppEnv> = async (c) =>
  c.json(await steps.cancelTransfer(c.var.ctx, c.var.user, c.req.valid("param").id), 200);
