/** Taking payment: each request pays one pending order in full (orders made beforehand). */
import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

export async function pendingOrders(ctx: BenchContext, productIds: number[], count: number) {
  const orders: { id: number; total: number }[] = [];
  let next = 0;
  // Ten at a time: setup, not measurement, so it only has to be quick.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await fetch(`${ctx.url}/api/v1/orders`, {
          method: "POST",
          headers: { Authorization: `Bearer ${ctx.cashierToken}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            order_items: [{ product_id: productIds[(i * 13) % productIds.length], quantity: 1 }],
          }),
        });
        if (!res.ok) throw new Error(`payment setup failed: ${res.status}`);
        const body = (await res.json()) as { id: number; total: number };
        orders.push({ id: body.id, total: body.total });
      }
    }),
  );
  return orders;
}

export function paymentScenarios(ctx: BenchContext, orders: { id: number; total: number }[]): LoadSpec[] {
  const headers = { Authorization: `Bearer ${ctx.cashierToken}`, "Content-Type": "application/json" };
  let i = 0;
  return [
    {
      name: "payment (pays an order in full)",
      url: ctx.url,
      seconds: ctx.seconds,
      connections: 10,
      warmupSeconds: 0,
      amount: orders.length,
      request: () => {
        const order = orders[i++ % orders.length] ?? { id: 0, total: 1 };
        return {
          method: "POST",
          path: "/api/v1/payments",
          headers,
          body: JSON.stringify({ order_id: order.id, payment_method: "credit_card", amount: order.total }),
        };
      },
    },
  ];
}
