import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { setMetric } from "hono/timing";
import { localDayBounds } from "../../domain/report-range";
import type { AppEnv } from "../../env";
import { notifyLowStock, notifyOrderCompleted } from "../../jobs/notifications";
import { assertPermission, authenticate } from "../../lib/auth/middleware";
import { appConfig, loyaltyConfig, storeTimeZone } from "../../lib/config";
import { notFound } from "../../lib/errors";
import { idempotent } from "../../lib/http/idempotent";
import { cancelOrder, updateOrder } from "../../services/orders-change";
import { createOrder, type OrderDeps } from "../../services/orders-create";
import { getOrderFor, listOrders, loadOrder } from "../../services/orders-read";
import { stockGate } from "../../stock/client";
import type {
  ByCustomerRoute,
  ByNumberRoute,
  CancelRoute,
  CreateRoute,
  GetRoute,
  ListRoute,
  UpdateRoute,
} from "./orders.routes";

export const orderDeps = (c: Context<AppEnv>): OrderDeps => ({
  d1: c.env.DB,
  stock: stockGate(c.env.PRODUCT_STOCK),
  loyalty: loyaltyConfig(c.env),
  cashierMaxDiscountPercent: appConfig(c.env).cashierMaxDiscountPercent,
  onCompleted: (orderId) => c.executionCtx.waitUntil(notifyOrderCompleted(c.env, orderId)),

  defer: (work) => c.executionCtx.waitUntil(work.catch(() => undefined)),
  ...(appConfig(c.env).debug ? { mark: (phase: string, ms: number) => setMetric(c, phase, ms) } : {}),
});

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  // A replay must not answer a caller D1 no longer accepts: with a key, confirm the caller first.
  let pending = c.var.pendingUserCheck;
  if (pending && c.req.header("Idempotency-Key") !== undefined) {
    assertPermission(await authenticate(c), pending.permission);
    pending = undefined;
  }
  const answer = await idempotent(c, body, {
    status: 201,
    run: async (idem) => {
      const deps = {
        ...orderDeps(c),
        onLowStock: (ids: number[]) => c.executionCtx.waitUntil(notifyLowStock(c.env, ids)),
      };
      return createOrder(deps, c.var.user, body, idem, pending);
    },
    rerender: async (orderNumber) => (await loadOrder(c.env.DB, { number: orderNumber }))?.view ?? null,
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const tz = storeTimeZone(c.env);
  const { start, end } = localDayBounds(tz, query.start_date, query.end_date);
  const page = await listOrders(c.env.DB, c.var.user, { ...query, start_date: start, end_date: end });
  return c.json({ ...page, skip: query.skip, limit: query.limit }, 200);
};

export const byNumber: RouteHandler<ByNumberRoute, AppEnv> = async (c) =>
  c.json((await getOrderFor(c.env.DB, c.var.user, { number: c.req.valid("param").order_number })).view, 200);

export const byCustomer: RouteHandler<ByCustomerRoute, AppEnv> = async (c) => {
  const { customer_id } = c.req.valid("param");
  const { skip, limit } = c.req.valid("query");
  const exists = await c.env.DB.prepare("SELECT 1 AS found FROM customers WHERE id = ?1").bind(customer_id).first();
  if (!exists) throw notFound("Customer");
  const page = await listOrders(c.env.DB, c.var.user, { skip, limit, customer_id });
  return c.json({ ...page, skip, limit }, 200);
};

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json((await getOrderFor(c.env.DB, c.var.user, { id: c.req.valid("param").id })).view, 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) =>
  c.json(await updateOrder(orderDeps(c), c.var.user, c.req.valid("param").id, c.req.valid("json")), 200);

export const cancel: RouteHandler<CancelRoute, AppEnv> = async (c) =>
  c.json(await cancelOrder(orderDeps(c), c.var.user, c.req.valid("param").id), 200);
