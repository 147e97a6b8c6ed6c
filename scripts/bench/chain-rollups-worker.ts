/**
 * Runs inside workerd (bundled by chain-rollups.ts): rebuilds one store's
 * rollups for a range of local dates with the Worker's own rebuildRollups,
 * next to its D1 bindings. From Node every D1 call crosses Miniflare's
 * loopback (tens of ms each on a busy machine, a quarter of a second per
 * store-day); in the isolate a store-day costs what the daily job pays.
 */
import { type RollupStore, rebuildRollups } from "../../src/services/rollups";

interface RebuildRequest {
  store: Omit<RollupStore, "d1"> & { binding: string };
  from: string;
  to: string;
}

export default {
  async fetch(request: Request, env: Record<string, D1Database>): Promise<Response> {
    const { store, from, to } = (await request.json()) as RebuildRequest;
    const d1 = env[store.binding];
    const hq = env.DB;
    if (!d1 || !hq) return new Response(`no binding ${store.binding}`, { status: 400 });
    const { binding: _binding, ...identity } = store;
    const summary = await rebuildRollups(hq, [{ ...identity, d1 }], { from, to });
    return Response.json(summary);
  },
};
