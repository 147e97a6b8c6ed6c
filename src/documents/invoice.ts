/**
 * The invoice PDF: shop, order number (also as a Code 128 barcode), date in
 * the store's time zone, cashier, customer, every line, totals, payments,
 * refunds and balance. Lines flow onto further pages as needed.
 */
import type { PDFPage } from "pdf-lib";
import type { OrderView } from "../services/orders-view";
import type { PaymentView } from "../services/payments-view";
import { barcodeModel } from "./barcode-model";
import { A4, type Doc, drawBarcode, fitText, INK, MUTED, newDocument, printable, textRight } from "./pdf-kit";

export interface InvoiceData {
  /** The selling store's own name, address lines and phone (its row, not config). */
  shop: { name: string; address: string[]; phone?: string | null };
  currency: string;
  timeZone: string;
  order: OrderView;
  payments: PaymentView[];
  refunds: { amount: number; reason: string; created_at: string }[];
}

const MARGIN = 42;
const COLUMNS = { item: MARGIN, sku: 250, qty: 350, unit: 425, discount: 490, subtotal: A4[0] - MARGIN };

export async function renderInvoice(data: InvoiceData): Promise<Uint8Array> {
  const doc = await newDocument(`Invoice ${data.order.order_number}`);
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency: data.currency || "USD" });
  const when = new Intl.DateTimeFormat("en-GB", {
    timeZone: data.timeZone || "UTC",
    dateStyle: "medium",
    timeStyle: "short",
  });
  const fmt = (value: number) => money.format(value);
  const o = data.order;

  let page = doc.pdf.addPage(A4);
  let y = header(doc, page, data, when);
  y = tableHeader(doc, page, y);
  let pageNumber = 1;
  for (const item of o.order_items) {
    if (y < 90) {
      footer(doc, page, pageNumber, o.order_number);
      page = doc.pdf.addPage(A4);
      pageNumber += 1;
      page.drawText(printable(`${data.shop.name} — ${o.order_number} (continued)`), {
        x: MARGIN,
        y: A4[1] - MARGIN,
        size: 10,
        font: doc.bold,
        color: INK,
      });
      y = tableHeader(doc, page, A4[1] - MARGIN - 24);
    }
    page.drawText(fitText(doc.regular, item.product_name, 9, COLUMNS.sku - COLUMNS.item - 8), {
      x: COLUMNS.item,
      y,
      size: 9,
      font: doc.regular,
      color: INK,
    });
    page.drawText(fitText(doc.regular, item.product_sku, 8, COLUMNS.qty - COLUMNS.sku - 30), {
      x: COLUMNS.sku,
      y,
      size: 8,
      font: doc.regular,
      color: MUTED,
    });
    textRight(page, doc.regular, String(item.quantity), COLUMNS.qty, y, 9);
    textRight(page, doc.regular, fmt(item.unit_price), COLUMNS.unit, y, 9);
    textRight(page, doc.regular, item.discount ? `-${fmt(item.discount)}` : "", COLUMNS.discount, y, 9);
    textRight(page, doc.regular, fmt(item.subtotal), COLUMNS.subtotal, y, 9);
    y -= 16;
  }

  // Totals, payments and refunds need about 200 points; start a page if they would not fit.
  const tail = 130 + 14 * (data.payments.length + data.refunds.length);
  if (y - tail < 60) {
    footer(doc, page, pageNumber, o.order_number);
    page = doc.pdf.addPage(A4);
    pageNumber += 1;
    y = A4[1] - MARGIN - 20;
  }
  page.drawLine({ start: { x: 330, y: y + 6 }, end: { x: COLUMNS.subtotal, y: y + 6 }, thickness: 0.5, color: MUTED });
  y -= 8;
  const totalRow = (label: string, value: string, bold = false) => {
    const font = bold ? doc.bold : doc.regular;
    page.drawText(label, { x: 340, y, size: bold ? 11 : 9, font, color: INK });
    textRight(page, font, value, COLUMNS.subtotal, y, bold ? 11 : 9);
    y -= bold ? 18 : 14;
  };
  totalRow("Subtotal", fmt(o.subtotal));
  if (o.discount) totalRow("Discount", `-${fmt(o.discount)}`);
  if (o.points_discount) totalRow(`Points redeemed (${o.points_redeemed})`, `-${fmt(o.points_discount)}`);
  totalRow("Tax", fmt(o.tax));
  totalRow("Total", fmt(o.total), true);

  y -= 6;
  page.drawText("Payments", { x: MARGIN, y, size: 10, font: doc.bold, color: INK });
  y -= 14;
  if (data.payments.length === 0) {
    page.drawText("None yet", { x: MARGIN, y, size: 9, font: doc.regular, color: MUTED });
    y -= 14;
  }
  for (const p of data.payments) {
    const label = `${when.format(new Date(p.created_at))} · ${p.payment_method.replace("_", " ")} · ${p.status}${p.transaction_id ? ` · ${p.transaction_id}` : ""}`;
    page.drawText(fitText(doc.regular, label, 9, 380), { x: MARGIN, y, size: 9, font: doc.regular, color: INK });
    textRight(page, doc.regular, fmt(p.amount), COLUMNS.subtotal, y, 9);
    y -= 14;
  }
  for (const r of data.refunds) {
    page.drawText(fitText(doc.regular, `${when.format(new Date(r.created_at))} · refund · ${r.reason}`, 9, 380), {
      x: MARGIN,
      y,
      size: 9,
      font: doc.regular,
      color: INK,
    });
    textRight(page, doc.regular, `-${fmt(r.amount)}`, COLUMNS.subtotal, y, 9);
    y -= 14;
  }
  y -= 4;
  page.drawText("Balance due", { x: 340, y, size: 11, font: doc.bold, color: INK });
  textRight(page, doc.bold, fmt(o.payments_summary.remaining_amount), COLUMNS.subtotal, y, 11);
  footer(doc, page, pageNumber, o.order_number);
  return doc.pdf.save();
}

