import type { RouteHandler } from "@hono/zod-openapi";
import { storeResponse } from "../../db/idempotency-keys";
import type { AppEnv } from "../../env";
import { idempotent } from "../../lib/http/idempotent";
import { idempotencyFrom, REPLAYED_HEADER } from "../../lib/idempotency";
import type { PaymentResult } from "../../services/payments";
import * as payments from "../../services/payments";
import { refundPayment, refundResult } from "../../services/refunds";
import type { CreateRoute, GetRoute, ListRoute, OrderStatusRoute, RefundRoute, UpdateRoute } from "./payments.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const { ctx } = c.var;
  const body = c.req.valid("json");
  const pending = c.var.pendingUserCheck;
  if (!pending) throw new Error("POST /payments runs behind requirePermissionInBatch");
  const idem = await idempotencyFrom(c, pending.claims.userId, body);
  const answer = await payments.takePayment(ctx, pending, body, idem);
  c.set("user", answer.actor);
  if (answer.kind === "replayed") return c.json(answer.body as PaymentResult, 201, REPLAYED_HEADER);
  const { result, completedOrder } = answer.taken;
  if (idem) ctx.defer(storeResponse(ctx.store.d1, idem, 201, result));
  // Only the payment that completes an order sends its receipt.
  if (completedOrder) ctx.notify.orderCompleted(result.order_id);
  return c.json(result, 201);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await payments.listPayments(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const orderStatus: RouteHandler<OrderStatusRoute, AppEnv> = async (c) =>
  c.json(await payments.orderPaymentStatus(c.var.ctx, c.var.user, c.req.valid("param").order_id), 200);

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json(await payments.paymentView(c.var.ctx, c.var.user, c.req.valid("param").id), 200);

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
