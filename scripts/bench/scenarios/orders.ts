import type { D1Database } from "@cloudflare/workers-types";
import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

/** Ids of the deeply stocked products (see state.ts) to sell from. */
export async function sellingProductIds(db: D1Database, count: number): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT id FROM products WHERE sku >= 'BULK-0000000' ORDER BY sku LIMIT ?1")
    .bind(count)
    .all<{ id: number }>();
  return results.map((row) => row.id);
}

export function orderScenarios(ctx: BenchContext, productIds: number[]): LoadSpec[] {
  const headers = { Authorization: `Bearer ${ctx.cashierToken}`, "Content-Type": "application/json" };
  let n = 0;
  const pick = () => {
    n = (n + 7919) % productIds.length;
    return productIds[n] ?? productIds[0] ?? 1;
  };
  const cart = () => {
    const lines = new Map<number, number>();
    const size = 1 + (n % 3);
    while (lines.size < size) lines.set(pick(), 1 + (n % 2));
    return [...lines].map(([product_id, quantity]) => ({ product_id, quantity }));
  };
  const hot = productIds[0] ?? 1;
  // Warm-up long enough to touch every selling product once: a product's first
  // sale creates its Durable Object (a new SQLite file locally).
  const base = { url: ctx.url, seconds: ctx.seconds, warmupSeconds: ctx.quick ? 2 : 5 };

  return [
    {
      ...base,
      name: "order create (1-3 lines)",
      connections: 10,
      request: () => ({
        method: "POST",
        path: "/api/v1/orders",
        headers,
        body: JSON.stringify({ order_items: cart(), tax: 1.5 }),
      }),
    },
    {
      ...base,
      name: "order create, one hot product",
      connections: 50,
      request: () => ({
        method: "POST",
        path: "/api/v1/orders",
        headers,
        body: JSON.stringify({ order_items: [{ product_id: hot, quantity: 1 }] }),
      }),
    },
  ];
}
