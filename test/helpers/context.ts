/** A service context for calling services directly, with whatever a test replaces. */
import { env } from "cloudflare:workers";
import { type ContextOptions, createServiceContext, type ServiceContext } from "../../src/services/context";
import { storeScope } from "./stores";

/**
 * Work deferred by the service is dropped (as a test has no response to run
 * it after), unless `waitUntil` is given. Acts on store 1 (MAIN) unless
 * `options.store` says otherwise.
 */
export async function testContext(options: ContextOptions & { storeId?: number } = {}): Promise<ServiceContext> {
  const { storeId, ...rest } = options;
  return createServiceContext(env, {
    waitUntil: () => undefined,
    ...rest,
    store: rest.store ?? (await storeScope(storeId)),
  });
}
