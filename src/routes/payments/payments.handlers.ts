import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { notifyOrderCompleted } from "../../jobs/notifications";
import { idempotent } from "../../lib/http/idempotent";
import * as payments from "../../services/payments";
import { toPaymentView } from "../../services/payments-view";
import { refundPayment, refundResult } from "../../services/refunds";
import { orderDeps } from "../orders/orders.handlers";
import type { CreateRoute, GetRoute, ListRoute, OrderStatusRoute, RefundRoute, UpdateRoute } from "./payments.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: async (idem) => {
      const result = await payments.createPayment(c.env.DB, c.var.user, body, idem);
      // Only the payment that completes an order sees it completed (later ones are refused).
      if (result.order_status === "completed" && result.status === "completed") {
        c.executionCtx.waitUntil(notifyOrderCompleted(c.env, result.order_id));
      }
      return result;
    },
    rerender: (paymentId) => payments.paymentResult(c.env.DB, c.var.user, Number(paymentId)).catch(() => null),
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const page = await payments.listPayments(c.env.DB, c.var.user, query);
  return c.json({ ...page, skip: query.skip, limit: query.limit }, 200);
};

export const orderStatus: RouteHandler<OrderStatusRoute, AppEnv> = async (c) =>
  c.json(await payments.orderPaymentStatus(c.env.DB, c.var.user, c.req.valid("param").order_id), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(toPaymentView(await payments.getPaymentFor(c.env.DB, c.var.user, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const change = c.req.valid("json");
  const id = c.req.valid("param").id;
  const { payment, completedOrder } = await payments.updatePayment(c.env.DB, c.var.user, id, change);
  // The receipt goes out once, for the confirmation that completed the order.
  if (completedOrder) c.executionCtx.waitUntil(notifyOrderCompleted(c.env, payment.order_id));
  return c.json(payment, 200);
};

export const refund: RouteHandler<RefundRoute, AppEnv> = async (c) => {
  const paymentId = c.req.valid("param").id;
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: (idem) => refundPayment(orderDeps(c), c.var.user, paymentId, body, idem),
    rerender: (refundId) => refundResult(c.env.DB, Number(refundId)).catch(() => null),
  });
  return c.json(answer.body, 201, answer.headers);
};
