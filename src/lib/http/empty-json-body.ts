/**
 * For routes whose JSON body is optional because older clients send
 * everything in the query string (`POST /auth/change-password?old_password=…`,
 * `POST /customers/{id}/loyalty-points?points=120`) or nothing at all
 * (`POST /auth/logout`). Many such clients still send
 * `Content-Type: application/json` with an empty body or `{}`, and
 * @hono/zod-openapi runs the JSON validator whenever the Content-Type says
 * JSON: an empty body is then malformed JSON and `{}` fails the body's
 * required fields, a 422 although nothing was sent.
 *
 * Put this in the route's `middleware`, after authentication: a JSON body
 * that is empty (or only whitespace) or exactly `{}` is dropped together
 * with its Content-Type, so the route sees what a body-less request sees
 * and takes its input from the query string. Any other body is left as it
 * is (already read, so the validator reads it from Hono's cache) and is
 * validated as usual.
 */
import type { MiddlewareHandler } from "hono";

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** True for "", whitespace, and a JSON object with no keys. */
function sendsNothing(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === "") return true;
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return false;
  return trimmed.slice(1, -1).trim() === "";
}

export function emptyJsonBodyAsNone(): MiddlewareHandler {
  return async function emptyJsonBodyAsNoneMiddleware(c, next) {
    const type = c.req.header("Content-Type");
    if (type && JSON_TYPE.test(type) && sendsNothing(await c.req.text())) {
      const raw = c.req.raw;
      const headers = new Headers(raw.headers);
      headers.delete("Content-Type");
      headers.delete("Content-Length");
      c.req.raw = new Request(raw.url, { method: raw.method, headers, cf: raw.cf, signal: raw.signal });
      c.req.bodyCache = {};
    }
    await next();
  };
}
