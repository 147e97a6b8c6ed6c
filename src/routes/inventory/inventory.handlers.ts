import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { localDayBounds } from "../../domain/report-range";
import type { AppEnv } from "../../env";
import { notifyLowStock } from "../../jobs/notifications";
import { storeTimeZone } from "../../lib/config";
import { ApiError, invalidField, notFound } from "../../lib/errors";
import { idempotent } from "../../lib/http/idempotent";
import type { IdempotencyContext } from "../../lib/idempotency";
import * as inventory from "../../services/inventory";
import { reconcile as runReconcile } from "../../services/reconcile";
import { stockGate } from "../../stock/client";
import { orderDeps } from "../orders/orders.handlers";
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

export const createLog: RouteHandler<CreateLogRoute, AppEnv> = async (c) => {
  const { product_id: bodyProduct, ...movement } = c.req.valid("json");
  const productId = bodyProduct ?? c.req.valid("query").product_id;
  if (productId === undefined) throw invalidField(["body", "product_id"], "Field required", "missing");
  const answer = await idempotent(
    c,
    { product_id: productId, ...movement },
    {
      status: 201,
      run: (idem) => moveAndAlert(c, productId, movement, idem),
      rerender: async (ref) => {
        const log = await inventory.findLogByRef(c.env.DB, ref);
        return log ? { ...inventory.toLogView(log), stock_quantity: log.quantity_after } : null;
      },
    },
  );
  return c.json(answer.body, 201, answer.headers);
};

export const adjust: RouteHandler<AdjustRoute, AppEnv> = async (c) => {
  const productId = c.req.valid("param").id;
  const movement = c.req.valid("json");
  const answer = await idempotent(c, movement, {
    status: 201,
    run: (idem) => moveAndAlert(c, productId, movement, idem),
    rerender: async (ref) => {
      const log = await inventory.findLogByRef(c.env.DB, ref);
      return log ? { ...inventory.toLogView(log), stock_quantity: log.quantity_after } : null;
    },
  });
  return c.json(answer.body, 201, answer.headers);
};

/** Moves stock, then (after the response) alerts managers if it went to or below the minimum. */
async function moveAndAlert(
  c: Context<AppEnv>,
  productId: number,
  movement: inventory.MovementInput,
  idem: IdempotencyContext | null,
) {
  const result = await inventory.moveStock(orderDeps(c), c.var.user, productId, movement, idem);
  if (result.quantity_change < 0) c.executionCtx.waitUntil(notifyLowStock(c.env, [productId]));
  return result;
}

export const listLogs: RouteHandler<ListLogsRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const page = await inventory.listLogs(c.env.DB, {
    ...query,
    ...localDayBounds(storeTimeZone(c.env), query.start_date, query.end_date),
  });
  return c.json({ ...page, skip: query.skip, limit: query.limit }, 200);
};

export const getLog: RouteHandler<GetLogRoute, AppEnv> = async (c) =>
  c.json(await inventory.getLog(c.env.DB, c.req.valid("param").id), 200);

export const history: RouteHandler<HistoryRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const { skip, limit } = c.req.valid("query");
  const exists = await c.env.DB.prepare("SELECT 1 AS found FROM products WHERE id = ?1").bind(id).first();
  if (!exists) throw notFound("Product");
  return c.json({ ...(await inventory.listLogs(c.env.DB, { skip, limit, product_id: id })), skip, limit }, 200);
};

export const summary: RouteHandler<SummaryRoute, AppEnv> = async (c) => {
  const { start_date, end_date } = c.req.valid("query");
  const range = localDayBounds(storeTimeZone(c.env), start_date, end_date);
  return c.json(await inventory.inventorySummary(c.env.DB, range.start, range.end), 200);
};

export const reconcile: RouteHandler<ReconcileRoute, AppEnv> = async (c) =>
  c.json(await runReconcile(c.env.DB, stockGate(c.env.PRODUCT_STOCK), c.req.valid("query")), 200);

export const resync: RouteHandler<ResyncRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const exists = await c.env.DB.prepare("SELECT 1 AS found FROM products WHERE id = ?1").bind(id).first();
  if (!exists) throw notFound("Product");
  const result = await stockGate(c.env.PRODUCT_STOCK).resync(id);
  if (!result.ok) throw new ApiError("CONFLICT", "The product has stock operations in flight; try again in a minute");
  return c.json(result, 200);
};
