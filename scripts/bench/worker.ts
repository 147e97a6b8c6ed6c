/**
 * Builds the Worker exactly as `wrangler deploy` would (dry run) and runs the
 * bundle on Miniflare with local D1, so the benchmark hits workerd directly,
 * not `wrangler dev`'s proxy.
 */
import path from "node:path";
import { Miniflare } from "miniflare";
import { d1Entries } from "../lib/local-chain";
import { ROOT } from "../lib/local-d1";
import { wrangler } from "../lib/wrangler";
import { readWranglerBasics } from "../lib/wrangler-config";

export const BUNDLE_DIR = path.join(ROOT, "bench/out/worker");

/** `minify: false` keeps function names readable in CPU profiles (bench:profile). */
export async function buildBundle(options: { minify?: boolean } = {}) {
  const args = ["deploy", "--dry-run", "--outdir", BUNDLE_DIR];
  if (options.minify === false) args.push("--minify=false");
  const code = await wrangler(args, { inherit: false });
  if (code !== 0) throw new Error(`wrangler deploy --dry-run exited with ${code}`);
}

export const BENCH_SECRET = "bench-secret-that-is-long-enough-0123456789";

export async function startWorker(
  stateDir: string,
  extraVars: Record<string, string> = {},
  options: {
    inspectorPort?: number;
    d1Databases?: Record<string, string>;
    /** The events queue's consumer (the chain bench's order index check): none by default. */
    queueConsumers?: Record<string, { maxBatchSize?: number; maxBatchTimeout?: number }>;
  } = {},
) {
  const { d1Databases, ...miniflareOptions } = options;
  const basics = readWranglerBasics();
  const mf = new Miniflare({
    ...miniflareOptions,

    modules: true,
    scriptPath: path.join(BUNDLE_DIR, "index.js"),
    compatibilityDate: basics.compatibilityDate,
    compatibilityFlags: basics.compatibilityFlags,
    bindings: {
      ...basics.vars,
      JWT_SECRET: BENCH_SECRET,
      FILE_SIGNING_SECRET: BENCH_SECRET,
      LOG_LEVEL: "warn",
      ...extraVars,
    },
    // The head office and every store of wrangler.toml, as `wrangler dev` binds them
    // (the chain bench passes its own twenty stores instead: binding → database id).
    d1Databases: d1Databases ?? Object.fromEntries(d1Entries().map((entry) => [entry.binding, entry.databaseId])),
    d1Persist: path.join(stateDir, "d1"),
    // Objects start empty each run and load their counts from D1 on first use.
    durableObjects: { PRODUCT_STOCK: { className: "ProductStock", useSQLite: true } },
    r2Buckets: ["FILES"],
    r2Persist: path.join(stateDir, "r2"),
    queueProducers: { EMAIL_QUEUE: { queueName: "pos-email" }, EVENTS_QUEUE: { queueName: "pos-events" } },
    // wrangler.toml's sign-in rate limit, with a ceiling the login scenario never reaches:
    // the benchmark measures argon2 and D1, not 429s.
    ratelimits: { AUTH_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } } },
    modulesRules: [{ type: "Data", include: ["**/*.ttf"] }],
    host: "127.0.0.1",
    port: 0,
  });
  const url = await mf.ready;
  return { mf, url: url.toString().replace(/\/$/, "") };
}
