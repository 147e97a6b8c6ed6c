/**
 * Two stores cannot see or move each other's stock, orders or cash, through
 * any route: a table of every store-scoped operation, tried by the staff of
 * one store against the other store's records, each with the answer it must
 * get, and the other store's books compared before and after. Then the other
 * way round. Admins act on both.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { atStore, storeDb } from "../helpers/stores";

interface Records {
  orderId: number;
  orderNumber: string;
  paymentId: number;
  logId: number;
}

interface Staff {
  manager: Account;
  cashier: Account;
}

let admin: Account;
let productId: number;
const staff: Record<1 | 2, Staff> = {} as Record<1 | 2, Staff>;
const records: Record<1 | 2, Records> = {} as Record<1 | 2, Records>;

/** Registers a user whose home store is `storeId` (through the API, as an admin). */
async function staffAt(storeId: 1 | 2, username: string, role: "manager" | "cashier"): Promise<Account> {
  if (storeId === 1) return createAccount(admin.token, username, role);
  const password = `${username}-pass-123`;
  const user = await expectJson<{ id: number; home_store_id: number }>(
    call("POST", "/api/v1/auth/register", {
      token: admin.token,
      body: { username, email: `${username}@example.com`, password, role, home_store_id: storeId },
    }),
    201,
  );
  expect(user.home_store_id).toBe(storeId);
  const tokens = await expectJson<{ access_token: string; refresh_token: string }>(
    call("POST", "/api/v1/auth/login", { body: { username, password } }),
    200,
  );
  return { id: user.id, username, password, token: tokens.access_token, refresh: tokens.refresh_token };
}

/** A paid order and a stock adjustment at `storeId`, made by that store's own staff. */
async function activityAt(storeId: 1 | 2): Promise<Records> {
  const { manager, cashier } = staff[storeId];
  const log = await expectJson<{ id: number }>(
    call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
      token: manager.token,
      body: { quantity_change: 20, action: "stock_in", notes: "delivery" },
    }),
    201,
  );
  const order = await expectJson<{ id: number; order_number: string; total: number }>(
    call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { order_items: [{ product_id: productId, quantity: 2 }] },
    }),
    201,
  );
  const payment = await expectJson<{ id: number }>(
    call("POST", "/api/v1/payments", {
      token: cashier.token,
      body: { order_id: order.id, payment_method: "cash", amount: order.total },
    }),
    201,
  );
  return { orderId: order.id, orderNumber: order.order_number, paymentId: payment.id, logId: log.id };
}

/** Everything a store's database holds that money and stock are made of. */
async function books(storeId: 1 | 2) {
  const db = storeDb(storeId);
  const rows = async (sql: string) => (await db.prepare(sql).all()).results;
  return {
    stock: await rows("SELECT product_id, quantity FROM stock_levels ORDER BY product_id"),
    orders: await rows("SELECT id, status, paid_amount, refunded_amount, total FROM orders ORDER BY id"),
    payments: await rows("SELECT id, status, amount, refunded_amount FROM payments ORDER BY id"),
    refunds: await rows("SELECT id FROM refunds ORDER BY id"),
    logs: await rows("SELECT id FROM inventory_logs ORDER BY id"),
  };
}

beforeAll(async () => {
  admin = (await accounts()).admin;
  productId = (await createProduct(admin.token, { price: 5, stock_quantity: 0 })).id;
  staff[1] = {
    manager: await staffAt(1, "main-manager", "manager"),
    cashier: await staffAt(1, "main-cashier", "cashier"),
  };
  staff[2] = {
    manager: await staffAt(2, "east-manager", "manager"),
    cashier: await staffAt(2, "east-cashier", "cashier"),
  };
  records[1] = await activityAt(1);
  records[2] = await activityAt(2);
});

/**
 * Every store-scoped operation, aimed at `target`'s records (or naming
 * `target` as the store). `expected`: 404 where the path names a record
 * (a store the caller has no part in does not show it exists), 403 where the
 * request names a store the caller has no role at.
 */
