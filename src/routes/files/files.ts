/**
 * GET /files/<key>?expires=&sig= — R2 objects behind signed links, no bearer
 * token. The signature covers the key and the expiry; anything changed, or an
 * expired link, is a 403. Only the prefixes links are made for are served
 * (LINKABLE_PREFIXES); any other key is a 404, whatever its signature.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { documentsConfig } from "../../lib/config";
import { ApiError } from "../../lib/errors";
import { isLinkable, verifyLink } from "../../lib/signed-links";

export const filesRouter = new Hono<AppEnv>({ strict: false });

/** The R2 key of a link's path; a malformed escape (e.g. %E0) is a broken link, not a 500. */
function decodeKey(path: string): string {
  try {
    return path
      .split("/")
      .map((segment) => decodeURIComponent(segment))
      .join("/");
  } catch {
    throw new ApiError("LINK_INVALID", "This link is invalid or has expired");
  }
}

filesRouter.get("/files/*", async (c) => {
  const key = decodeKey(c.req.path.slice("/files/".length));
  const expires = Number(c.req.query("expires"));
  const sig = c.req.query("sig") ?? "";
  // Before the signature: a leaked secret must not open backups/ or outbox/.
  if (!isLinkable(key)) throw new ApiError("NOT_FOUND", "File not found");
  const config = documentsConfig(c.env);
  if (!key || !(await verifyLink(config.signingSecret, key, expires, sig))) {
    throw new ApiError("LINK_INVALID", "This link is invalid or has expired");
  }
  const object = await c.env.FILES.get(key, { onlyIf: c.req.raw.headers });
  if (!object) throw new ApiError("NOT_FOUND", "File not found");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  // Cacheable by the browser only, and never beyond the link's own expiry.
  const maxAge = Math.max(0, expires - Math.floor(Date.now() / 1000));
  headers.set("Cache-Control", `private, max-age=${maxAge}`);
  headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'");
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
});
