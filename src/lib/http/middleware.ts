/** Cross-cutting middleware the app installs once, in front of every route. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { setMetric } from "hono/timing";
import type { AppEnv } from "../../env";
import { createServiceContext } from "../../services/context";
import { appConfig, corsOrigins } from "../config";
import { ApiError } from "../errors";
import { log } from "../log";
import { clientAddress } from "./client-address";

export const MAX_BODY_BYTES = 1024 * 1024;

/** Rejects bodies over `maxBytes` with the standard 413, before anything parses them. */
export const limitBody = (maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `Request body is larger than ${maxBytes} bytes`);
    },
  });

/** CORS for the origins listed in the CORS_ORIGINS var; other origins get no CORS headers. */
export const corsFromConfig = (): MiddlewareHandler<AppEnv> => {
  // One CORS handler per parsed config, i.e. per isolate.
  const handlers = new WeakMap<string[], MiddlewareHandler>();
  return async function corsFromConfigMiddleware(c, next) {
    const origins = corsOrigins(c.env);
    let handler = handlers.get(origins);
    if (!handler) {
      const allowed = new Set(origins);
      handler = cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allowHeaders: [
          "Authorization",
          "Content-Type",
          "Idempotency-Key",
          "If-Match",
          "X-Request-Id",
          "X-Bootstrap-Token",
          "X-Store-Id",
          "X-D1-Bookmark",
        ],
        exposeHeaders: ["X-Request-Id", "Retry-After", "Idempotent-Replayed", "ETag", "X-D1-Bookmark"],
        maxAge: 600,
      });
      handlers.set(origins, handler);
    }
    return handler(c, next);
  };
};

/**
 * Parses and validates the configuration before anything else runs (once per
 * isolate; a cached lookup after that), so a malformed setting fails every
 * request with a log line naming it rather than some requests much later.
 */
export const loadConfig = (): MiddlewareHandler<AppEnv> =>
  async function loadConfigMiddleware(c, next) {
    appConfig(c.env);
    await next();
  };

/** What a D1 bookmark looks like (hex groups and dashes); anything else is ignored, not an error. */
const BOOKMARK = /^[0-9a-f]{1,32}(-[0-9a-f]{1,32}){0,8}$/i;

/**
 * Builds the request's service context, which handlers pass to services
 * (`c.var.ctx`). Head-office reads go through a D1 session (read
 * replication): a client that sends back the `X-D1-Bookmark` of its last
 * answer reads at least its own writes; without one any replica answers.
 */
export const attachServices = (): MiddlewareHandler<AppEnv> =>
  async function attachServicesMiddleware(c, next) {
    const sent = c.req.header("X-D1-Bookmark");
    const ctx = createServiceContext(c.env, {
      waitUntil: (work) => c.executionCtx.waitUntil(work),
      hqSession: { bookmark: sent && BOOKMARK.test(sent) ? sent : null },
      caller: () => c.get("user"),
      request: { clientAddress: clientAddress(c), requestId: c.get("requestId") ?? null },
      ...(appConfig(c.env).debug ? { mark: (phase: string, ms: number) => setMetric(c, phase, ms) } : {}),
    });
    c.set("ctx", ctx);
    await next();
    const bookmark = ctx.hqBookmark();
    if (bookmark) c.header("X-D1-Bookmark", bookmark);
  };

/** One JSON log line per request, with the request id and the caller when known. */
export const requestLog = (): MiddlewareHandler<AppEnv> =>
  async function requestLogMiddleware(c, next) {
    const started = Date.now();
    await next();
    log(c.env, c.res.status >= 500 ? "error" : "info", "request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Date.now() - started,
      user_id: c.get("user")?.id,
    });
  };
