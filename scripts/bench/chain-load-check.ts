/**
 * Load without loss across the chain: 50 clients create orders at random
 * stores (X-Store-Id) over a few fresh products stocked at every store, with
 * random cancels, payments and refunds, as load-check.ts does at one store.
 * Then, per store: reconcile reports no drift and nothing in flight, every
 * product satisfies start + in − out = now, the store's database holds
 * exactly the orders the clients were answered 201 for (none lost, none
 * extra) with the payments and refunds they were answered for, and the
 * store's payment-methods report gained what was taken minus refunded there;
 * chain-wide: the chain report (store_id=all) gained the sum, and the head
 * office's order index holds each order once.
 */
import type { D1Database } from "@cloudflare/workers-types";
import type { ChainStore } from "./chain-state";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface Api {
  url: string;
  admin: string;
  /** Each store's cashier's token, by store id. */
  cashiers: Map<number, string>;
}

let keys = 0;

/**
 * One API call. A POST carries an Idempotency-Key and is sent again when the
 * connection drops before an answer (local workerd closes idle keep-alive
 * sockets under load): the retry gets the first attempt's answer, as a
 * till's would, so nothing is made twice.
 */
async function call(api: Api, token: string, method: string, path: string, store?: number, body?: unknown) {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    "Content-Type": "application/json",
    ...(store ? { "X-Store-Id": String(store) } : {}),
    ...(method === "POST" ? { "Idempotency-Key": `chain-load-${process.pid}-${Date.now()}-${keys++}` } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // The first attempt is still running: ask again shortly for its answer.
      if (res.status === 409 && text.includes("Idempotency-Key") && attempt < 10) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

interface StoreTally {
  orders: number[];
  taken: number;
  refunded: number;
}

const PRODUCTS = 10;

/** How long after the checks start an open object entry may stay open: the hold's expiry (a minute) and its alarm. */
const SETTLE_MS = 80_000;

export async function chainLoadCheck(
  api: Api,
  stores: ChainStore[],
  databases: (binding: string) => Promise<D1Database>,
  /** Runs the outbox sweep's cron once (what a lost send left, older than a minute, goes out). */
  sweep: () => Promise<void>,
  orders: number,
  clients: number,
) {
  const started = Date.now();
  // Fresh products (so their whole history is this run's), stocked at every store.
  const products: number[] = [];
  const perStore = Math.ceil((orders * 3) / stores.length / 2) + 50;
  for (let i = 0; i < PRODUCTS; i++) {
    const created = await call(api, api.admin, "POST", "/api/v1/products", 1, {
      sku: `CHAINLOAD-${started}-${i}`,
      name: `Chain load product ${i}`,
      price: 1 + i,
      stock_quantity: perStore,
    });
    if (created.status !== 201) throw new Error(`product: ${created.status} ${JSON.stringify(created.body)}`);
    products.push(created.body.id as number);
  }
  const pairs = stores.filter((s) => s.id !== 1).flatMap((s) => products.map((p) => ({ store: s.id, product: p })));
  await eachLimited(pairs, 8, async ({ store, product }) => {
    const res = await call(api, api.admin, "POST", `/api/v1/inventory/product/${product}/adjust`, store, {
      action: "stock_in",
      quantity_change: perStore,
      notes: "chain load check",
    });
    if (res.status >= 300) throw new Error(`stock at store ${store}: ${res.status} ${JSON.stringify(res.body)}`);
  });

  // The report window: every store's local today is the UTC date or the day before.
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const net = async (storeParam: string) => {
    const res = await call(
      api,
      api.admin,
      "GET",
      `/api/v1/reports/payment-methods?store_id=${storeParam}&start_date=${yesterday}&end_date=${today}`,
    );
    if (res.status !== 200) throw new Error(`payment-methods ${storeParam}: ${res.status} ${JSON.stringify(res.body)}`);
    return ((res.body.data as { net_amount: number }[]) ?? []).reduce(
      (sum, m) => sum + Math.round(m.net_amount * 100),
      0,
    );
  };
  const chainBefore = await net("all");
  const storeBefore = new Map<number, number>();
  for (const s of stores) storeBefore.set(s.id, await net(String(s.id)));

  const tally = new Map<number, StoreTally>(stores.map((s) => [s.id, { orders: [], taken: 0, refunded: 0 }]));
  let seed = 77;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const statuses: Record<string, number> = {};
  const count = (what: string, status: number) => {
    statuses[`${what} ${status}`] = (statuses[`${what} ${status}`] ?? 0) + 1;
  };
  let next = 0;
  const loadStarted = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < orders) {
        next += 1;
        const store = stores[rand(stores.length)] ?? stores[0];
        if (!store) return;
        const mine = tally.get(store.id) as StoreTally;
        const lines = new Map<number, number>();
        for (let k = 0; k < 1 + rand(3); k++) {
          const p = products[rand(products.length)];
          if (p) lines.set(p, (lines.get(p) ?? 0) + 1 + rand(3));
        }
        const cashier = api.cashiers.get(store.id) ?? "";
        const order = await call(api, cashier, "POST", "/api/v1/orders", store.id, {
          order_items: [...lines].map(([product_id, quantity]) => ({ product_id, quantity })),
        });
        count("order", order.status);
        if (order.status !== 201) continue;
        const id = order.body.id as number;
        mine.orders.push(id);
        const roll = rand(10);
        if (roll === 0) {
          count("cancel", (await call(api, api.admin, "POST", `/api/v1/orders/${id}/cancel`, store.id)).status);
          continue;
        }
        const pay = await call(api, cashier, "POST", "/api/v1/payments", store.id, {
          order_id: id,
          payment_method: roll < 5 ? "cash" : "credit_card",
          amount: order.body.total as number,
        });
        count("payment", pay.status);
        if (pay.status === 201) mine.taken += Math.round((pay.body.amount as number) * 100);
        if (roll === 9 && pay.status === 201) {
          const items = (order.body.order_items as { id: number }[]) ?? [];
          const refund = await call(api, api.admin, "POST", `/api/v1/payments/${pay.body.id}/refund`, store.id, {
            reason: "chain load check",
            items: items.slice(0, 1).map((item) => ({ order_item_id: item.id, quantity: 1, restock: true })),
          });
          count("refund", refund.status);
          if (refund.status === 201) mine.refunded += Math.round((refund.body.amount as number) * 100);
        }
      }
    }),
  );
  const seconds = (Date.now() - loadStarted) / 1000;
  // The events queue's consumer shares the one local workerd thread, so it
  // lags the sales: wait until the head office has indexed every order
  // (the queue then holds little), then check, with nothing left running.
  const created = [...tally.values()].flatMap((t) => t.orders);
  const index = await orderIndexCheck(await databases("DB"), created, sweep);

  const checks: Check[] = [];
  const off = {
    drift: [] as string[],
    open: [] as string[],
    flows: [] as string[],
    rows: [] as string[],
    money: [] as string[],
  };
  const settledLate = new Set<string>();
  const checksStarted = Date.now();
  await eachLimited(stores, 4, async (store) => {
    const mine = tally.get(store.id) as StoreTally;
    for (const p of products) {
      // Drift (book, log and object disagree) is a failure at once. An entry still
      // open in the object (its commit lost on a stalled local thread) is settled by
      // the object's alarm when the hold expires (HOLD_MS, a minute): asked again
      // every 5 s until then, and a failure only if it outlives that.
      for (let attempt = 0; ; attempt++) {
        const reconcile = await call(api, api.admin, "GET", `/api/v1/inventory/reconcile?product_id=${p}`, store.id);
        const drift = ((reconcile.body.drift as unknown[]) ?? []).length;
        const open = ((reconcile.body.in_flight as unknown[]) ?? []).length;
        const detail = `${store.code}/${p}: ${JSON.stringify(reconcile.body).slice(0, 200)}`;
        if (reconcile.status !== 200 || drift > 0) {
          off.drift.push(detail);
          break;
        }
        if (open === 0) break;
        if (Date.now() - checksStarted > SETTLE_MS) {
          off.open.push(detail);
          break;
        }
        if (attempt === 0) settledLate.add(`${store.code}/${p}`);
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
      const history = await call(api, api.admin, "GET", `/api/v1/inventory/product/${p}/history?limit=1000`, store.id);
      const moved = ((history.body.data as { quantity_change: number }[]) ?? []).reduce(
        (sum, log) => sum + log.quantity_change,
        0,
      );
      const now = (await call(api, api.admin, "GET", `/api/v1/products/${p}`, store.id)).body.stock_quantity;
      if (moved !== now || (history.body.total as number) > 1000) off.flows.push(`${store.code}/${p}`);
    }
    // The store's own rows: the orders over the load's products are exactly those answered 201.
    const db = await databases(store.binding);
    const row = await db
      .prepare(
        `SELECT COUNT(*) AS orders,
           SUM(CASE WHEN o.id IN (SELECT value FROM json_each(?2)) THEN 1 ELSE 0 END) AS answered,
           (SELECT COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.order_id IN (SELECT value FROM json_each(?2))) AS paid,
           (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r WHERE r.order_id IN (SELECT value FROM json_each(?2))) AS refunded
         FROM orders o WHERE o.id IN (SELECT DISTINCT order_id FROM order_items WHERE product_id IN (SELECT value FROM json_each(?1)))`,
      )
      .bind(JSON.stringify(products), JSON.stringify(mine.orders))
      .first<{ orders: number; answered: number; paid: number; refunded: number }>();
    if (row?.orders !== mine.orders.length || row.answered !== mine.orders.length) {
      off.rows.push(`${store.code}: ${row?.orders} orders in the database, ${mine.orders.length} answered`);
    } else if (row.paid !== mine.taken || row.refunded !== mine.refunded) {
      off.rows.push(`${store.code}: paid ${row.paid}/${mine.taken}, refunded ${row.refunded}/${mine.refunded}`);
    }
    const gained = (await net(String(store.id))) - (storeBefore.get(store.id) ?? 0);
    if (gained !== mine.taken - mine.refunded)
      off.money.push(`${store.code}: +${gained} vs ${mine.taken - mine.refunded}`);
  });
  const show = (list: string[]) => (list.length ? list.slice(0, 5).join("; ") : "none");
  const n = stores.length;
  checks.push({
    name: `reconcile at ${n} stores: no drift`,
    ok: !off.drift.length,
    detail: `off: ${show(off.drift)}`,
  });
  checks.push({
    name: "nothing left in flight once the holds' expiry has passed",
    ok: !off.open.length,
    detail: `${settledLate.size} product(s) had an entry open at the first look, settled since; still open: ${show(off.open)}`,
  });
  checks.push({
    name: "start + in − out = now for every product at every store",
    ok: !off.flows.length,
    detail: `off: ${show(off.flows)}`,
  });
  checks.push({
    name: "each store's database: the answered orders, no more, with their payments and refunds",
    ok: !off.rows.length,
    detail: `off: ${show(off.rows)}`,
  });
  checks.push({
    name: "each store's payment-methods report gained its payments − refunds",
    ok: !off.money.length,
    detail: `off: ${show(off.money)}`,
  });
  const taken = [...tally.values()].reduce((sum, t) => sum + t.taken, 0);
  const refunded = [...tally.values()].reduce((sum, t) => sum + t.refunded, 0);
  const chainGained = (await net("all")) - chainBefore;
  checks.push({
    name: "chain report (store_id=all) gained payments − refunds of every store",
    ok: chainGained === taken - refunded,
    detail: `report +${chainGained / 100}, run took ${taken / 100} and refunded ${refunded / 100}`,
  });
  checks.push(index.check);
  return { orders, clients, seconds, statuses, products: PRODUCTS, index_lag_seconds: index.seconds, checks };
}

