/**
 * Text and HTML for each kind of email. Data comes fresh from D1 at send
 * time; a store's emails carry its name (a receipt's store is its order's).
 */
import { dbFor } from "../db/client";
import { findStore, storeOfId } from "../db/stores";
import type { Bindings } from "../env";
import { appConfig } from "../lib/config";
import { createServiceContext } from "../services/context";
import { invoiceLink, receiptText } from "../services/order-documents";
import { scopeOf } from "../stores/scope";
import type { EmailMessage } from "./email-messages";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html><body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:640px"><h2>${esc(title)}</h2>${body}</body></html>`;

/** The system itself reads orders for emails (every order is visible to it). */
const SYSTEM = { id: 0, username: "system", role: "admin" as const };

export async function renderEmail(env: Bindings, message: EmailMessage): Promise<RenderedEmail> {
  switch (message.kind) {
    case "receipt": {
      const orderId = Number(message.data.order_id);
      const store = await findStore(dbFor(env.DB), storeOfId(orderId));
      if (!store) throw new Error(`receipt for order ${orderId}: no store ${storeOfId(orderId)}`);
      const ctx = createServiceContext(env, { store: scopeOf(env, store) });
      const { order, text: receipt } = await receiptText(ctx, SYSTEM, orderId);
      // Emailed links live as long as links may: seven days.
      const link = await invoiceLink(ctx, SYSTEM, orderId, {
        origin: appConfig(env).publicBaseUrl,
        linkTtlSeconds: 7 * 24 * 3600,
      });
      return {
        subject: `Your receipt from ${store.name} (${order.order_number})`,
        text: `${receipt}\nInvoice (PDF, link valid until ${link.expires_at}):\n${link.url}\n`,
        html: page(
          `Thank you for shopping at ${store.name}`,
          `<pre style="font-size:13px">${esc(receipt)}</pre><p><a href="${esc(link.url)}">Download your invoice (PDF)</a></p>`,
        ),
      };
    }
    case "low_stock": {
      const d = message.data as { name: string; sku: string; stock: number; minimum: number; store?: { name: string } };
      const at = d.store ? ` at ${d.store.name}` : "";
      const text = `${d.name} (${d.sku}) is down to ${d.stock}${at}; its minimum is ${d.minimum}. Time to reorder.`;
      return { subject: `Low stock${at}: ${d.name}`, text, html: page("Low stock", `<p>${esc(text)}</p>`) };
    }
    case "daily_report": {
      const d = message.data as {
        date: string;
        summary: Record<string, number>;
        shifts?: {
          z_number: number;
          drawer: string;
          cashier: string;
          expected: number;
          counted: number;
          variance: number;
          variance_reason: string | null;
        }[];
        url?: string;
        store?: { name: string };
      };
      const lines = Object.entries(d.summary ?? {}).map(([k, v]) => `${k.replaceAll("_", " ")}: ${v}`);
      // The day's closed shifts, one line each (messages queued before shifts existed have none).
      const shifts = (d.shifts ?? []).map(
        (z) =>
          `Z ${z.z_number} ${z.drawer} (${z.cashier}): expected ${z.expected.toFixed(2)}, counted ${z.counted.toFixed(2)}, variance ${z.variance.toFixed(2)}${z.variance_reason ? ` (${z.variance_reason})` : ""}`,
      );
      const shiftText = shifts.length ? `\nShifts closed:\n${shifts.join("\n")}\n` : "";
      const text = `Daily report for ${d.date}\n\n${lines.join("\n")}\n${shiftText}${d.url ? `\nFull report: ${d.url}\n` : ""}`;
      const shiftHtml = shifts.length
        ? `<h3>Shifts closed</h3><ul>${shifts.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`
        : "";
      return {
        subject: `Daily report ${d.date} — ${d.store?.name ?? appConfig(env).appName}`,
        text,
        html: page(
          `Daily report ${d.date}`,
          `<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>${shiftHtml}${d.url ? `<p><a href="${esc(d.url)}">Full report</a></p>` : ""}`,
        ),
      };
    }
    case "password_changed": {
      const text = `Your ${appConfig(env).appName} password was changed at ${String(message.data.at)}. If this was not you, tell an administrator at once.`;
      return { subject: "Your password was changed", text, html: page("Password changed", `<p>${esc(text)}</p>`) };
    }
    case "webhook_disabled": {
      // An endpoint failed for days and was switched off (src/webhooks/health.ts): its admins re-enable it.
      const d = message.data as { endpoint_id: number; url: string; failing_since: string; reason: string };
      const text = `Webhook endpoint ${d.endpoint_id} (${d.url}) has been disabled: ${d.reason}. It has failed every delivery since ${d.failing_since}; its pending deliveries were marked dead. Fix the receiver, then re-activate it (PUT /api/v1/webhook-endpoints/${d.endpoint_id} with is_active true) and redeliver what it missed (POST /api/v1/webhook-deliveries/{id}/redeliver).`;
      return {
        subject: `Webhook endpoint disabled: ${d.url}`,
        text,
        html: page("Webhook endpoint disabled", `<p>${esc(text)}</p>`),
      };
    }
  }
}
