/**
 * Links to R2 objects that work without a bearer token: `/files/<key>?
 * expires=<unix seconds>&sig=<HMAC-SHA256(key \n expires)>` with a secret of
 * their own (FILE_SIGNING_SECRET). Changing the key, the expiry or the
 * signature, or waiting past the expiry, makes the link fail.
 */

/**
 * The R2 prefixes that links are made for: invoices (GET /orders/{id}/invoice,
 * receipt emails), stored daily reports (the managers' email) and shifts'
 * Z-report PDFs (GET /shifts/{id}/z-report/pdf). `/files`
 * serves nothing else, even under a valid signature, so a leaked signing
 * secret cannot open `backups/` (password and token hashes), `outbox/` or any
 * other key. A new kind of link adds its prefix here; `signedLink` refuses
 * keys outside the list, so a forgotten prefix fails where the link is made.
 */
export const LINKABLE_PREFIXES = ["invoices/", "reports/daily/", "z-reports/"] as const;

export const isLinkable = (key: string) => LINKABLE_PREFIXES.some((prefix) => key.startsWith(prefix));

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

const hmacKey = (secret: string) => {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
};

const toB64Url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const fromB64Url = (text: string): Uint8Array<ArrayBuffer> | null => {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(`${b64}=`), (ch) => ch.charCodeAt(0));
  // Only the canonical spelling is accepted: the last character carries two
  // unused bits, and a link whose spelling differs is a changed link.
  return toB64Url(bytes.buffer) === text ? bytes : null;
};

const payload = (key: string, expires: number) => encoder.encode(`${key}\n${expires}`);

export async function signLink(secret: string, key: string, expires: number): Promise<string> {
  return toB64Url(await crypto.subtle.sign("HMAC", await hmacKey(secret), payload(key, expires)));
}

/** Constant-time check (crypto.subtle.verify) of a link's signature and expiry. */
export async function verifyLink(secret: string, key: string, expires: number, sig: string, now = Date.now()) {
  if (!Number.isSafeInteger(expires) || expires * 1000 < now) return false;
  const bytes = fromB64Url(sig);
  if (!bytes) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), bytes, payload(key, expires));
}

/** `/files/…` path for a key, each segment encoded. */
export const filePath = (key: string) => `/files/${key.split("/").map(encodeURIComponent).join("/")}`;

export interface SignedLink {
  url: string;
  expires_at: string;
}

export async function signedLink(
  origin: string,
  secret: string,
  key: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<SignedLink> {
  if (!isLinkable(key)) throw new Error(`no signed links are served for "${key}" (see LINKABLE_PREFIXES)`);
  const expires = Math.floor(now / 1000) + ttlSeconds;
  const sig = await signLink(secret, key, expires);
  return {
    url: `${origin}${filePath(key)}?expires=${expires}&sig=${sig}`,
    expires_at: new Date(expires * 1000).toISOString(),
  };
}
