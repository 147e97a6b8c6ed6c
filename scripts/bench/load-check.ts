/**
 * Load without loss: many orders from many clients over a few products, with
 * random cancels, payments and refunds, then a correctness check: reconcile
 * reports no drift, every product satisfies start + in − out = now, and the
 * money taken minus refunds equals what the payment-methods report says.
 */
import type { BenchContext } from "./run";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function api(ctx: BenchContext, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${ctx.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function loadCheck(ctx: BenchContext, orders: number, clients: number) {
  const admin = ctx.token;
  const cashier = ctx.cashierToken;
  const started = Date.now();
  // Twenty fresh products, so their whole history is this run's.
  const products: { id: number; start: number }[] = [];
  for (let i = 0; i < 20; i++) {
    const created = await api(ctx, admin, "POST", "/api/v1/products", {
      sku: `LOAD-${started}-${i}`,
      name: `Load product ${i}`,
      price: 1 + i,
      stock_quantity: Math.ceil((orders * 3) / 20),
    });
    products.push({ id: created.body.id as number, start: created.body.stock_quantity as number });
  }
  const today = new Date(started).toISOString().slice(0, 10);
  const reportedNet = async () => {
    const methods = await api(
      ctx,
      admin,
      "GET",
      `/api/v1/reports/payment-methods?start_date=${today}&end_date=${today}`,
    );
    return ((methods.body.data as { net_amount: number }[]) ?? []).reduce(
      (sum, m) => sum + Math.round(m.net_amount * 100),
      0,
    );
  };
  const netBefore = await reportedNet();
  let taken = 0;
  let refunded = 0;
  let seed = 99;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < orders) {
        next += 1;
        const lines = new Map<number, number>();
        for (let k = 0; k < 1 + rand(3); k++) {
          const p = products[rand(products.length)];
          if (p) lines.set(p.id, (lines.get(p.id) ?? 0) + 1 + rand(3));
        }
        const order = await api(ctx, cashier, "POST", "/api/v1/orders", {
          order_items: [...lines].map(([product_id, quantity]) => ({ product_id, quantity })),
        });
        statuses[`order ${order.status}`] = (statuses[`order ${order.status}`] ?? 0) + 1;
        if (order.status !== 201) continue;
        const id = order.body.id as number;
        const total = order.body.total as number;
        const roll = rand(10);
        if (roll === 0) {
          const r = await api(ctx, admin, "POST", `/api/v1/orders/${id}/cancel`);
          statuses[`cancel ${r.status}`] = (statuses[`cancel ${r.status}`] ?? 0) + 1;
          continue;
        }
        const pay = await api(ctx, cashier, "POST", "/api/v1/payments", {
          order_id: id,
          payment_method: roll < 5 ? "cash" : "credit_card",
          amount: total,
        });
        statuses[`payment ${pay.status}`] = (statuses[`payment ${pay.status}`] ?? 0) + 1;
        if (pay.status === 201) taken += Math.round((pay.body.amount as number) * 100);
        if (roll === 9 && pay.status === 201) {
          const items = (order.body.order_items as { id: number; quantity: number }[]) ?? [];
          const refund = await api(ctx, admin, "POST", `/api/v1/payments/${pay.body.id}/refund`, {
            reason: "load check",
            items: items.slice(0, 1).map((item) => ({ order_item_id: item.id, quantity: 1, restock: true })),
          });
          statuses[`refund ${refund.status}`] = (statuses[`refund ${refund.status}`] ?? 0) + 1;
          if (refund.status === 201) refunded += Math.round((refund.body.amount as number) * 100);
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;

  const checks: Check[] = [];
  // Let deferred commits settle, then reconcile each product.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  let drift = 0;
  let flows = 0;
  for (const p of products) {
    const report = await api(ctx, admin, "GET", `/api/v1/inventory/reconcile?product_id=${p.id}`);
    drift += ((report.body.drift as unknown[]) ?? []).length + ((report.body.in_flight as unknown[]) ?? []).length;
    const history = await api(ctx, admin, "GET", `/api/v1/inventory/product/${p.id}/history?limit=1000`);
    const logs = (history.body.data as { quantity_change: number }[]) ?? [];
    const moved = logs.reduce((sum, log) => sum + log.quantity_change, 0);
    const now = (await api(ctx, admin, "GET", `/api/v1/products/${p.id}`)).body.stock_quantity as number;
    if (moved !== now || (history.body.total as number) > 1000) flows += 1;
  }
  checks.push({ name: "reconcile: no drift, nothing in flight", ok: drift === 0, detail: `${drift} product(s) off` });
  checks.push({ name: "start + in − out = now for every product", ok: flows === 0, detail: `${flows} product(s) off` });
  // The report's net for today moved by exactly what this run took minus what it refunded.
  const moved = (await reportedNet()) - netBefore;
  checks.push({
    name: "payments − refunds = what the payment-methods report gained",
    ok: moved === taken - refunded,
    detail: `report +${moved / 100}, run took ${taken / 100} and refunded ${refunded / 100}`,
  });
  return { orders, clients, seconds, statuses, checks };
}
