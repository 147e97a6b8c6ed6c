/**
 * Order throughput with the chain's stores against one store, same run, same
 * machine: 50 clients creating orders (1–3 lines over each store's selling
 * products) either all at MAIN or spread over every store by the
 * X-Store-Id header, each store's orders by its own cashier. Rounds
 * alternate (one, chain, chain, one, …) so a machine that slows down or
 * speeds up during the run weighs on both sides alike.
 */

import type { ChainStore } from "./chain-state";
import { type LoadResult, runLoad } from "./load";

export interface ThroughputFigures {
  one_store_rps: number;
  chain_rps: number;
  ratio: number;
  rounds: { mode: "one store" | "chain"; result: LoadResult }[];
  /** Seconds from the first measured round's start to the last one's end (≤ 60: no alarms met). */
  window_seconds: number;
}

export const THROUGHPUT_CLIENTS = 50;

/** HOLD_MS of src/stock/product-stock.ts (not importable here: it needs cloudflare:workers): a first hold's alarm. */
const FIRST_ALARM_MS = 60_000;

/** Time for the burst of first alarms to run after the last is due. */
const ALARM_MARGIN_MS = 15_000;

/** Request k sells at store k mod S product ⌊k / S⌋ mod P (then two more): S × P requests touch every pair. */
function orderRequests(tokens: Map<number, string>, storeIds: number[], productIds: number[]) {
  let k = 0;
  return () => {
    const n = k++;
    const store = storeIds[n % storeIds.length] ?? 1;
    const first = Math.floor(n / storeIds.length);
    const size = 1 + (n % 3);
    const lines = new Map<number, number>();
    for (let j = 0; lines.size < size && j < size * 3; j++) {
      const id = productIds[(first + j * 17) % productIds.length];
      if (id !== undefined) lines.set(id, 1 + (n % 2));
    }
    return {
      method: "POST",
      path: "/api/v1/orders",
      headers: {
        Authorization: `Bearer ${tokens.get(store)}`,
        "Content-Type": "application/json",
        "X-Store-Id": String(store),
      },
      body: JSON.stringify({ order_items: [...lines].map(([product_id, quantity]) => ({ product_id, quantity })) }),
    };
  };
}

export async function throughput(
  url: string,
  /** Each store's cashier's token, by store id. */
  tokens: Map<number, string>,
  stores: ChainStore[],
  productIds: number[],
  options: { seconds: number; rounds: number },
  log: (line: string) => void,
): Promise<ThroughputFigures> {
  const modes = {
    "one store": [1],
    chain: stores.map((s) => s.id),
  } as const;
  // Warm-up: every (store, product) pair once (a product's first sale at a store
  // creates its stock object), then a second of each mode.
  for (const [mode, ids] of Object.entries(modes)) {
    const request = orderRequests(tokens, [...ids], productIds);
    await runLoad({
      name: `warm-up ${mode}`,
      url,
      connections: THROUGHPUT_CLIENTS,
      seconds: 1,
      amount: ids.length * productIds.length,
      request,
    });
    await runLoad({ name: `warm-up ${mode}`, url, connections: THROUGHPUT_CLIENTS, seconds: 1, request });
  }
  // Each object's first hold sets its first alarm a minute later (HOLD_MS), and
  // after that alarm the next hold sets another a minute after it. Locally every
  // object is its own SQLite file woken on the one workerd thread: with 20 stores
  // a thousand alarms go off within seconds and stall the Worker (a first run
  // measured 0 orders/s in those windows). So: wait for the warm-up's alarms,
  // then measure every round inside the alarm-free minute that follows (the
  // rounds' own holds set the next alarms a minute after the first round).
  const alarmsDone = Date.now() + FIRST_ALARM_MS + ALARM_MARGIN_MS;
  log(`  waiting ${Math.round((alarmsDone - Date.now()) / 1000)} s for the stock objects' first alarms`);
  await new Promise((resolve) => setTimeout(resolve, alarmsDone - Date.now()));
  const rounds: ThroughputFigures["rounds"] = [];
  const measuringStarted = Date.now();
  for (let r = 0; r < options.rounds; r++) {
    const order: ("one store" | "chain")[] = r % 2 === 0 ? ["one store", "chain"] : ["chain", "one store"];
    for (const mode of order) {
      const result = await runLoad({
        name: `orders, ${mode}`,
        url,
        connections: THROUGHPUT_CLIENTS,
        seconds: options.seconds,
        request: orderRequests(tokens, [...modes[mode]], productIds),
      });
      rounds.push({ mode, result });
      log(
        `  ${mode}: ${result.rps} orders/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, non-2xx ${result.non_2xx + result.errors}`,
      );
    }
  }
  const window = (Date.now() - measuringStarted) / 1000;
  if (window * 1000 > FIRST_ALARM_MS) {
    log(`  (the rounds took ${window.toFixed(0)} s: past the alarm-free minute, the last ones may have met alarms)`);
  }
  // Requests over the whole measured time of each mode (rounds are equally long).
  const rate = (mode: string) => {
    const picked = rounds.filter((r) => r.mode === mode).map((r) => r.result);
    const ok = picked.reduce((sum, r) => sum + r.requests - r.non_2xx - r.errors, 0);
    return ok / (picked.length * options.seconds);
  };
  const one = rate("one store");
  const chain = rate("chain");
  return {
    one_store_rps: Math.round(one),
    chain_rps: Math.round(chain),
    ratio: one ? Number((chain / one).toFixed(3)) : 0,
    rounds,
    window_seconds: Number(window.toFixed(1)),
  };
}
