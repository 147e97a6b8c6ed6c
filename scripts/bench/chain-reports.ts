/**
 * Chain-wide reports against the single-store one, one client at a time
 * (their targets are latencies): the chain's sales for 365 days by day and
 * by month (store_id=all: closed days from the rollups, today live from every
 * store) against one store's 30 days by day, p50 over several runs each; and
 * the same 365 days computed the way there would be without rollups: the
 * single-store report at each store, summed (six stores at a time, as the
 * chain report reads its live part), timed as a whole, its totals checked
 * against the rollups' answer.
 */
import type { ChainStore } from "./chain-state";

export interface LatencyFigure {
  name: string;
  path: string;
  runs: number;
  p50_ms: number;
  min_ms: number;
  max_ms: number;
}

export interface ReportFigures {
  chain_day: LatencyFigure;
  chain_month: LatencyFigure;
  chain_closed: LatencyFigure;
  one_store_30: LatencyFigure;
  one_store_365: LatencyFigure;
  live_sum: LatencyFigure;
  breakdown: LatencyFigure[];
  ratio: number;
  totals: { rollups: SalesTotals; live_sum: SalesTotals; equal: boolean };
}

interface SalesTotals {
  orders: number;
  total_sales: number;
  refunds: number;
}

const LIVE_CONCURRENCY = 6;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};

async function get(url: string, token: string, path: string, store?: number) {
  const res = await fetch(`${url}${path}`, {
    headers: { Authorization: `Bearer ${token}`, ...(store ? { "X-Store-Id": String(store) } : {}) },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as { data: { orders: number; total_sales: number; refunds: number }[] };
}

const round = (ms: number) => Number(ms.toFixed(1));

const figureOf = (name: string, path: string, times: number[]): LatencyFigure => ({
  name,
  path,
  runs: times.length,
  p50_ms: round(median(times)),
  min_ms: round(Math.min(...times)),
  max_ms: round(Math.max(...times)),
});

/**
 * Each of `jobs` once as a warm-up (isolate, SQLite page cache), then `runs`
 * rounds of each once, interleaved, so a busy moment of the shared machine
 * falls on all of them alike.
 */
async function timedTogether(
  jobs: { name: string; path: string; once: () => Promise<unknown> }[],
  runs: number,
): Promise<LatencyFigure[]> {
  for (const job of jobs) await job.once();
  const times = jobs.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [k, job] of jobs.entries()) {
      const started = performance.now();
      await job.once();
      times[k]?.push(performance.now() - started);
    }
  }
  return jobs.map((job, k) => figureOf(job.name, job.path, times[k] ?? []));
}

const totalsOf = (rows: { orders: number; total_sales: number; refunds: number }[]): SalesTotals => ({
  orders: rows.reduce((sum, r) => sum + r.orders, 0),
  total_sales: rows.reduce((sum, r) => sum + Math.round(r.total_sales * 100), 0),
  refunds: rows.reduce((sum, r) => sum + Math.round(r.refunds * 100), 0),
});

/** The 365-day report at every store, six at a time, summed. */
async function liveSum(url: string, token: string, stores: ChainStore[]): Promise<SalesTotals> {
  const queue = [...stores];
  const parts: SalesTotals[] = [];
  await Promise.all(
    Array.from({ length: LIVE_CONCURRENCY }, async () => {
      for (let store = queue.shift(); store; store = queue.shift()) {
        parts.push(totalsOf((await get(url, token, "/api/v1/reports/sales?days=365&group_by=day", store.id)).data));
      }
    }),
  );
  return {
    orders: parts.reduce((sum, p) => sum + p.orders, 0),
    total_sales: parts.reduce((sum, p) => sum + p.total_sales, 0),
    refunds: parts.reduce((sum, p) => sum + p.refunds, 0),
  };
}

export async function chainReports(
  url: string,
  token: string,
  stores: ChainStore[],
  runs: number,
  log: (line: string) => void,
): Promise<ReportFigures> {
  const chainDay = "/api/v1/reports/sales?store_id=all&days=365&group_by=day";
  const chainMonth = "/api/v1/reports/sales?store_id=all&days=365&group_by=month";
  const one30 = "/api/v1/reports/sales?days=30&group_by=day";
  const one365 = "/api/v1/reports/sales?days=365&group_by=day";
  // The same 365 days ending yesterday: rollups only, no store read live (where the time goes).
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const yearBefore = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  const chainClosed = `/api/v1/reports/sales?store_id=all&start_date=${yearBefore}&end_date=${yesterday}&group_by=day`;
  const report = (name: string, path: string, store?: number) => ({
    name,
    path,
    once: () => get(url, token, path, store),
  });
  const figures = await timedTogether(
    [
      report("chain sales 365 days by day (rollups)", chainDay),
      report("chain sales 365 days by month (rollups)", chainMonth),
      report("chain sales 365 closed days by day (rollups only, no live day)", chainClosed),
      report("one store sales 30 days by day", one30, 1),
      report("one store sales 365 days by day", one365, 1),
    ],
    runs,
  );
  for (const f of figures) log(`  ${f.name}: p50 ${f.p50_ms} ms (min ${f.min_ms}, max ${f.max_ms})`);
  // Where the chain report's time goes: its fixed cost (one closed day), the
  // year's span without buckets (by year), and the live part alone (today).
  const breakdown = await timedTogether(
    [
      report("breakdown: caller check only (GET /auth/me)", "/api/v1/auth/me"),
      report(
        "breakdown: chain, 1 closed day",
        chainClosed.replace(`start_date=${yearBefore}`, `start_date=${yesterday}`),
      ),
      report("breakdown: chain, 365 closed days by year", chainClosed.replace("group_by=day", "group_by=year")),
      report(
        "breakdown: chain, today only (live at every store)",
        "/api/v1/reports/sales?store_id=all&days=1&group_by=day",
      ),
    ],
    runs,
  );
  for (const f of breakdown) log(`  ${f.name}: p50 ${f.p50_ms} ms`);
  const [live] = await timedTogether(
    [
      {
        name: `chain sales 365 days, live: ${stores.length} store reports summed`,
        path: `${one365} at each store, ${LIVE_CONCURRENCY} at a time`,
        once: () => liveSum(url, token, stores),
      },
    ],
    Math.max(3, Math.ceil(runs / 3)),
  );
  if (!live) throw new Error("no live figure");
  log(`  ${live.name}: p50 ${live.p50_ms} ms (min ${live.min_ms}, max ${live.max_ms})`);
  const rollups = totalsOf((await get(url, token, chainDay)).data);
  const summed = await liveSum(url, token, stores);
  const [chain_day, chain_month, chain_closed, one_store_30, one_store_365] = figures as [
    LatencyFigure,
    LatencyFigure,
    LatencyFigure,
    LatencyFigure,
    LatencyFigure,
  ];
  return {
    chain_day,
    chain_month,
    chain_closed,
    one_store_30,
    one_store_365,
    live_sum: live,
    breakdown,
    ratio: Number((chain_day.p50_ms / one_store_30.p50_ms).toFixed(3)),
    totals: {
      rollups,
      live_sum: summed,
      equal:
        rollups.orders === summed.orders &&
        rollups.total_sales === summed.total_sales &&
        rollups.refunds === summed.refunds,
    },
  };
}