/**
 * Every order made is in the head office's index once (order_id is its key,
 * and each order's row counts once below). The index lags by the queue's
 * backlog: waits up to three minutes, and says how long it took.
 */
async function orderIndexCheck(
  hq: D1Database,
  created: number[],
  sweep: () => Promise<void>,
): Promise<{ check: Check; seconds: number }> {
  const started = Date.now();
  const ids = JSON.stringify(created);
  let found = 0;
  let swept = 0;
  while (Date.now() - started < 180_000) {
    // As the */5 cron would: rows whose send after commit was lost (the throughput
    // Worker was stopped with sends in flight, and a store's send takes its oldest
    // rows first) go out once they are a minute old.
    if (Date.now() - started > 65_000 * (swept + 1)) {
      swept += 1;
      await sweep();
    }
    const row = await hq
      .prepare("SELECT COUNT(*) AS n FROM order_index WHERE order_id IN (SELECT value FROM json_each(?1))")
      .bind(ids)
      .first<{ n: number }>();
    found = row?.n ?? 0;
    if (found >= created.length) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  return {
    check: {
      name: "head office order index: every order made, once",
      ok: found === created.length,
      detail: `${found} of ${created.length} indexed, ${seconds} s after the last sale, ${swept} outbox sweep(s) run`,
    },
    seconds,
  };
}
