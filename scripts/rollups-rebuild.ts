/**
 * `npm run rollups:rebuild -- --from YYYY-MM-DD --to YYYY-MM-DD [--store CODE] [--state DIR] [--remote]`:
 * recomputes the daily rollups of the chain-wide reports (services/rollups.ts,
 * the daily job's own code) for every store (or one) and every local date of
 * the range, each store-day from its store's database in its own time zone,
 * written in one head-office batch that replaces the day: running it twice
 * leaves the same rows. For history from before rollups, a changed store
 * time zone, or a day a lost event left stale.
 *
 * Local by default (the chain `wrangler dev` keeps, scripts/lib/local-chain.ts,
 * or the one under --state DIR);
 * with --remote, the deployed databases through wrangler's remote bindings
 * (a copy of wrangler.toml marking each D1 binding `remote = true`; needs
 * `wrangler login`).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { isDate } from "../src/domain/report-range";
import { type RebuildSummary, type RollupStore, rebuildRollups } from "../src/services/rollups";
import { d1Entries, openLocalChain } from "./lib/local-chain";
import { ROOT } from "./lib/local-d1";

interface StoreRow {
  id: number;
  code: string;
  time_zone: string;
  currency: string;
  binding: string;
  status: string;
}

/**
 * Rebuilds the rollups of `from`..`to` (local dates, both included) of every
 * store whose database is in `databases` (or the one with code `store`), at
 * the head office `databases.DB`. What the script and the chain bench call.
 */
export async function rebuildChainRollups(
  databases: Record<string, D1Database>,
  range: { from: string; to: string; store?: string | undefined },
  onDay?: (code: string, date: string, orders: number) => void,
): Promise<RebuildSummary[]> {
  const hq = databases.DB;
  if (!hq) throw new Error("no head-office database (DB)");
  const { results } = await hq.prepare("SELECT * FROM stores ORDER BY id").all<StoreRow>();
  const picked = results.filter((s) => (range.store ? s.code === range.store : s.status === "active"));
  if (range.store && picked.length === 0) throw new Error(`no store with code ${range.store}`);
  const stores: RollupStore[] = [];
  for (const s of picked) {
    const d1 = databases[s.binding];
    if (!d1) throw new Error(`store ${s.code}: no database for binding ${s.binding}`);
    stores.push({ id: s.id, code: s.code, timeZone: s.time_zone, currency: s.currency, d1 });
  }
  return rebuildRollups(hq, stores, range, (store, date, rollup) => onDay?.(store.code, date, rollup.totals.orders));
}

/** The databases of the deployed chain, through wrangler's remote bindings. */
async function openRemoteChain() {
  const { getPlatformProxy } = await import("wrangler");
  const entries = d1Entries();
  const toml = entries
    .map(
      (e) =>
        `[[d1_databases]]\nbinding = "${e.binding}"\ndatabase_name = "${e.databaseName}"\ndatabase_id = "${e.databaseId}"\nremote = true\n`,
    )
    .join("\n");
  const configPath = path.join(tmpdir(), `rollups-remote-${process.pid}.toml`);
  writeFileSync(configPath, `name = "pos-rollups-rebuild"\ncompatibility_date = "2026-07-01"\n\n${toml}`);
  const proxy = await getPlatformProxy<Record<string, D1Database>>({ configPath, remoteBindings: true });
  return { databases: proxy.env, dispose: () => proxy.dispose() };
}

async function main() {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      store: { type: "string" },
      state: { type: "string" },
      remote: { type: "boolean", default: false },
    },
  });
  const { from, to } = values;
  if (!from || !to || !isDate(from) || !isDate(to) || to < from) {
    console.error(
      "usage: npm run rollups:rebuild -- --from YYYY-MM-DD --to YYYY-MM-DD [--store CODE] [--state DIR] [--remote] (from <= to)",
    );
    process.exit(2);
  }
  process.chdir(ROOT);
  const chain = values.remote
    ? await openRemoteChain()
    : await openLocalChain(values.state ? path.resolve(values.state) : undefined);
  const started = Date.now();
  try {
    const summary = await rebuildChainRollups(chain.databases, { from, to, store: values.store });
    for (const s of summary) console.log(`${s.store.padEnd(8)} ${s.days} days  ${s.orders} orders`);
    const days = summary.reduce((n, s) => n + s.days, 0);
    console.log(`${days} store-days rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await chain.dispose();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
