/** A service context for calling services directly, with whatever a test replaces. */
import { env } from "cloudflare:workers";
import { type ContextOptions, createServiceContext, type ServiceContext } from "../../src/services/context";

/** Work deferred by the service is dropped (as a test has no response to run it after), unless `waitUntil` is given. */
export const testContext = (options: ContextOptions = {}): ServiceContext =>
  createServiceContext(env, { waitUntil: () => undefined, ...options });
