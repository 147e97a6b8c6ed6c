/**
 * `npm run orders:reindex [-- --store CODE …] [--state DIR | --remote]`: fills the head
 * office's order index (README "Orders") from every store's orders, for the
 * orders written before the stores' order.created / order.changed triggers
 * existed (their events will never come). Safe to repeat and to run while
 * stores sell: the index is keyed by order, and each snapshot written here
 * carries the store's outbox high-water mark as its seq, so an event written
 * after the read wins and one written before cannot move an order back
 * (src/db/order-index.ts `reindexStoreOrders`).
 *
 * Local (default): the databases `wrangler dev` keeps (scripts/lib/local-chain.ts),
 * or those under --state DIR.
 * --remote: the deployed databases, each statement through
 * `wrangler d1 execute <BINDING> --remote --json` (slower: one wrangler run
 * per statement, three per 200 orders).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { reindexStoreOrders } from "../src/db/order-index";
import { openLocalChain } from "./lib/local-chain";
import { ROOT } from "./lib/local-d1";

const { values } = parseArgs({
  options: {
    remote: { type: "boolean", default: false },
    store: { type: "string", multiple: true },
    state: { type: "string" },
  },
});

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const run = promisify(execFile);

/** A bound value as an SQL literal (remote statements are sent as text: wrangler's --command binds nothing). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`cannot send ${typeof value} as an SQL literal`);
}

/**
 * The few D1 calls the reindex makes (prepare → bind → all / first / run),
 * against a deployed database through wrangler.
 */
function remoteD1(binding: string): D1Database {
  const execute = async (sql: string, params: unknown[]): Promise<unknown[]> => {
    const text = sql.replace(/\?(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
    const { stdout } = await run(
      process.execPath,
      [WRANGLER, "d1", "execute", binding, "--remote", "--json", "--command", text],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    const answer = JSON.parse(stdout) as { results?: unknown[]; success?: boolean }[];
    if (!answer[0]?.success) throw new Error(`${binding}: ${stdout.slice(0, 500)}`);
    return answer[0].results ?? [];
  };
  const prepare = (sql: string) => {
    let params: unknown[] = [];
    const statement = {
      bind: (...values: unknown[]) => {
        params = values;
        return statement;
      },
      all: async () => ({ results: await execute(sql, params), success: true }),
      first: async () => (await execute(sql, params))[0] ?? null,
      run: async () => ({ results: await execute(sql, params), success: true }),
    };
    return statement;
  };
  return { prepare } as unknown as D1Database;
}

interface StoreRow {
  id: number;
  code: string;
  binding: string;
}

const local = values.remote ? undefined : await openLocalChain(values.state ? path.resolve(values.state) : undefined);
try {
  const databaseOf = (binding: string): D1Database | undefined =>
    local ? local.databases[binding] : remoteD1(binding);
  const hq = databaseOf("DB");
  if (!hq) throw new Error("no head office database (DB) in wrangler.toml");
  const { results: stores } = await hq.prepare("SELECT id, code, binding FROM stores ORDER BY id").all<StoreRow>();
  const wanted = values.store?.map((code) => code.toUpperCase());
  const unknown = wanted?.filter((code) => !stores.some((s) => s.code === code)) ?? [];
  if (unknown.length) throw new Error(`no such store: ${unknown.join(", ")}`);
  let failed = 0;
  for (const store of stores.filter((s) => !wanted || wanted.includes(s.code))) {
    const d1 = databaseOf(store.binding);
    if (!d1) {
      console.error(`${store.code}: no database bound as ${store.binding} in wrangler.toml; skipped`);
      failed++;
      continue;
    }
    const started = Date.now();
    const indexed = await reindexStoreOrders(
      hq,
      { id: store.id, d1 },
      {
        now: () => new Date(),
        onChunk: (done) => process.stdout.isTTY && process.stdout.write(`\r${store.code}: ${done} orders`),
      },
    );
    if (process.stdout.isTTY) process.stdout.write("\r");
    console.log(`${store.code}: ${indexed} orders indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const { results } = await hq.prepare("SELECT COUNT(*) AS n FROM order_index").all<{ n: number }>();
  console.log(`order index: ${results[0]?.n ?? 0} orders${values.remote ? " (remote)" : ""}`);
  if (failed) process.exitCode = 1;
} finally {
  await local?.dispose();
}
