/**
 * `npm run bench -- --rtt=MS`: what a till far from its databases feels. The
 * Worker runs with SIMULATED_RTT_MS = MS (src/lib/simulated-latency.ts: every
 * D1 and stock-object call waits MS before it goes out), and one client at a
 * time sends each request, so its latency counts the request's sequential
 * remote round trips. Each figure is printed as a multiple of the RTT, beside
 * the target.
 */
import { bulkProduct } from "../fill-catalog";
import { type LoadResult, type LoadSpec, runLoad } from "./load";
import type { BenchContext } from "./run";
import { pendingOrders } from "./scenarios/payments";

export interface EdgeFigure {
  name: string;
  p50_ms: number;
  rtt_multiple: number;
  target: number | null;
  requests: number;
  non_2xx: number;
}

export async function edgeLatency(ctx: BenchContext, selling: number[], rtt: number): Promise<EdgeFigure[]> {
  const count = ctx.quick ? 20 : 60;
  const cashier = { Authorization: `Bearer ${ctx.cashierToken}`, "Content-Type": "application/json" };
  const admin = { Authorization: `Bearer ${ctx.token}` };
  let n = 0;
  const orders = await pendingOrders(ctx, selling, count);
  let paid = 0;
  let scan = 0;
  const base = { url: ctx.url, seconds: ctx.seconds, connections: 1, amount: count, warmupSeconds: 0 };
  const specs: Array<LoadSpec & { target: number | null }> = [
    {
      ...base,
      name: "order create (2 lines)",
      target: 2.3,
      // Twenty products a till sells all day: their stock objects are running,
      // as they are in a store that trades (a product's very first sale at a
      // store also starts its object, which the warm-up below does).
      request: () => {
        n += 1;
        const lines = [selling[n % 20], selling[20 + (n % 20)]].map((product_id) => ({
          product_id,
          quantity: 1,
        }));
        return {
          method: "POST",
          path: "/api/v1/orders",
          headers: cashier,
          body: JSON.stringify({ order_items: lines }),
        };
      },
    },
    {
      ...base,
      name: "payment (pays an order in full)",
      target: 2.3,
      request: () => {
        const order = orders[paid++ % orders.length] ?? { id: 0, total: 1 };
        return {
          method: "POST",
          path: "/api/v1/payments",
          headers: cashier,
          body: JSON.stringify({ order_id: order.id, payment_method: "credit_card", amount: order.total }),
        };
      },
    },
    {
      ...base,
      name: "product by barcode (first scan in the isolate)",
      target: 1.3,
      request: () => ({ path: `/api/v1/products/barcode/${bulkProduct(5000 + scan++).barcode}`, headers: admin }),
    },
    {
      ...base,
      name: "product by barcode (scanned before)",
      target: 1.3,
      // The same ten products over and over, as a till scans its shelves.
      request: () => ({ path: `/api/v1/products/barcode/${bulkProduct(scan++ % 10).barcode}`, headers: admin }),
    },
    {
      ...base,
      name: "product by id",
      target: null,
      request: () => ({ path: `/api/v1/products/${selling[scan++ % selling.length]}`, headers: admin }),
    },
  ];
  const figures: EdgeFigure[] = [];
  for (const spec of specs) {
    // A few requests first: the isolate's caches (config, store directory,
    // keys, barcodes seen) and the sold products' objects, as a live Worker has them.
    if (spec.name.includes("scanned before") || spec.name.startsWith("order create")) {
      await runLoad({ ...spec, amount: 20 });
    }
    const result: LoadResult = await runLoad(spec);
    figures.push({
      name: spec.name,
      p50_ms: result.p50_ms,
      rtt_multiple: Number((result.p50_ms / rtt).toFixed(2)),
      target: spec.target,
      requests: result.requests,
      non_2xx: result.non_2xx + result.errors,
    });
  }
  return figures;
}

export function printEdgeTable(figures: EdgeFigure[], rtt: number) {
  console.log(`\nsequential round trips at a simulated RTT of ${rtt} ms, one client:`);
  console.log("| scenario | p50 ms | × RTT | target | non-2xx |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const f of figures) {
    const verdict = f.target === null ? "-" : `≤ ${f.target} ${f.rtt_multiple <= f.target ? "(met)" : "(MISSED)"}`;
    console.log(`| ${f.name} | ${f.p50_ms} | ${f.rtt_multiple} | ${verdict} | ${f.non_2xx} |`);
  }
}
