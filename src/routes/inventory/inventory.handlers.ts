import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { invalidField } from "../../lib/errors";
import { idempotent } from "../../lib/http/idempotent";
import * as inventory from "../../services/inventory";
import { reconcile as runReconcile } from "../../services/reconcile";
import type {
  AdjustRoute,
  CreateLogRoute,
  GetLogRoute,
  HistoryRoute,
  ListLogsRoute,
  ReconcileRoute,
  ResyncRoute,
  SummaryRoute,
} from "./inventory.routes";

/** A movement under the Idempotency-Key rules; `body` is what the key's hash covers. */
const movement = (c: Context<AppEnv>, body: unknown, input: inventory.MovementInput) =>
  idempotent(c, body, {
    status: 201,
    run: (idem) => inventory.moveStock(c.var.ctx, c.var.user, input, idem),
    rerender: (ref) => inventory.movementByRef(c.var.ctx, ref),
  });

export const createLog: RouteHandler<CreateLogRoute, AppEnv> = async (c) => {
  const { product_id: bodyProduct, ...rest } = c.req.valid("json");
  const productId = bodyProduct ?? c.req.valid("query").product_id;
  if (productId === undefined) throw invalidField(["body", "product_id"], "Field required", "missing");
  const answer = await movement(c, { product_id: productId, ...rest }, { ...rest, product_id: productId });
  return c.json(answer.body, 201, answer.headers);
};

export const adjust: RouteHandler<AdjustRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const answer = await movement(c, body, { ...body, product_id: c.req.valid("param").id });
  return c.json(answer.body, 201, answer.headers);
};

export const listLogs: RouteHandler<ListLogsRoute, AppEnv> = async (c) =>
  c.json(await inventory.listLogs(c.var.ctx, c.req.valid("query")), 200);

export const getLog: RouteHandler<GetLogRoute, AppEnv> = async (c) =>
  c.json(await inventory.getLog(c.var.ctx, c.req.valid("param").id), 200);

export const history: RouteHandler<HistoryRoute, AppEnv> = async (c) =>
  c.json(await inventory.productHistory(c.var.ctx, c.req.valid("param").id, c.req.valid("query")), 200);

export const summary: RouteHandler<SummaryRoute, AppEnv> = async (c) =>
  c.json(await inventory.inventorySummary(c.var.ctx, c.req.valid("query")), 200);

export const reconcile: RouteHandler<ReconcileRoute, AppEnv> = async (c) =>
  c.json(await runReconcile(c.var.ctx, c.req.valid("query")), 200);

export const resync: RouteHandler<ResyncRoute, AppEnv> = async (c) =>
  c.json(await inventory.resyncStock(c.var.ctx, c.req.valid("param").id), 200);
