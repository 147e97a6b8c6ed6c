import { describe, it } from "vitest";
import { accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";
import { bookStock, count, gate, logSum } from "../helpers/stock";
import { MAIN_STORE, storeDb } from "../helpers/stores";

interface Order {
  id: number;
  order_number: string;
  status: string;
  subtotal: number;
  tax: number;
  discount: number;
  total: number;
  order_items: { product_id: number; quantity: number; unit_price: number; discount: number; subtotal: number }[];
}

const order = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/orders", { token, body, headers });

describe("creating orders", () => {
  it("takes the contract's sample body verbatim and prices it on the server", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    await createCategory(admin.token, "Any");
    const laptop = await createProduct(admin.token, { price: 999.99, stock_quantity: 50 });
    const mouse = await createProduct(admin.token, { price: 25.5, stock_quantity: 10 });
    expect([laptop.id, mouse.id]).toEqual([1, 2]);
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "C", last_name: "One" } }),
      201,
    );
    expect(customer.id).toBe(1);

    const created = await expectJson<Order>(
      order(cashier.token, {
        customer_id: 1,
        order_items: [
          { product_id: 1, quantity: 2, discount: 10 },
          { product_id: 2, quantity: 1 },
        ],
        tax: 15.5,
        discount: 5,
      }),
      201,
    );
    // 999.99 × 2 − 10 = 1989.98; + 25.50 = 2015.48; + 15.50 − 5 = 2025.98
    expect(created).toMatchObject({ status: "pending", subtotal: 2015.48, tax: 15.5, discount: 5, total: 2025.98 });
    expect(created.order_number).toMatch(/^ORD-MAIN-\d{8}-[0-9A-F]{8}$/);
    // Store 1's first order: the id says which store's database holds it.
    expect(created.id).toBe(2 ** 32 + 1);
    expect(created.order_items.map((i) => [i.product_id, i.quantity, i.subtotal])).toEqual([
      [1, 2, 1989.98],
      [2, 1, 25.5],
    ]);
    expect(await bookStock(1)).toBe(48);
    expect(await bookStock(2)).toBe(9);
    const logs = await storeDb(MAIN_STORE.id)
      .prepare(
        "SELECT product_id, action, quantity_change, quantity_before, quantity_after, stock_ref FROM inventory_logs WHERE action = 'sale' ORDER BY product_id",
      )
      .all();
    expect(logs.results).toEqual([
      {
        product_id: 1,
        action: "sale",
        quantity_change: -2,
        quantity_before: 50,
        quantity_after: 48,
        stock_ref: created.order_number,
      },
      {
        product_id: 2,
        action: "sale",
        quantity_change: -1,
        quantity_before: 10,
        quantity_after: 9,
        stock_ref: created.order_number,
      },
    ]);
    expect((await gate().view(1)).available).toBe(48);
  });

  it("merges duplicate lines and refuses bad carts with 4xx, writing nothing", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const p = await createProduct(admin.token, { price: 3, stock_quantity: 100 });
    const inactive = await createProduct(admin.token, { price: 3, stock_quantity: 100 });
    await expectJson(call("DELETE", `/api/v1/products/${inactive.id}`, { token: admin.token }), 200);

    const merged = await expectJson<Order>(
      order(cashier.token, {
        order_items: [
          { product_id: p.id, quantity: 2 },
          { product_id: p.id, quantity: 3, discount: 1 },
        ],
      }),
      201,
    );
    expect(merged.order_items).toHaveLength(1);
    expect(merged.order_items[0]).toMatchObject({ quantity: 5, discount: 1, subtotal: 14 });

    const before = { orders: await count("orders"), logs: await count("inventory_logs"), stock: await bookStock(p.id) };
    const refusals: [unknown, number][] = [
      [{ order_items: [] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 0 }] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 10_001 }] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1.5 }] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: -1 }] }, 422],
      [{ order_items: [{ product_id: 99_999, quantity: 1 }] }, 422],
      [{ order_items: [{ product_id: inactive.id, quantity: 1 }] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1, discount: 3.01 }] }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1 }], discount: 3.01 }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1 }], tax: 1.001 }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1 }], customer_id: 424242 }, 422],
      [{ order_items: Array.from({ length: 101 }, () => ({ product_id: p.id, quantity: 1 })) }, 422],
      [{ order_items: [{ product_id: p.id, quantity: 1, unit_price: 0.5 }] }, 403],
      [
        {
          order_items: [
            { product_id: p.id, quantity: 6000 },
            { product_id: p.id, quantity: 6000 },
          ],
        },
        422,
      ],
    ];
    for (const [body, status] of refusals) {
      const res = await order(cashier.token, body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(status);
    }
    expect({
      orders: await count("orders"),
      logs: await count("inventory_logs"),
      stock: await bookStock(p.id),
    }).toEqual(before);

    const { manager } = await accounts();
    const override = await expectJson<Order>(
      order(manager.token, { order_items: [{ product_id: p.id, quantity: 2, unit_price: "2.25" }] }),
      201,
    );
    expect(override.total).toBe(4.5);
  });

  it("sells S units exactly once when 4·S tills race for them", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    for (const stock of [1, 50]) {
      const product = await createProduct(admin.token, { price: 1, stock_quantity: stock });
      const results = await Promise.all(
        Array.from({ length: 4 * stock }, () =>
          order(cashier.token, { order_items: [{ product_id: product.id, quantity: 1 }] }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(stock);
      expect(statuses.filter((s) => s === 409)).toHaveLength(3 * stock);
      for (const res of results.filter((r) => r.status === 409)) {
        expect(await res.json()).toMatchObject({ code: "INSUFFICIENT_STOCK", product_id: product.id, available: 0 });
      }
      expect(await bookStock(product.id)).toBe(0);
      expect((await gate().view(product.id)).available).toBe(0);
      expect(await logSum(product.id)).toBe(0);
    }
  });

  it("writes nothing anywhere when the last line cannot be filled", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const a = await createProduct(admin.token, { stock_quantity: 5 });
    const b = await createProduct(admin.token, { stock_quantity: 5 });
    const c = await createProduct(admin.token, { stock_quantity: 1 });
    const before = {
      orders: await count("orders"),
      items: await count("order_items"),
      logs: await count("inventory_logs"),
    };
    const res = await order(cashier.token, {
      order_items: [
        { product_id: a.id, quantity: 2 },
        { product_id: b.id, quantity: 3 },
        { product_id: c.id, quantity: 2 },
      ],
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      code: "INSUFFICIENT_STOCK",
      product_id: c.id,
      requested: 2,
      available: 1,
    });
    expect({
      orders: await count("orders"),
      items: await count("order_items"),
      logs: await count("inventory_logs"),
    }).toEqual(before);
    for (const [p, stock] of [
      [a, 5],
      [b, 5],
      [c, 1],
    ] as const) {
      expect(await bookStock(p.id)).toBe(stock);
      // The taken reservations were released (settling may finish just after the response).
      await expect.poll(async () => (await gate().view(p.id)).available).toBe(stock);
      expect((await gate().view(p.id)).held_take).toBe(0);
    }
  });
});

describe("the caller check that rides in the order's first batch", () => {
  it("refuses a deactivated cashier's old token and a demoted role, selling nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    const makeCashier = (name: string) => createAccount(admin.token, name, "cashier");
    const body = { order_items: [{ product_id: product.id, quantity: 1 }] };

    const leaver = await makeCashier("leavingtill");
    await expectJson(call("DELETE", `/api/v1/users/${leaver.id}`, { token: admin.token }), 200);
    expect((await order(leaver.token, body)).status).toBe(401);
    expect((await order(leaver.token, body, { "Idempotency-Key": "leaver-1" })).status).toBe(401);

    const moved = await makeCashier("movedtill");
    await expectJson(
      call("PUT", `/api/v1/users/${moved.id}`, { token: admin.token, body: { role: "inventory_officer" } }),
      200,
    );
    const refused = await order(moved.token, body);
    expect(refused.status).toBe(403);

    expect(await bookStock(product.id)).toBe(5);
    // The units were reserved while the head office checked the caller, and
    // released before the refusal was answered.
    expect(await gate().view(product.id)).toMatchObject({ open_entries: 0, held_take: 0, available: 5 });
    expect((await order(admin.token, body)).status).toBe(201);
  });
});
