/**
 * Where rendered email goes, chosen by EMAIL_TRANSPORT:
 * - log: writes the message to R2 outbox/<dedupe key>.json (local default);
 * - http: POSTs it to an email API (EMAIL_HTTP_URL, bearer EMAIL_HTTP_KEY),
 *   with the dedupe key as Idempotency-Key;
 * - send_email: the Workers send_email binding (SEND_EMAIL).
 */
import type { Bindings } from "../env";
import { appConfig } from "../lib/config";
import type { EmailMessage } from "./email-messages";
import type { RenderedEmail } from "./email-render";

export type EmailTransport = (message: EmailMessage, email: RenderedEmail) => Promise<void>;

interface SendEmailBinding {
  send(message: unknown): Promise<void>;
}

export function transportFor(env: Bindings): EmailTransport {
  const { from, transport: mode, httpUrl, httpKey } = appConfig(env).email;
  if (mode === "http" && httpUrl) {
    return async (message, email) => {
      const res = await fetch(httpUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${httpKey ?? ""}`,
          "Idempotency-Key": message.dedupe_key,
        },
        body: JSON.stringify({ from, to: message.to, subject: email.subject, text: email.text, html: email.html }),
      });
      if (!res.ok) throw new Error(`email API answered ${res.status}`);
    };
  }
  if (mode === "send_email") {
    return async (message, email) => {
      const binding = (env as { SEND_EMAIL?: SendEmailBinding }).SEND_EMAIL;
      if (!binding) throw new Error("EMAIL_TRANSPORT=send_email needs a SEND_EMAIL binding");
      const { EmailMessage: CfEmailMessage } = await import("cloudflare:email");
      const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
      const mime = [
        `From: ${from}`,
        `To: ${message.to}`,
        `Subject: ${email.subject}`,
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "",
        email.text,
      ].join("\r\n");
      await binding.send(new CfEmailMessage(address, message.to, mime));
    };
  }
  return async (message, email) => {
    await env.FILES.put(
      `outbox/${encodeURIComponent(message.dedupe_key)}.json`,
      JSON.stringify(
        {
          from,
          to: message.to,
          kind: message.kind,
          ...email,
          dedupe_key: message.dedupe_key,
          at: new Date().toISOString(),
        },
        null,
        2,
      ),
      { httpMetadata: { contentType: "application/json" } },
    );
  };
}
