import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { idempotent } from "../../lib/http/idempotent";
import * as payments from "../../services/payments";
import { toPaymentView } from "../../services/payments-view";
import { refundPayment, refundResult } from "../../services/refunds";
import type { CreateRoute, GetRoute, ListRoute, OrderStatusRoute, RefundRoute, UpdateRoute } from "./payments.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: async (idem) => {
      const result = await payments.createPayment(ctx, user, body, idem);
      // Only the payment that completes an order sees it completed (later ones are refused).
      if (result.order_status === "completed" && result.status === "completed")
        ctx.notify.orderCompleted(result.order_id);
      return result;
    },
    rerender: (paymentId) => payments.paymentResult(ctx, user, Number(paymentId)).catch(() => null),
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await payments.listPayments(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const orderStatus: RouteHandler<OrderStatusRoute, AppEnv> = async (c) =>
  c.json(await payments.orderPaymentStatus(c.var.ctx, c.var.user, c.req.valid("param").order_id), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(toPaymentView(await payments.getPaymentFor(c.var.ctx, c.var.user, c.req.valid("param").id)), 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const change = { ...c.req.valid("json"), id: c.req.valid("param").id };
  const { payment, completedOrder } = await payments.updatePayment(ctx, user, change);
  // The receipt goes out once, for the confirmation that completed the order.
  if (completedOrder) ctx.notify.orderCompleted(payment.order_id);
  return c.json(payment, 200);
};

export const refund: RouteHandler<RefundRoute, AppEnv> = async (c) => {
  const { ctx, user } = c.var;
  const body = c.req.valid("json");
  const answer = await idempotent(c, body, {
    status: 201,
    run: (idem) => refundPayment(ctx, user, { ...body, payment_id: c.req.valid("param").id }, idem),
    rerender: (refundId) => refundResult(ctx, Number(refundId)).catch(() => null),
  });
  return c.json(answer.body, 201, answer.headers);
};
