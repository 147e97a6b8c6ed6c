/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): a secret is
 * `whsec_` + base64 of the HMAC key; each request carries `webhook-id`,
 * `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated
 * list of `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one per
 * secret that is valid now (two during a rotation's grace period, so a
 * receiver that still holds the old secret keeps verifying). WebCrypto only.
 */

export const SECRET_PREFIX = "whsec_";
/** Bytes of HMAC key in a new secret (256 bits, as long as SHA-256's output). */
const SECRET_BYTES = 32;

const toBase64 = (bytes: Uint8Array): string => {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
};

const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** A fresh secret: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key of a secret: the base64 after `whsec_` (the prefix is optional, as in the spec's libraries). */
export function secretKey(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return fromBase64(encoded);
}

/** One signature, `v1,<base64>`, of `body` sent as message `id` at `timestamp` (unix seconds). */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretKey(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The `webhook-signature` header: one signature per secret, space-separated. */
export async function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const signatures = await Promise.all(secrets.map((secret) => sign(secret, id, timestamp, body)));
  return signatures.join(" ");
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three Standard Webhooks headers for one request. */
export async function signedHeaders(
  secrets: readonly string[],
  id: string,
  at: Date,
  body: string,
): Promise<SignedHeaders> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signatureHeader(secrets, id, timestamp, body),
  };
}

/**
 * Whether one of the header's `v1` signatures is `secret`'s (what a receiver
 * checks; here for tests and the README's example). Constant-time compare.
 */
export async function verifySignature(secret: string, headers: SignedHeaders, body: string): Promise<boolean> {
  const timestamp = Number(headers["webhook-timestamp"]);
  if (!Number.isInteger(timestamp)) return false;
  const expected = new TextEncoder().encode(await sign(secret, headers["webhook-id"], timestamp, body));
  return headers["webhook-signature"].split(" ").some((candidate) => {
    const got = new TextEncoder().encode(candidate);
    if (got.length !== expected.length) return false;
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff |= (got[i] ?? 0) ^ (expected[i] ?? 0);
    return diff === 0;
  });
}