function operations(target: 1 | 2) {
  const r = records[target];
  const there = atStore(target);
  return [
    { name: "GET /orders/{id}", method: "GET", path: `/api/v1/orders/${r.orderId}`, expected: 404 },
    {
      name: "PUT /orders/{id}",
      method: "PUT",
      path: `/api/v1/orders/${r.orderId}`,
      body: { notes: "x" },
      expected: 404,
    },
    { name: "POST /orders/{id}/cancel", method: "POST", path: `/api/v1/orders/${r.orderId}/cancel`, expected: 404 },
    { name: "GET /orders/{id}/invoice", method: "GET", path: `/api/v1/orders/${r.orderId}/invoice`, expected: 404 },
    { name: "GET /orders/{id}/receipt", method: "GET", path: `/api/v1/orders/${r.orderId}/receipt`, expected: 404 },
    { name: "GET /orders/number/{n}", method: "GET", path: `/api/v1/orders/number/${r.orderNumber}`, expected: 404 },
    { name: "GET /payments/{id}", method: "GET", path: `/api/v1/payments/${r.paymentId}`, expected: 404 },
    {
      name: "PUT /payments/{id}",
      method: "PUT",
      path: `/api/v1/payments/${r.paymentId}`,
      body: { notes: "x" },
      expected: 404,
    },
    {
      name: "POST /payments/{id}/refund",
      method: "POST",
      path: `/api/v1/payments/${r.paymentId}/refund`,
      body: { amount: 1, reason: "test" },
      expected: 404,
    },
    {
      name: "GET /payments/order/{id}/status",
      method: "GET",
      path: `/api/v1/payments/order/${r.orderId}/status`,
      expected: 404,
    },
    {
      name: "POST /payments (the other store's order)",
      method: "POST",
      path: "/api/v1/payments",
      body: { order_id: r.orderId, payment_method: "cash", amount: 1 },
      expected: 404,
    },
    { name: "GET /inventory/logs/{id}", method: "GET", path: `/api/v1/inventory/logs/${r.logId}`, expected: 404 },
    {
      name: "POST /inventory/product/{id}/adjust (X-Store-Id)",
      method: "POST",
      path: `/api/v1/inventory/product/${productId}/adjust`,
      headers: there,
      body: { quantity_change: -1, action: "damage", notes: "x" },
      expected: 403,
    },
    {
      name: "POST /orders (store_id in the body)",
      method: "POST",
      path: "/api/v1/orders",
      body: { store_id: target, order_items: [{ product_id: productId, quantity: 1 }] },
      expected: 403,
    },
    { name: "GET /orders?store_id", method: "GET", path: `/api/v1/orders?store_id=${target}`, expected: 403 },
    { name: "GET /payments (X-Store-Id)", method: "GET", path: "/api/v1/payments", headers: there, expected: 403 },
    {
      name: "GET /inventory/logs (X-Store-Id)",
      method: "GET",
      path: "/api/v1/inventory/logs",
      headers: there,
      expected: 403,
    },
    {
      name: "GET /inventory/summary (X-Store-Id)",
      method: "GET",
      path: "/api/v1/inventory/summary",
      headers: there,
      expected: 403,
    },
    {
      name: "GET /inventory/product/{id}/history (X-Store-Id)",
      method: "GET",
      path: `/api/v1/inventory/product/${productId}/history`,
      headers: there,
      expected: 403,
    },
    {
      name: "GET /products/{id} (X-Store-Id)",
      method: "GET",
      path: `/api/v1/products/${productId}`,
      headers: there,
      expected: 403,
    },
    {
      name: "GET /products/low-stock (X-Store-Id)",
      method: "GET",
      path: "/api/v1/products/low-stock",
      headers: there,
      expected: 403,
    },
    {
      name: "GET /reports/sales (X-Store-Id)",
      method: "GET",
      path: "/api/v1/reports/sales",
      headers: there,
      expected: 403,
    },
    {
      name: "GET /reports/daily-summary (X-Store-Id)",
      method: "GET",
      path: "/api/v1/reports/daily-summary",
      headers: there,
      expected: 403,
    },
  ] as const satisfies ReadonlyArray<{
    name: string;
    method: string;
    path: string;
    expected: number;
    body?: unknown;
    headers?: Record<string, string>;
  }>;
}

