import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { idempotent } from "../../lib/http/idempotent";
import { invoiceLink, receiptText } from "../../services/order-documents";
import { cancelOrder } from "../../services/orders-cancel";
import { getOrderByNumberChain, listCustomerOrdersChain } from "../../services/orders-chain";
import { sell } from "../../services/orders-create";
import { updateOrder } from "../../services/orders-edit";
import { getOrderFor, listOrders, loadOrder } from "../../services/orders-read";
import type { OrderView } from "../../services/orders-view";
import type {
  ByCustomerRoute,
  ByNumberRoute,
  CancelRoute,
  CreateRoute,
  GetRoute,
  InvoiceRoute,
  ListRoute,
  ReceiptRoute,
  UpdateRoute,
} from "./orders.routes";

export const create: RouteHandler<CreateRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  // The key is looked up inside the sale, in parallel with its first reads;
  // a replay is answered only once the caller is confirmed.
  const answer = await idempotent<OrderView>(c, body, {
    status: 201,
    lookup: "in-run",
    run: (idem, lookup) => sell(c.var.ctx, c.var.user, body, { idem, check: c.var.pendingUserCheck, lookup }),
    rerender: async (orderNumber) => (await loadOrder(c.var.ctx, { number: orderNumber }))?.view ?? null,
  });
  return c.json(answer.body, 201, answer.headers);
};

export const list: RouteHandler<ListRoute, AppEnv> = async (c) =>
  c.json(await listOrders(c.var.ctx, c.var.user, c.req.valid("query")), 200);

export const byNumber: RouteHandler<ByNumberRoute, AppEnv> = async (c) =>
  c.json((await getOrderByNumberChain(c.var.ctx, c.var.user, c.req.valid("param").order_number)).view, 200);

export const byCustomer: RouteHandler<ByCustomerRoute, AppEnv> = async (c) =>
  c.json(
    await listCustomerOrdersChain(c.var.ctx, c.var.user, c.req.valid("param").customer_id, c.req.valid("query")),
    200,
  );

export const get: RouteHandler<GetRoute, AppEnv> = async (c) =>
  c.json((await getOrderFor(c.var.ctx, c.var.user, { id: c.req.valid("param").id })).view, 200);

export const update: RouteHandler<UpdateRoute, AppEnv> = async (c) =>
  c.json(await updateOrder(c.var.ctx, c.var.user, c.req.valid("param").id, c.req.valid("json")), 200);

export const cancel: RouteHandler<CancelRoute, AppEnv> = async (c) =>
  c.json(await cancelOrder(c.var.ctx, c.var.user, c.req.valid("param").id, c.req.valid("json").reason), 200);

export const invoice: RouteHandler<InvoiceRoute, AppEnv> = async (c) =>
  c.json(await invoiceLink(c.var.ctx, c.var.user, c.req.valid("param").id, { origin: new URL(c.req.url).origin }), 200);

export const receipt: RouteHandler<ReceiptRoute, AppEnv> = async (c) => {
  const { text } = await receiptText(c.var.ctx, c.var.user, c.req.valid("param").id);
  return c.text(text, 200, { "Content-Type": "text/plain; charset=utf-8" });
};
