/**
 * `npm run bench` (or `npm run bench -- --quick`): builds the Worker, runs it
 * on Miniflare against a prepared local database, drives each scenario over
 * HTTP with autocannon after a warm-up, prints a table with each scenario's
 * ratio to GET /health from the same run, and writes bench/results.json.
 * `--stores=N` runs the chain under load instead (chain.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/local-d1";
import { edgeLatency, printEdgeTable } from "./edge";
import { clientEncoding, type LoadResult, runLoad } from "./load";

import { loadCheck } from "./load-check";
import { catalogScenarios } from "./scenarios/catalog";
import { invoiceOrders, invoiceScenarios } from "./scenarios/invoices";
import { orderScenarios, sellingProductIds } from "./scenarios/orders";
import { openBenchShift, paymentScenarios, pendingOrders } from "./scenarios/payments";
import { reportScenarios } from "./scenarios/reports";
import { systemScenarios } from "./scenarios/system";
import { prepareState, withStateDb } from "./state";
import { buildBundle, startWorker } from "./worker";

const quick = process.argv.includes("--quick");
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const products = quick ? 20_000 : 100_000;
const historyArg = process.argv.find((arg) => arg.startsWith("--history="))?.slice("--history=".length);
const historyLines = historyArg ? Number(historyArg) : quick ? 50_000 : 1_000_000;
const seconds = quick ? 1 : 6;
const rttArg = process.argv.find((arg) => arg.startsWith("--rtt="))?.slice("--rtt=".length);
const rtt = rttArg === undefined ? 0 : Number(rttArg);
if (!Number.isFinite(rtt) || rtt < 0) throw new Error(`--rtt takes a number of milliseconds, not "${rttArg}"`);

export interface BenchContext {
  url: string;
  token: string;
  cashierToken: string;
  products: number;
  seconds: number;
  quick: boolean;
}

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

// --stores=N: the chain under load (chain.ts) instead of the scenarios.
const storesArg = process.argv.find((arg) => arg.startsWith("--stores="))?.slice("--stores=".length);
if (storesArg !== undefined) {
  const { chainBench } = await import("./chain");
  await chainBench(Number(storesArg), quick);
  process.exit(0);
}

const started = Date.now();
const at = () => `[${((Date.now() - started) / 1000).toFixed(1)} s]`;
console.log(`bench: ${quick ? "quick" : "full"} mode, ${products} products, ${historyLines} order lines of history`);
console.log("building the Worker (wrangler deploy --dry-run)...");
await buildBundle();
// BENCH_STATE_DIR runs against a copy elsewhere (e.g. on tmpfs, to separate disk stalls from compute).
const stateDir = process.env.BENCH_STATE_DIR ?? (await prepareState(products, historyLines));

console.log(`${at()} worker built, database ready`);
const { mf, url } = await startWorker(stateDir, rtt > 0 ? { SIMULATED_RTT_MS: String(rtt) } : {});
try {
  const ctx: BenchContext = {
    url,
    token: await login(url, "admin", "admin123"),
    cashierToken: await login(url, "cashier1", "cashier123"),
    products,
    seconds,
    quick,
  };
  const selling = await withStateDb(stateDir, (db) => sellingProductIds(db, 500));
  if (rtt > 0) {
    // --rtt measures round trips only (README "Speed at the edge"); the usual table is a run without it.
    const figures = await edgeLatency(ctx, selling, rtt);
    printEdgeTable(figures, rtt);
    const out = path.join(ROOT, "bench/out/results-rtt.json");
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), rtt_ms: rtt, figures }, null, 2)}\n`);
    console.log(`results written to ${path.relative(ROOT, out)}`);
  }
  if (rtt === 0) await usualTable(ctx, selling);
} finally {
  await mf.dispose();
}

/** The usual run: every scenario under load, the load-without-loss check, the table, results.json. */
async function usualTable(ctx: BenchContext, selling: number[]) {
  // Setup only for the scenarios --only selects (matched on their names, as the filter below).
  const selects = (name: string) => !only || name.includes(only);
  const wantInvoices = selects("invoice render (30 lines)") || selects("invoice (stored, reused)");
  const invoiceIds = wantInvoices ? await invoiceOrders(ctx, selling, quick ? 20 : 60) : [];
  const wantPayments = selects("payment (pays an order in full)");
  const toPay = wantPayments ? await pendingOrders(ctx, selling, quick ? 300 : 1500) : [];
  const wantCash = selects("cash payment on an open shift (change due)");
  if (wantCash) await openBenchShift(ctx);
  const toPayInCash = wantCash ? await pendingOrders(ctx, selling, quick ? 300 : 1500) : [];
  const scenarios = [
    ...systemScenarios(ctx),
    ...catalogScenarios(ctx),
    ...orderScenarios(ctx, selling),
    ...invoiceScenarios(ctx, invoiceIds),
    ...paymentScenarios(ctx, toPay, toPayInCash),
    ...reportScenarios(ctx),
  ].filter((s) => selects(s.name));
  console.log(`${at()} scenario data ready`);
  const results: LoadResult[] = [];
  for (const scenario of scenarios) {
    // Warm-up: JIT, isolate caches, SQLite page cache.
    // (autocannon counts whole seconds, so the quick mode warms up by a number of requests.)
    if (scenario.warmupSeconds === undefined && quick) await runLoad({ ...scenario, amount: scenario.connections * 2 });
    else if (scenario.warmupSeconds !== 0)
      await runLoad({ ...scenario, seconds: scenario.warmupSeconds ?? 1, amount: undefined });

    const result = await runLoad(scenario);
    results.push(result);
    console.log(`${at()} ${result.name}: ${result.rps} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
  }
  const wantLoad = !only || "load".includes(only);
  const load = wantLoad ? await loadCheck(ctx, quick ? 400 : 2000, 50) : null;
  if (load) {
    console.log(
      `\nload without loss: ${load.orders} orders from ${load.clients} clients in ${load.seconds.toFixed(1)} s: ${JSON.stringify(load.statuses)}`,
    );
    for (const check of load.checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name} (${check.detail})`);
  }
  const health = results.find((r) => r.name === "GET /health")?.rps ?? 0;
  const rows = results.map((r) => ({ ...r, ratio_to_health: health ? Number((r.rps / health).toFixed(3)) : null }));

  console.log("");
  console.log("| scenario | conns | req/s | p50 ms | p99 ms | max ms | non-2xx | × /health |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.connections} | ${r.rps} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.non_2xx + r.errors} | ${r.ratio_to_health ?? "-"} |`,
    );
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nmachine: ${machine}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // Only a complete full run on the bench's own state replaces the committed results (README's table).
  const partial = Boolean(only || historyArg || process.env.BENCH_STATE_DIR || clientEncoding === null);
  const out = path.join(
    ROOT,
    partial ? "bench/out/results-partial.json" : quick ? "bench/out/results-quick.json" : "bench/results.json",
  );
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), mode: quick ? "quick" : "full", machine, products, history_lines: historyLines, accept_encoding: clientEncoding ?? "none", results: rows, load }, null, 2)}\n`,
  );
  console.log(`results written to ${path.relative(ROOT, out)}`);
}