describe.each([
  { from: 1 as const, to: 2 as const },
  { from: 2 as const, to: 1 as const },
])("staff of store $from against store $to", ({ from, to }) => {
  it("every store-scoped operation is refused, and the other store's books do not move", async () => {
    const before = await books(to);
    const answers: Array<{ who: string; op: string; status: number; expected: number }> = [];
    for (const who of ["manager", "cashier"] as const) {
      for (const op of operations(to)) {
        const res = await call(op.method, op.path, {
          token: staff[from][who].token,
          ...("body" in op ? { body: op.body } : {}),
          ...("headers" in op ? { headers: op.headers } : {}),
        });
        await res.body?.cancel();
        answers.push({ who, op: op.name, status: res.status, expected: op.expected });
      }
    }
    expect(answers.filter((a) => a.status !== a.expected)).toEqual([]);
    expect(await books(to)).toEqual(before);
  });

  it("the store's own lists never show the other store's records", async () => {
    const { manager } = staff[from];
    const other = records[to];
    const orders = await expectJson<{ data: Array<{ id: number }> }>(
      call("GET", "/api/v1/orders?limit=1000", { token: manager.token }),
      200,
    );
    expect(orders.data.map((o) => o.id)).toContain(records[from].orderId);
    expect(orders.data.map((o) => o.id)).not.toContain(other.orderId);
    const payments = await expectJson<{ data: Array<{ id: number }> } | Array<{ id: number }>>(
      call("GET", "/api/v1/payments?limit=1000", { token: manager.token }),
      200,
    );
    const paymentIds = (Array.isArray(payments) ? payments : payments.data).map((p) => p.id);
    expect(paymentIds).toContain(records[from].paymentId);
    expect(paymentIds).not.toContain(other.paymentId);
    const logs = await expectJson<{ data: Array<{ id: number }> } | Array<{ id: number }>>(
      call("GET", "/api/v1/inventory/logs?limit=1000", { token: manager.token }),
      200,
    );
    const logIds = (Array.isArray(logs) ? logs : logs.data).map((l) => l.id);
    expect(logIds).toContain(records[from].logId);
    expect(logIds).not.toContain(other.logId);
  });
});

describe("ids and admins", () => {
  it("an id says its store: store 2's records are numbered from 2 × 2³²", () => {
    for (const store of [1, 2] as const) {
      for (const id of [records[store].orderId, records[store].paymentId, records[store].logId]) {
        expect(Math.floor(id / 2 ** 32)).toBe(store);
      }
      expect(records[store].orderNumber).toMatch(store === 1 ? /^ORD-MAIN-/ : /^ORD-EAST-/);
    }
  });

  it("an admin reads either store's records by id with no store named, and each store's stock by X-Store-Id", async () => {
    for (const store of [1, 2] as const) {
      const order = await expectJson<{ id: number }>(
        call("GET", `/api/v1/orders/${records[store].orderId}`, { token: admin.token }),
        200,
      );
      expect(order.id).toBe(records[store].orderId);
      const payment = await expectJson<{ id: number }>(
        call("GET", `/api/v1/payments/${records[store].paymentId}`, { token: admin.token }),
        200,
      );
      expect(payment.id).toBe(records[store].paymentId);
      const product = await expectJson<{ stock_quantity: number }>(
        call("GET", `/api/v1/products/${productId}`, { token: admin.token, headers: atStore(store) }),
        200,
      );
      expect(product.stock_quantity).toBe(18); // 20 delivered, 2 sold, in each store
    }
  });

  it("a store the caller names that does not exist is a 404, a malformed one a 422", async () => {
    const missing = await call("GET", "/api/v1/orders", { token: admin.token, headers: atStore(99) });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toContain("Store 99");
    const malformed = await call("GET", "/api/v1/orders", { token: admin.token, headers: { "X-Store-Id": "east" } });
    expect(malformed.status).toBe(422);
    const twoStores = await call("GET", "/api/v1/orders?store_id=1", { token: admin.token, headers: atStore(2) });
    expect(twoStores.status).toBe(422);
  });
});
