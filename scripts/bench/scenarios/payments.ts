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

export function paymentScenarios(
  ctx: BenchContext,
  orders: { id: number; total: number }[],
  cashOrders: { id: number; total: number }[],
): LoadSpec[] {
  const headers = { Authorization: `Bearer ${ctx.cashierToken}`, "Content-Type": "application/json" };
  let i = 0;
  let j = 0;
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
    {
      // The same payment in cash with change, on the cashier's open shift: the
      // batch also writes the tender's cash event, its shift resolved inside
      // the batch (compare with the card payment above, which has no shift).
      name: "cash payment on an open shift (change due)",
      url: ctx.url,
      seconds: ctx.seconds,
      connections: 10,
      warmupSeconds: 0,
      amount: cashOrders.length,
      request: () => {
        const order = cashOrders[j++ % cashOrders.length] ?? { id: 0, total: 1 };
        return {
          method: "POST",
          path: "/api/v1/payments",
          headers,
          body: JSON.stringify({
            order_id: order.id,
            payment_method: "cash",
            amount: order.total,
            amount_tendered: Math.ceil(order.total / 10) * 10 + 10,
          }),
        };
      },
    },
  ];
}

/**
 * A drawer and an open shift for the bench's cashier (kept across runs: the
 * bench database persists, so an existing drawer or shift is reused).
 */
export async function openBenchShift(ctx: BenchContext): Promise<void> {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ctx.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const current = await call(ctx.cashierToken, "GET", "/shifts/current");
  if (current.status === 200) return;
  const drawers = await call(ctx.token, "GET", "/cash-drawers");
  const list = (drawers.body.data ?? []) as { id: number; name: string }[];
  const drawer =
    list.find((d) => d.name === "Bench till") ??
    (await call(ctx.token, "POST", "/cash-drawers", { name: "Bench till" })).body;
  const opened = await call(ctx.cashierToken, "POST", "/shifts", { drawer_id: drawer.id, opening_float: 100 });
  if (opened.status !== 201) throw new Error(`bench shift: ${opened.status} ${JSON.stringify(opened.body)}`);
}
