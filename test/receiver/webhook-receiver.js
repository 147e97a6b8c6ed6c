/**
 * A webhook receiver for the tests (vitest.config.ts starts it as a second
 * Worker and routes the app's outbound fetch to it): it verifies each
 * request's Standard Webhooks signature itself, with WebCrypto and nothing
 * from the app, and records what it got, per path.
 *
 *   PUT  /__secret/<path>    body: the endpoint's secret (whsec_...) to verify <path>'s requests with
 *   POST /<path>             a webhook: recorded; answers 200 "ok" unless the path says otherwise:
 *        .../status/<code>   answers <code>;  .../redirect  answers 302 to another host;
 *        .../big             answers 200 with 1 MiB (the sender must read only the first KB)
 *   GET  /__received/<path>  what <path> got: [{ webhook_id, timestamp, signature, body, verified, matched }]
 *
 * State lives in this isolate; tests use paths of their own.
 */
const secrets = new Map();
const received = new Map();

const fromBase64 = (text) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** How many of the header's v1 signatures `secret` produced (0: not verified). */
async function matchingSignatures(secret, id, timestamp, body, header) {
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64(secret.replace(/^whsec_/, "")),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  let matched = 0;
  for (const candidate of header.split(" ")) {
    const [version, signature] = candidate.split(",");
    if (version !== "v1" || !signature) continue;
    // crypto.subtle.verify compares in constant time.
    if (await crypto.subtle.verify("HMAC", key, fromBase64(signature), signed)) matched++;
  }
  return matched;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__secret/")) {
      secrets.set(url.pathname.slice("/__secret".length), await request.text());
      return new Response("noted");
    }
    if (url.pathname.startsWith("/__received/")) {
      return Response.json(received.get(url.pathname.slice("/__received".length)) ?? []);
    }
    if (request.method !== "POST") return new Response("not a webhook", { status: 405 });

    const body = await request.text();
    const id = request.headers.get("webhook-id") ?? "";
    const timestamp = request.headers.get("webhook-timestamp") ?? "";
    const signature = request.headers.get("webhook-signature") ?? "";
    // The path's secret, or the one of the path it extends (.../status/500 under a registered path).
    const owner = [...secrets.keys()].filter((p) => url.pathname.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    const matched = owner ? await matchingSignatures(secrets.get(owner), id, timestamp, body, signature) : 0;
    const record = {
      webhook_id: id,
      timestamp,
      signature,
      signatures: signature.split(" ").length,
      body,
      verified: matched > 0,
      matched,
      content_type: request.headers.get("content-type"),
    };
    received.set(url.pathname, [...(received.get(url.pathname) ?? []), record]);

    const status = /\/status\/(\d{3})$/.exec(url.pathname);
    if (status) return new Response(`receiver says ${status[1]}`, { status: Number(status[1]) });
    if (url.pathname.endsWith("/redirect")) {
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.example.net/hook" } });
    }
    if (url.pathname.endsWith("/big")) return new Response("x".repeat(1024 * 1024));
    return new Response(`ok ${toBase64(new TextEncoder().encode(id)).slice(0, 8)}`);
  },
};
