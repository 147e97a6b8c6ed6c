/** GET /orders/{id}/invoice (signed link to the PDF in R2) and GET /orders/{id}/receipt (80 mm text). */
import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import { paymentsOfOrder } from "../../db/payments";
import { renderReceipt } from "../../documents/receipt";
import type { AppEnv } from "../../env";
import { requirePermission } from "../../lib/auth/middleware";
import { documentsConfig } from "../../lib/config";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, IdParamSchema, jsonContent } from "../../lib/http/openapi";
import { invoiceLink } from "../../services/documents";
import { getOrderFor } from "../../services/orders-read";
import { toPaymentView } from "../../services/payments-view";

const InvoiceLinkSchema = z
  .object({
    url: z.string().openapi({ description: "Signed link; works without a token until expires_at" }),
    expires_at: z.string(),
    key: z.string(),
    rendered: z.boolean().openapi({ description: "false when the stored PDF for this order state was reused" }),
  })
  .openapi("InvoiceLink");

export const invoice = createRoute({
  method: "get",
  path: "/{id}/invoice",
  tags: ["orders"],
  summary: "Invoice PDF for the order's current state, as a signed link",
  security: BEARER_SECURITY,
  middleware: [requirePermission("orders:read")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(InvoiceLinkSchema, "Link to the PDF"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const receipt = createRoute({
  method: "get",
  path: "/{id}/receipt",
  tags: ["orders"],
  summary: "Till receipt as plain text, 42 columns (80 mm printers)",
  security: BEARER_SECURITY,
  middleware: [requirePermission("orders:read")],
  request: { params: IdParamSchema },
  responses: {
    200: { description: "The receipt", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const invoiceHandler: RouteHandler<typeof invoice, AppEnv> = async (c) => {
  const deps = { d1: c.env.DB, files: c.env.FILES, config: documentsConfig(c.env), origin: new URL(c.req.url).origin };
  return c.json(await invoiceLink(deps, c.var.user, c.req.valid("param").id), 200);
};

export const receiptHandler: RouteHandler<typeof receipt, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const { view } = await getOrderFor(c.var.ctx, c.var.user, { id });
  const results = await paymentsOfOrder(c.var.ctx.db, id);
  const config = documentsConfig(c.env);
  const when = new Intl.DateTimeFormat("en-GB", { timeZone: config.timeZone, dateStyle: "short", timeStyle: "short" });
  const text = renderReceipt(
    view,
    results.map(toPaymentView),
    { name: config.shopName, address: config.shopAddress },
    when,
  );
  return c.text(text, 200, { "Content-Type": "text/plain; charset=utf-8" });
};
