/**
 * `npm run bench -- --stores=20 [--quick]` (README "Chain under load"): the
 * Worker's bundle on Miniflare with a chain of N local store databases and
 * the head office (chain-state.ts), a year of history and its daily rollups
 * at every store (chain-rollups.ts), then, in one run on one machine:
 * - order throughput spread over the stores against one store (target ≥ 0.9×);
 * - load without loss per store and chain-wide (chain-load-check.ts);
 * - the chain's 365-day sales report from the rollups against one store's
 *   30 days (target ≤ 2×), and the same chain figures summed from the live
 *   store databases.
 * Prints a table with the ratios and targets; writes bench/out/results-chain.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { ROOT } from "../lib/local-d1";
import { chainLoadCheck } from "./chain-load-check";
import { chainReports } from "./chain-reports";
import { buildChainRollups } from "./chain-rollups";
import {
  CHAIN_SELLING,
  type ChainPlan,
  chainEntries,
  chainStores,
  prepareChainState,
  storeCashier,
} from "./chain-state";
import { throughput } from "./chain-throughput";
import { sellingProductIds } from "./scenarios/orders";
import { buildBundle, startWorker } from "./worker";

export const TARGETS = { throughput: 0.9, report: 2 } as const;

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function chainPlan(stores: number, quick: boolean): ChainPlan {
  // Quick: ~41 lines a day per store (15,000 a year); full: ~300 a day (110,000 a year).
  return { stores, products: quick ? 5_000 : 20_000, linesPerStore: quick ? 15_000 : 110_000, days: 365 };
}

export async function chainBench(storeCount: number, quick: boolean) {
  if (!Number.isInteger(storeCount) || storeCount < 2 || storeCount > 99) {
    throw new Error(`--stores takes a number of stores from 2 to 99, not "${storeCount}"`);
  }
  const started = Date.now();
  const at = () => `[${((Date.now() - started) / 1000).toFixed(1)} s]`;
  const plan = chainPlan(storeCount, quick);
  const stores = chainStores(storeCount);
  console.log(
    `chain bench: ${quick ? "quick" : "full"} mode, ${storeCount} stores, ${plan.products} products, ${plan.linesPerStore} order lines of history per store over ${plan.days} days`,
  );
  console.log("building the Worker (wrangler deploy --dry-run)...");
  await buildBundle();
  const { stateDir, built } = await prepareChainState(plan);
  console.log(`${at()} chain ready: ${JSON.stringify(built)}`);
  const rollups = await buildChainRollups(stateDir, stores, plan.days);
  console.log(`${at()} rollups: ${rollups.store_days} store-days built in ${rollups.seconds.toFixed(1)} s`);

  const d1Databases = Object.fromEntries(chainEntries(storeCount).map((e) => [e.binding, e.databaseId]));
  // Throughput on a Worker without the events queue's consumer, as the
  // single-store bench runs: locally the consumer shares the one workerd
  // thread and its backlog grows round after round (in production it runs
  // in invocations of its own). The outbox rows of those orders go to a
  // queue nobody reads: they are the throughput's, not the checks'.
  const first = await startWorker(stateDir, {}, { d1Databases });
  let admin: string;
  const cashiers = new Map<number, string>();
  let orders: Awaited<ReturnType<typeof throughput>>;
  try {
    admin = await login(first.url, "admin", "admin123");
    for (const store of stores) {
      const { username, password } = storeCashier(store);
      cashiers.set(store.id, await login(first.url, username, password));
    }
    const hq = (await first.mf.getD1Database("DB")) as unknown as D1Database;
    const selling = await sellingProductIds(hq, CHAIN_SELLING);
    console.log(`${at()} throughput: 50 clients, one store vs ${storeCount} stores`);
    orders = await throughput(
      first.url,
      cashiers,
      stores,
      selling,
      { seconds: quick ? 5 : 7, rounds: quick ? 4 : 3 },
      console.log,
    );
  } finally {
    await first.mf.dispose();
  }

  // The checks and the reports on a Worker with the consumer (the order index is kept by it).
  const { mf, url } = await startWorker(
    stateDir,
    {},
    { d1Databases, queueConsumers: { "pos-events": { maxBatchSize: 50, maxBatchTimeout: 1 } } },
  );
  try {
    const databases = async (binding: string) => (await mf.getD1Database(binding)) as unknown as D1Database;
    // The throughput's orders wrote outbox rows whose sends found no consumer and
    // failed: left unsent, every later commit at their store (and each sweep) would
    // send those oldest rows first, and the load check's events would queue behind
    // thousands of them. They are the throughput's, not the checks': marked sent.
    for (const store of stores) {
      const db = await databases(store.binding);
      await db.prepare("UPDATE outbox SET sent_at = ?1 WHERE sent_at IS NULL").bind(new Date().toISOString()).run();
    }
    console.log(`${at()} load without loss over ${storeCount} stores`);
    const loadStarted = Date.now();
    const worker = await mf.getWorker();
    const sweep = async () => {
      // CRON_OUTBOX_SWEEP of src/jobs/crons.ts (which imports every job: not loaded here).
      await worker.scheduled({ cron: "*/5 * * * *", scheduledTime: new Date() });
    };
    const load = await chainLoadCheck({ url, admin, cashiers }, stores, databases, sweep, quick ? 400 : 2000, 50);
    console.log(
      `  ${load.orders} orders from ${load.clients} clients in ${load.seconds.toFixed(1)} s: ${JSON.stringify(load.statuses)}`,
    );
    for (const check of load.checks) console.log(`  ${check.ok ? "ok  " : "FAIL"} ${check.name} (${check.detail})`);

    // The load's products' stock objects (10 per store) run their first alarms a
    // minute after their first sale: the latencies are measured after those.
    const quiet = loadStarted + 75_000 - Date.now();
    if (quiet > 0) {
      console.log(`${at()} waiting ${Math.round(quiet / 1000)} s for the load's stock objects' first alarms`);
      await new Promise((resolve) => setTimeout(resolve, quiet));
    }
    console.log(`${at()} reports`);
    const reports = await chainReports(url, admin, stores, quick ? 9 : 21, console.log);

    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    console.log("");
    console.log("| measure | figure | ratio | target | |");
    console.log("| --- | ---: | ---: | ---: | --- |");
    console.log(`| orders/s, one store (50 clients) | ${orders.one_store_rps} | | | |`);
    console.log(
      `| orders/s, ${storeCount} stores (50 clients) | ${orders.chain_rps} | ${orders.ratio} × one store | ≥ ${TARGETS.throughput} | ${verdict(orders.ratio >= TARGETS.throughput)} |`,
    );
    console.log(`| p50 ms, one store sales 30 days by day | ${reports.one_store_30.p50_ms} | | | |`);
    console.log(
      `| p50 ms, chain sales 365 days by day (rollups, ${storeCount} stores) | ${reports.chain_day.p50_ms} | ${reports.ratio} × one store 30 days | ≤ ${TARGETS.report} | ${verdict(reports.ratio <= TARGETS.report)} |`,
    );
    console.log(
      `| p50 ms, chain sales 365 days by month (rollups) | ${reports.chain_month.p50_ms} | ${(reports.chain_month.p50_ms / reports.one_store_30.p50_ms).toFixed(3)} × | | |`,
    );
    console.log(
      `| p50 ms, chain sales 365 closed days by day (rollups only, no live day) | ${reports.chain_closed.p50_ms} | ${(reports.chain_closed.p50_ms / reports.one_store_30.p50_ms).toFixed(3)} × | | |`,
    );
    console.log(`| p50 ms, one store sales 365 days by day (live) | ${reports.one_store_365.p50_ms} | | | |`);
    console.log(
      `| p50 ms, chain sales 365 days from the live store databases (${storeCount} reports summed) | ${reports.live_sum.p50_ms} | ${(reports.live_sum.p50_ms / reports.chain_day.p50_ms).toFixed(1)} × rollups | | |`,
    );
    console.log(
      `| rollups' totals = live sum (orders, sales, refunds) | ${reports.totals.equal ? "equal" : "DIFFER"} | | | ${reports.totals.equal ? "ok" : "FAIL"} |`,
    );
    const loadOk = load.checks.every((c) => c.ok);
    console.log(`| load without loss, ${load.checks.length} checks | ${loadOk ? "all ok" : "FAILED"} | | | |`);
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg()[0]?.toFixed(1)}`;
    console.log(`\nmachine: ${machine}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const out = path.join(ROOT, "bench/out/results-chain.json");
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          mode: quick ? "quick" : "full",
          command: `npm run bench -- --stores=${storeCount}${quick ? " --quick" : ""}`,
          machine,
          chain: built,
          rollups,
          targets: TARGETS,
          throughput: { ...orders, rounds: orders.rounds.map((r) => ({ mode: r.mode, ...r.result })) },
          load,
          reports,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`results written to ${path.relative(ROOT, out)}`);
  } finally {
    await mf.dispose();
  }
}
