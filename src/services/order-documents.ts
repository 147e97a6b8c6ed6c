/**
 * An order's documents: the invoice PDF (rendered once per order state and
 * kept in R2, handed out as a signed link) and the 80 mm till receipt. Both
 * print the same facts, loaded here once: the order as the API shows it, its
 * payments and its refunds.
 */
import { paymentsOfOrder } from "../db/payments";
import { refundsOfOrder } from "../db/refunds";
import { type InvoiceData, renderInvoice } from "../documents/invoice";
import { renderReceipt } from "../documents/receipt";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { sha256Hex } from "../lib/auth/tokens";
import { signedLink } from "../lib/signed-links";
import type { StoreScope } from "../stores/scope";
import type { ServiceContext } from "./context";
import { getOrderFor } from "./orders-read";
import { type PaymentView, toPaymentView } from "./payments-view";

export interface OrderDocument {
  order: Awaited<ReturnType<typeof getOrderFor>>["view"];
  payments: PaymentView[];
  refunds: InvoiceData["refunds"];
}

/** What an order's documents print; 404 when `actor` may not see the order. */
export async function loadOrderDocument(ctx: ServiceContext, actor: AuthUser, orderId: number): Promise<OrderDocument> {
  const { view } = await getOrderFor(ctx, actor, { id: orderId });
  const [payments, refunds] = await Promise.all([
    paymentsOfOrder(ctx.store.db, orderId),
    refundsOfOrder(ctx.store.db, orderId),
  ]);
  return {
    order: view,
    payments: payments.map(toPaymentView),
    refunds: refunds.map((r) => ({ amount: toDecimal(r.amount), reason: r.reason, created_at: r.createdAt })),
  };
}

/**
 * A signed link to the invoice. Its R2 key is a hash of everything printed on
 * it, so any change (a payment, a refund, the customer's name, the store's
 * name or currency) renders a new document while repeated requests for the same
 * state reuse the stored one. `linkTtlSeconds` overrides LINK_TTL_SECONDS
 * (emailed links live a week).
 */
export async function invoiceLink(
  ctx: ServiceContext,
  actor: AuthUser,
  orderId: number,
  link: { origin: string; linkTtlSeconds?: number },
) {
  const documents = ctx.config.documents;
  const { order, payments, refunds } = await loadOrderDocument(ctx, actor, orderId);
  const invoice: InvoiceData = {
    shop: shopOf(ctx.store),
    currency: ctx.store.currency,
    timeZone: ctx.store.timeZone,
    order,
    payments,
    refunds,
  };
  // The hash of exactly what is printed: store, customer, cashier, currency, zone included.
  const state = await sha256Hex(JSON.stringify(invoice));
  const key = `invoices/${order.order_number}/${state.slice(0, 16)}.pdf`;
  let rendered = false;
  if (!(await ctx.env.FILES.head(key))) {
    await ctx.env.FILES.put(key, await renderInvoice(invoice), {
      httpMetadata: {
        contentType: "application/pdf",
        contentDisposition: `inline; filename="${order.order_number}.pdf"`,
      },
      customMetadata: { order_id: String(orderId) },
    });
    rendered = true;
  }
  const ttl = link.linkTtlSeconds ?? documents.linkTtlSeconds;
  const signed = await signedLink(link.origin, documents.signingSecret, key, ttl, ctx.now().getTime());
  return { ...signed, key, rendered };
}

/** The till receipt: 42 columns, times in the store's zone. */
export async function receiptText(ctx: ServiceContext, actor: AuthUser, orderId: number) {
  const { order, payments } = await loadOrderDocument(ctx, actor, orderId);
  const when = new Intl.DateTimeFormat("en-GB", {
    timeZone: ctx.store.timeZone,
    dateStyle: "short",
    timeStyle: "short",
  });
  return {
    order,
    text: renderReceipt(order, payments, { ...shopOf(ctx.store), currency: ctx.store.currency }, when),
  };
}

/** What the store's documents print at their head: its own name, address lines and phone. */
const shopOf = (store: StoreScope) => ({ name: store.name, address: store.addressLines, phone: store.phone });
