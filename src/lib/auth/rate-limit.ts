/**
 * Cloudflare's Workers Rate Limiting binding in front of the sign-in routes:
 * a flood from one address is refused here, before D1 or argon2 run. The
 * binding counts per Cloudflare location and forgets after its period, so it
 * is a guard against bursts; the exact counting is login-throttle.ts in D1.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { ApiError } from "../errors";
import { clientAddress } from "../http/client-address";

/** `simple.period` of AUTH_RATE_LIMITER in wrangler.toml: how long a refused caller should wait at most. */
export const AUTH_RATE_PERIOD_SECONDS = 60;

/**
 * Counts the call against AUTH_RATE_LIMITER, keyed by the client address
 * (login, register, refresh and change-password share one budget). Calls
 * that carry no CF-Connecting-IP come from inside (tests, service bindings)
 * and have no address to key on: only the D1 throttle applies to them.
 *
 * @example
 * createRoute({ method: "post", path: "/login", middleware: [limitAuthCalls()] as const, ... })
 */
export function limitAuthCalls(): MiddlewareHandler<AppEnv> {
  return async function limitAuthCallsMiddleware(c, next) {
    const address = clientAddress(c);
    if (address) {
      const { success } = await c.env.AUTH_RATE_LIMITER.limit({ key: address });
      if (!success) {
        throw new ApiError("RATE_LIMITED", "Too many sign-in requests from this address; try again shortly", {
          headers: { "Retry-After": String(AUTH_RATE_PERIOD_SECONDS) },
        });
      }
    }
    await next();
  };
}