/** The lines under the shop's name: its address, then its phone when it has one. */
const shopLines = (shop: InvoiceData["shop"]): string[] =>
  shop.phone ? [...shop.address, `Tel. ${shop.phone}`] : shop.address;

function header(doc: Doc, page: PDFPage, data: InvoiceData, when: Intl.DateTimeFormat): number {
  const o = data.order;
  let y = A4[1] - MARGIN - 8;
  page.drawText(printable(data.shop.name), { x: MARGIN, y, size: 18, font: doc.bold, color: INK });
  for (const line of shopLines(data.shop)) {
    y -= 13;
    page.drawText(printable(line), { x: MARGIN, y, size: 9, font: doc.regular, color: MUTED });
  }
  drawBarcode(page, doc.regular, barcodeModel("code128", o.order_number), {
    x: A4[0] - MARGIN - 190,
    y: A4[1] - MARGIN - 48,
    width: 190,
    height: 44,
  });
  y -= 34;
  page.drawText("INVOICE", { x: MARGIN, y, size: 14, font: doc.bold, color: INK });
  y -= 18;
  const facts: [string, string][] = [
    ["Order", o.order_number],
    ["Date", when.format(new Date(o.created_at))],
    ["Status", o.status],
    ["Cashier", o.cashier ? (o.cashier.full_name ?? o.cashier.username) : String(o.user_id)],
    [
      "Customer",
      o.customer
        ? `${o.customer.first_name} ${o.customer.last_name}${o.customer.email ? ` <${o.customer.email}>` : ""}`
        : "Walk-in customer",
    ],
  ];
  for (const [label, value] of facts) {
    page.drawText(label, { x: MARGIN, y, size: 9, font: doc.bold, color: MUTED });
    page.drawText(fitText(doc.regular, value, 9, 420), { x: MARGIN + 70, y, size: 9, font: doc.regular, color: INK });
    y -= 13;
  }
  return y - 14;
}

function tableHeader(doc: Doc, page: PDFPage, y: number): number {
  const size = 8;
  page.drawText("ITEM", { x: COLUMNS.item, y, size, font: doc.bold, color: MUTED });
  page.drawText("SKU", { x: COLUMNS.sku, y, size, font: doc.bold, color: MUTED });
  textRight(page, doc.bold, "QTY", COLUMNS.qty, y, size);
  textRight(page, doc.bold, "UNIT PRICE", COLUMNS.unit, y, size);
  textRight(page, doc.bold, "DISCOUNT", COLUMNS.discount, y, size);
  textRight(page, doc.bold, "SUBTOTAL", COLUMNS.subtotal, y, size);
  page.drawLine({
    start: { x: MARGIN, y: y - 5 },
    end: { x: COLUMNS.subtotal, y: y - 5 },
    thickness: 0.5,
    color: MUTED,
  });
  return y - 20;
}

function footer(doc: Doc, page: PDFPage, pageNumber: number, orderNumber: string) {
  page.drawText(`${orderNumber} · page ${pageNumber}`, { x: MARGIN, y: 28, size: 7, font: doc.regular, color: MUTED });
}
