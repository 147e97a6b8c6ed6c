/**
 * The bench chain's daily rollups, built with the Worker's own code
 * (services/rollups.ts `rebuildRollups`, what `npm run rollups:rebuild`
 * runs): every closed local day of every store, from the first day of its
 * history to its yesterday. Incremental: a store's days after its newest
 * rollup are built, so a later run (on a later day) only adds what closed
 * since. Today stays live, as in production.
 *
 * The rebuild runs inside workerd (chain-rollups-worker.ts, bundled here
 * with esbuild) beside the chain's D1 bindings: called from Node, each D1
 * statement crossed Miniflare's loopback and 7,300 store-days took half an
 * hour on the bench machine.
 */
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { addDays, localDate } from "../../src/domain/time-zone";
import { ROOT } from "../lib/local-d1";
import { readWranglerBasics } from "../lib/wrangler-config";
import { type ChainStore, chainEntries } from "./chain-state";

export interface RollupBuild {
  store_days: number;
  seconds: number;
}

/** Stores rebuilt at once (each a request to the rollup worker; the head office serialises the writes). */
const CONCURRENCY = 4;

export async function buildChainRollups(
  stateDir: string,
  stores: ChainStore[],
  days: number,
  onStore: (code: string, built: number) => void = () => {},
): Promise<RollupBuild> {
  const started = Date.now();
  const bundle = await build({
    entryPoints: [path.join(ROOT, "scripts/bench/chain-rollups-worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["node:*", "cloudflare:*"],
    write: false,
    logLevel: "error",
  });
  const basics = readWranglerBasics();
  const mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]?.text ?? "",
    compatibilityDate: basics.compatibilityDate,
    compatibilityFlags: basics.compatibilityFlags,
    d1Databases: Object.fromEntries(chainEntries(stores.length).map((e) => [e.binding, e.databaseId])),
    d1Persist: path.join(stateDir, "d1"),
  });
  let storeDays = 0;
  try {
    const hq = (await mf.getD1Database("DB")) as unknown as D1Database;
    const { results: newest } = await hq
      .prepare("SELECT store_id, MAX(date) AS last FROM daily_rollups GROUP BY store_id")
      .all<{ store_id: number; last: string }>();
    const { results: rows } = await hq
      .prepare("SELECT id, currency FROM stores")
      .all<{ id: number; currency: string }>();
    const queue = [...stores];
    const worker = async () => {
      for (let store = queue.shift(); store; store = queue.shift()) {
        const yesterday = addDays(localDate(new Date(), store.timeZone), -1);
        const last = newest.find((row) => row.store_id === store?.id)?.last;
        const from = last ? addDays(last, 1) : addDays(yesterday, -(days - 1));
        if (from > yesterday) continue;
        const currency = rows.find((row) => row.id === store?.id)?.currency ?? "USD";
        const res = await mf.dispatchFetch("http://rollups.local/", {
          method: "POST",
          body: JSON.stringify({
            store: { id: store.id, code: store.code, timeZone: store.timeZone, currency, binding: store.binding },
            from,
            to: yesterday,
          }),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`rollups of ${store.code}: ${res.status} ${text}`);
        const built = (JSON.parse(text) as { days: number }[])[0]?.days ?? 0;
        storeDays += built;
        onStore(store.code, built);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await mf.dispose();
  }
  return { store_days: storeDays, seconds: (Date.now() - started) / 1000 };
}
