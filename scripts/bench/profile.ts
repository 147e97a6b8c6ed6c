/**
 * `npm run bench:profile [-- --hot | --payments] [-- --seconds=5]`: where the
 * Worker's JavaScript time goes while it takes orders (or, with --payments,
 * payments). Runs the built bundle on Miniflare with the V8 inspector on,
 * drives order creation with autocannon (10 clients over the selling
 * products, or 50 on one product with --hot; --payments: 10 clients paying
 * orders made beforehand),
 * records a CPU profile of the Worker's isolate (the Worker and its Durable
 * Objects; D1's SQLite runs natively and shows as "(program)"), and prints
 * the functions with the most self time, grouped by package. The profile is
 * saved to bench/out/orders.cpuprofile (payments.cpuprofile) for Chrome DevTools.
 * The "busy" figure is the isolate's CPU per request, idle time left out.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../lib/local-d1";
import { runLoad } from "./load";
import type { BenchContext } from "./run";
import { sellingProductIds } from "./scenarios/orders";
import { paymentScenarios, pendingOrders } from "./scenarios/payments";
import { prepareState, withStateDb } from "./state";
import { buildBundle, startWorker } from "./worker";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const hot = process.argv.includes("--hot");
const payments = process.argv.includes("--payments");
const what = payments ? "payments" : "orders";
const seconds = Number(process.argv.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 5);
const INSPECTOR_PORT = Number(process.env.INSPECTOR_PORT ?? 9230);

await buildBundle({ minify: false });
const stateDir = process.env.BENCH_STATE_DIR ?? (await prepareState(20_000, 50_000));
const ids = await withStateDb(stateDir, (db) => sellingProductIds(db, 500));
const { mf, url } = await startWorker(stateDir, {}, { inspectorPort: INSPECTOR_PORT });

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function connect() {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const target = targets[0];
  if (!target) throw new Error("no inspectable Worker");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  const failAll = (error: Error) => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) pending?.reject(new Error(`inspector: ${message.error.message}`));
    else pending?.resolve(message.result);
  };
  ws.onclose = () => failAll(new Error("inspector connection closed"));
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`inspector: no answer to ${method} in 60 s`));
      }, 60_000);
      waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

try {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "cashier1", password: "cashier123" }),
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  let n = 0;
  const order = () => {
    n = (n + 7919) % ids.length;
    const productId = hot ? ids[0] : ids[n];
    return {
      method: "POST",
      path: "/api/v1/orders",
      headers,
      body: JSON.stringify({ order_items: [{ product_id: productId, quantity: 1 }] }),
    };
  };
  // Payments: the bench's own payment scenario, over enough pending orders for
  // the warm-up and the profiled seconds (about 250 are paid a second).
  const benchContext = { url, cashierToken: token, seconds } as BenchContext;
  const payment = payments
    ? paymentScenarios(benchContext, await pendingOrders(benchContext, ids, 300 * (seconds + 3)), [])[0]?.request
    : undefined;
  const spec = {
    name: what,
    url,
    connections: hot && !payments ? 50 : 10,
    seconds: 2,
    request: payment ?? order,
  };
  await runLoad(spec); // warm-up: JIT, object creation

  const inspector = await connect();
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  await inspector.send("Profiler.start");
  const result = await runLoad({ ...spec, seconds });
  const { profile } = await inspector.send<{ profile: Profile }>("Profiler.stop");
  inspector.close();

  mkdirSync(path.join(ROOT, "bench/out"), { recursive: true });
  writeFileSync(path.join(ROOT, `bench/out/${what}.cpuprofile`), JSON.stringify(profile));

  const selfMs = new Map<number, number>();
  profile.samples.forEach((node, i) => {
    selfMs.set(node, (selfMs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const group = (node: ProfileNode) => {
    const { functionName, url: file, lineNumber } = node.callFrame;
    if (!file) return functionName || "(anonymous)";
    return `${functionName || "(anonymous)"} ${path.basename(file)}:${lineNumber + 1}`;
  };
  const functions = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byNode.get(id);
    if (node) functions.set(group(node), (functions.get(group(node)) ?? 0) + ms);
  }
  // Idle samples are the isolate waiting (on D1, on the stock objects): left out, what remains is its CPU.
  const idle = [...functions].filter(([name]) => name === "(idle)").reduce((sum, [, ms]) => sum + ms, 0);
  const unit = payments ? "payment" : "order";
  console.log(
    `\n${result.rps} ${what}/s at ${spec.connections} clients (p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms); ` +
      `${total.toFixed(0)} ms sampled over ${seconds} s, ${(total / (result.rps * seconds)).toFixed(2)} ms per ${unit}, ` +
      `${((total - idle) / (result.rps * seconds)).toFixed(2)} ms busy per ${unit}`,
  );
  console.log(`\nself time, top ${process.env.TOP ?? 25}:`);
  for (const [name, ms] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) {
    console.log(`  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
  console.log(`\nprofile: bench/out/${what}.cpuprofile (open in Chrome DevTools → Performance)`);
} finally {
  await mf.dispose();
}
