/**
 * Invoice rendering: orders of 30 lines are created first; the "render" run
 * asks for each one's invoice once (every request renders a new PDF and
 * stores it in R2), the "cached" run asks again (R2 reuse), so the
 * difference is the rendering itself.
 */
import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

export async function invoiceOrders(ctx: BenchContext, productIds: number[], count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const lines = Array.from({ length: 30 }, (_, k) => ({
      product_id: productIds[(i * 30 + k) % productIds.length],
      quantity: 1 + (k % 3),
    }));
    const res = await fetch(`${ctx.url}/api/v1/orders`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ order_items: lines, tax: 3.2 }),
    });
    if (!res.ok) throw new Error(`invoice order setup failed: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: number }).id);
  }
  return ids;
}

export function invoiceScenarios(ctx: BenchContext, orderIds: number[]): LoadSpec[] {
  const headers = { Authorization: `Bearer ${ctx.token}` };
  const cycle = () => {
    let i = 0;
    return () => ({ path: `/api/v1/orders/${orderIds[i++ % orderIds.length]}/invoice`, headers });
  };
  const base = { url: ctx.url, seconds: ctx.seconds, connections: 1, warmupSeconds: 0 };
  return [
    { ...base, name: "invoice render (30 lines)", amount: orderIds.length, request: cycle() },
    { ...base, name: "invoice (stored, reused)", amount: orderIds.length, request: cycle() },
  ];
}
