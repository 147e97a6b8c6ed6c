/**
 * Documents kept in R2: invoices rendered once per order state under a
 * stable key, barcode images cached per symbology and value, all handed out
 * as signed links.
 */
import { dbFor } from "../db/client";
import { dbFor } from "../db/client";
import { dbFor } from "../db/client";
import { decodeRows } from "../db/rows";
import { payments as paymentsTable } from "../db/schema";
import { barcodeModel, barcodeSvg, type Symbology } from "../documents/barcode-model";
import { barcodePng } from "../documents/barcode-png";
import { type InvoiceData, renderInvoice } from "../documents/invoice";
import { barcodeKind } from "../domain/barcode";
import type { AuthUser } from "../lib/auth/current-user";
import { sha256Hex } from "../lib/auth/tokens";
import type { DocumentsConfig } from "../lib/config";
import { invalidField } from "../lib/errors";
import { signedLink } from "../lib/signed-links";
import { getOrderFor } from "./orders-read";
import { toPaymentView } from "./payments-view";

export interface DocumentsDeps {
  d1: D1Database;
  files: R2Bucket;
  config: DocumentsConfig;
  origin: string;
}

/**
 * The invoice's R2 key is a hash of everything printed on it, so any change
 * (a payment, a refund, the customer's name, the shop's currency) renders a
 * new document while repeated requests for the same state reuse the stored one.
 */
export async function invoiceLink(deps: DocumentsDeps, actor: AuthUser, orderId: number) {
  const { view } = await getOrderFor({ db: dbFor(deps.d1) }, actor, { id: orderId });
  const [payments, refunds] = await deps.d1.batch([
    deps.d1.prepare("SELECT * FROM payments WHERE order_id = ?1 ORDER BY id").bind(orderId),
    deps.d1.prepare("SELECT amount, reason, created_at FROM refunds WHERE order_id = ?1 ORDER BY id").bind(orderId),
  ]);
  const paymentViews = decodeRows(paymentsTable, payments?.results).map(toPaymentView);
  const refundRows = ((refunds?.results ?? []) as { amount: number; reason: string; created_at: string }[]).map(
    (r) => ({
      ...r,
      amount: r.amount / 100,
    }),
  );
  const invoice: InvoiceData = {
    shop: { name: deps.config.shopName, address: deps.config.shopAddress },
    currency: deps.config.currency,
    timeZone: deps.config.timeZone,
    order: view,
    payments: paymentViews,
    refunds: refundRows,
  };
  // The hash of exactly what is printed: customer, cashier, currency, zone included.
  const state = await sha256Hex(JSON.stringify(invoice));
  const key = `invoices/${view.order_number}/${state.slice(0, 16)}.pdf`;

  let rendered = false;
  if (!(await deps.files.head(key))) {
    const pdf = await renderInvoice(invoice);
    await deps.files.put(key, pdf, {
      httpMetadata: {
        contentType: "application/pdf",
        contentDisposition: `inline; filename="${view.order_number}.pdf"`,
      },
      customMetadata: { order_id: String(orderId) },
    });
    rendered = true;
  }
  const link = await signedLink(deps.origin, deps.config.signingSecret, key, deps.config.linkTtlSeconds);
  return { ...link, key, rendered };
}

export type BarcodeFormat = "svg" | "png";

/** The symbology and value to print for a product: its EAN-13 when it has a valid one, Code 128 otherwise. */
export function chooseSymbology(
  product: { barcode: string | null; sku: string },
  asked?: Symbology,
): { symbology: Symbology; value: string } {
  const value = product.barcode ?? product.sku;
  if (asked === "ean13" || (asked === undefined && product.barcode && barcodeKind(product.barcode) === "ean13")) {
    if (!product.barcode || barcodeKind(product.barcode) !== "ean13") {
      throw invalidField(
        ["query", "symbology"],
        "This product has no EAN-13 barcode; use symbology=code128 or assign one",
      );
    }
    return { symbology: "ean13", value: product.barcode };
  }
  return { symbology: "code128", value };
}

/** Renders (or reuses from R2) a barcode image. */
export async function barcodeImage(files: R2Bucket, symbology: Symbology, value: string, format: BarcodeFormat) {
  const key = `barcodes/${symbology}/${encodeURIComponent(value)}.${format}`;
  const cached = await files.get(key);
  if (cached)
    return {
      body: await cached.arrayBuffer(),
      etag: cached.httpEtag,
      contentType: cached.httpMetadata?.contentType ?? "",
    };
  const body: Uint8Array | string =
    format === "svg" ? barcodeSvg(symbology, value) : await barcodePng(barcodeModel(symbology, value));
  const contentType = format === "svg" ? "image/svg+xml" : "image/png";
  const stored = await files.put(key, body, { httpMetadata: { contentType } });
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return { body: bytes, etag: stored?.httpEtag ?? "", contentType };
}
