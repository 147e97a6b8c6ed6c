/**
 * `npm run bench:probe`: where does an order's time go? Runs the built Worker
 * with DEBUG on (Server-Timing per phase), sends orders one at a time and at
 * 10 in flight, and prints the mean of each phase.
 */

import { sellingProductIds } from "./scenarios/orders";
import { prepareState, withStateDb } from "./state";
import { buildBundle, startWorker } from "./worker";

const quick = !process.argv.includes("--full");
await buildBundle();
const history = Number(process.argv.find((a) => a.startsWith("--history="))?.slice(10) ?? 0);
const stateDir = process.env.BENCH_STATE_DIR ?? (await prepareState(quick ? 20_000 : 100_000, history));
const ids = await withStateDb(stateDir, (db) => sellingProductIds(db, 500));
const { mf, url } = await startWorker(stateDir, { DEBUG: "true" });

async function token(username: string, password: string) {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const cashier = await token("cashier1", "cashier123");
async function one(path: string, body?: unknown) {
  const sent = performance.now();
  const res = await fetch(`${url}${path}`, {
    method: body ? "POST" : "GET",
    headers: { Authorization: `Bearer ${cashier}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.arrayBuffer();
  const phases: Record<string, number> = { client: performance.now() - sent };
  for (const part of (res.headers.get("Server-Timing") ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.startsWith("dur="));
    if (name && dur) phases[name] = Number(dur.slice(4));
  }
  return phases;
}

async function measure(label: string, concurrency: number, total: number, make: (i: number) => [string, unknown?]) {
  const sums: Record<string, number> = {};
  const slowest: { at: number; phases: Record<string, number> }[] = [];
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < total) {
        const i = done++;
        const [path, body] = make(i);
        const phases = await one(path, body);
        slowest.push({ at: Math.round(performance.now() - started), phases });
        slowest.sort((a, b) => (b.phases.client ?? 0) - (a.phases.client ?? 0));
        slowest.length = Math.min(slowest.length, 3);
        for (const [k, v] of Object.entries(phases)) sums[k] = (sums[k] ?? 0) + v;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const means = Object.entries(sums).map(([k, v]) => `${k} ${(v / total).toFixed(2)}`);
  console.log(
    `${label} (c=${concurrency}): ${(total / (elapsed / 1000)).toFixed(0)} req/s; mean ms: ${means.join(", ")}`,
  );
  for (const slow of slowest) {
    const phases = Object.entries(slow.phases).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    console.log(`  slow request at +${slow.at} ms: ${phases.join(", ")}`);
  }
}

const cart = (i: number) => ({
  order_items: [0, 1, 2]
    .slice(0, 1 + (i % 3))
    .map((k) => ({ product_id: ids[(i * 7 + k * 331) % ids.length], quantity: 1 })),
});
await measure("warm-up", 10, 1500, (i) => ["/api/v1/orders", cart(i)]);
await measure("health", 1, 200, () => ["/health"]);
await measure("orders", 1, 300, (i) => ["/api/v1/orders", cart(i)]);
await measure("orders", 10, 1000, (i) => ["/api/v1/orders", cart(i)]);
await measure("hot product", 50, 1000, () => [
  "/api/v1/orders",
  { order_items: [{ product_id: ids[0], quantity: 1 }] },
]);
await mf.dispose();
