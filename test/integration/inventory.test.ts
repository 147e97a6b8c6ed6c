import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { stockOnHand } from "../../src/services/inventory";
import { reconcileEveryStore } from "../../src/services/reconcile";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import {
  storeStock as bookStock,
  createProduct,
  grantStoreRole,
  storeLogSum as logSum,
  storeGate,
} from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { atStore, storeDb } from "../helpers/stores";

const gate = () => storeGate();

interface Movement {
  id: number;
  action: string;
  quantity_change: number;
  quantity_before: number;
  quantity_after: number;
  stock_quantity: number;
}

describe("inventory movements", () => {
  it("takes the contract's bodies, in the body or the older query form", async ({ expect }) => {
    const { admin, inventory_officer: officer } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10 });
    const adjusted = await expectJson<Movement>(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: officer.token,
        body: { action: "stock_in", quantity_change: 5, notes: "delivery" },
      }),
      201,
    );
    expect(adjusted).toMatchObject({
      action: "stock_in",
      quantity_change: 5,
      quantity_before: 10,
      quantity_after: 15,
      stock_quantity: 15,
    });

    await expectJson(
      call("POST", "/api/v1/inventory/logs", {
        token: officer.token,
        body: {
          product_id: product.id,
          action: "stock_in",
          quantity_change: 5,
          reference_number: "PO-1",
          notes: "supplier delivery",
        },
      }),
      201,
    );
    const viaQuery = await expectJson<Movement>(
      call("POST", `/api/v1/inventory/logs?product_id=${product.id}`, {
        token: officer.token,
        body: { action: "damage", quantity_change: 2, notes: "dropped" },
      }),
      201,
    );
    expect(viaQuery).toMatchObject({ action: "damage", quantity_change: -2, quantity_after: 18 });

    const counted = await expectJson<Movement>(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: officer.token,
        body: { new_quantity: 12 },
      }),
      201,
    );
    expect(counted).toMatchObject({ action: "adjustment", quantity_change: -6, quantity_after: 12 });
    expect(await bookStock(product.id)).toBe(12);
    expect(await logSum(product.id)).toBe(12);
    await expect.poll(async () => (await gate().view(product.id)).available).toBe(12);
  });

  it("refuses going below zero with 409 and bad movements with 422, writing nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 3 });
    const path = `/api/v1/inventory/product/${product.id}/adjust`;
    const below = await call("POST", path, { token: admin.token, body: { action: "stock_out", quantity_change: 4 } });
    expect(below.status).toBe(409);
    expect(await below.json()).toMatchObject({ code: "INSUFFICIENT_STOCK", available: 3 });
    for (const body of [
      {},
      { quantity_change: 0 },
      { action: "stock_in", quantity_change: -1 },
      { action: "sale", quantity_change: -1 },
      { quantity_change: 1, new_quantity: 2 },
      { action: "stock_in", new_quantity: 2 },
      { new_quantity: 3 },
      { new_quantity: -1 },
      { quantity_change: 1.5 },
    ]) {
      expect((await call("POST", path, { token: admin.token, body })).status, JSON.stringify(body)).toBe(422);
    }
    expect(
      (await call("POST", "/api/v1/inventory/logs", { token: admin.token, body: { quantity_change: 1 } })).status,
    ).toBe(422);
    expect(
      (
        await call("POST", "/api/v1/inventory/product/999999/adjust", {
          token: admin.token,
          body: { quantity_change: 1 },
        })
      ).status,
    ).toBe(404);
    expect(await bookStock(product.id)).toBe(3);
    expect(await logSum(product.id)).toBe(3);
  });

  it("replays an adjustment sent twice with one Idempotency-Key", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 1 });
    const send = (body: unknown) =>
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        body,
        headers: { "Idempotency-Key": "delivery-42" },
      });
    const first = await send({ action: "stock_in", quantity_change: 7 });
    const firstBody = await expectJson(first, 201);
    const again = await send({ action: "stock_in", quantity_change: 7 });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectJson(again, 201)).toEqual(firstBody);
    expect((await send({ action: "stock_in", quantity_change: 8 })).status).toBe(422);
    expect(await bookStock(product.id)).toBe(8);
  });

  it("lists, filters and summarises the log", async ({ expect }) => {
    const { admin, inventory_officer: officer, manager } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 4, price: 2, cost_price: 1 });
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: officer.token,
        body: { action: "damage", quantity_change: 1 },
      }),
      201,
    );
    const history = await expectJson<{ total: number; data: Movement[] }>(
      call("GET", `/api/v1/inventory/product/${product.id}/history`, { token: manager.token }),
      200,
    );
    expect(history.data.map((row) => row.action)).toEqual(["damage", "stock_in"]);
    const damage = await expectJson<{ data: Movement[] }>(
      call("GET", `/api/v1/inventory/logs?action=damage&product_id=${product.id}`, { token: officer.token }),
      200,
    );
    expect(damage.data).toHaveLength(1);
    const one = await expectJson(
      call("GET", `/api/v1/inventory/logs/${damage.data[0]?.id}`, { token: officer.token }),
      200,
    );
    expect(one).toMatchObject({ action: "damage", quantity_change: -1 });
    const summary = await expectJson<{ by_action: { action: string; units_out: number }[]; value_at_cost: number }>(
      call("GET", "/api/v1/inventory/summary", { token: manager.token }),
      200,
    );
    expect(summary.by_action.find((row) => row.action === "damage")?.units_out).toBeGreaterThanOrEqual(1);
    // What MAIN holds, priced from the catalog: the two databases read apart and joined here.
    const levels = (
      await storeDb(1)
        .prepare("SELECT product_id, quantity FROM stock_levels")
        .all<{ product_id: number; quantity: number }>()
    ).results;
    const costs = new Map(
      (
        await env.DB.prepare("SELECT id, cost_price FROM products WHERE is_active = 1").all<{
          id: number;
          cost_price: number;
        }>()
      ).results.map((row) => [row.id, row.cost_price]),
    );
    const value = levels.reduce((sum, row) => sum + row.quantity * (costs.get(row.product_id) ?? 0), 0);
    expect(value).toBeGreaterThan(0);
    expect(summary.value_at_cost).toBe(value / 100);
    for (const bad of ["logs?start_date=2026-02-30", "logs?end_date=25-11-2026", "summary?start_date=2026-13-01"]) {
      expect((await call("GET", `/api/v1/inventory/${bad}`, { token: manager.token })).status, bad).toBe(422);
    }
  });

  it("keeps cashiers out of inventory and non-admins out of reconcile", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 2 });
    const adjust = await call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
      token: cashier.token,
      body: { quantity_change: 5 },
    });
    expect(adjust.status).toBe(403);
    expect((await call("GET", "/api/v1/inventory/logs", { token: cashier.token })).status).toBe(403);
    expect((await call("GET", "/api/v1/inventory/reconcile", { token: manager.token })).status).toBe(403);
    expect(await bookStock(product.id)).toBe(2);
  });
});

interface ProductAnswer {
  id: number;
  stock_quantity: number;
  min_stock_level: number;
}

interface ReconcileAnswer {
  store_id: number;
  checked: number;
  in_step: number;
  drift: unknown[];
  in_flight: unknown[];
}

describe("stock per store", () => {
  const adjust = (token: string, productId: number, body: Record<string, unknown>, storeId?: number) =>
    call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
      token,
      body,
      ...(storeId ? { headers: atStore(storeId) } : {}),
    });

  it("shows each store its own stock and minimum for the same product", async ({ expect }) => {
    const { admin, inventory_officer: officer } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5, min_stock_level: 2 });
    // EAST has no row yet: nothing there, against the catalog's minimum.
    const eastBefore = await expectJson<ProductAnswer>(
      call("GET", `/api/v1/products/${product.id}`, { token: admin.token, headers: atStore(2) }),
      200,
    );
    expect(eastBefore).toMatchObject({ stock_quantity: 0, min_stock_level: 2 });

    await grantStoreRole(officer.id, 2, "inventory_officer");
    await expectJson(adjust(officer.token, product.id, { action: "stock_in", quantity_change: 9 }, 2), 201);
    await expectJson(adjust(officer.token, product.id, { action: "damage", quantity_change: 1 }, 2), 201);
    await expectJson(adjust(officer.token, product.id, { new_quantity: 3 }), 201); // MAIN: a count
    await expectJson(
      call("PUT", `/api/v1/products/${product.id}`, {
        token: admin.token,
        headers: atStore(2),
        body: { min_stock_level: 10 },
      }),
      200,
    );

    const main = await expectJson<ProductAnswer>(
      call("GET", `/api/v1/products/${product.id}`, { token: officer.token }),
      200,
    );
    const east = await expectJson<ProductAnswer>(
      call("GET", `/api/v1/products/${product.id}?store_id=2`, { token: officer.token }),
      200,
    );
    expect(main).toMatchObject({ stock_quantity: 3, min_stock_level: 2 });
    expect(east).toMatchObject({ stock_quantity: 8, min_stock_level: 10 });
    expect(await bookStock(product.id, 1)).toBe(3);
    expect(await bookStock(product.id, 2)).toBe(8);
    expect(await logSum(product.id, 2)).toBe(8);
    await expect.poll(async () => (await storeGate(2).view(product.id)).available).toBe(8);
    await expect.poll(async () => (await storeGate(1).view(product.id)).available).toBe(3);

    // Low stock is each store's: 8 ≤ 10 at EAST, 3 > 2 at MAIN.
    const low = async (storeId: number) =>
      (
        await expectJson<{ data: ProductAnswer[] }>(
          call("GET", "/api/v1/products/low-stock?limit=1000", { token: officer.token, headers: atStore(storeId) }),
          200,
        )
      ).data.map((p) => p.id);
    expect(await low(2)).toContain(product.id);
    expect(await low(1)).not.toContain(product.id);

    // Sorting by stock sorts by the acting store's.
    const other = await createProduct(admin.token, { stock_quantity: 5 }); // 5 at MAIN, none at EAST
    const order = async (storeId: number) =>
      (
        await expectJson<{ data: ProductAnswer[] }>(
          call("GET", "/api/v1/products?sort=-stock&limit=1000", { token: officer.token, headers: atStore(storeId) }),
          200,
        )
      ).data
        .map((p) => p.id)
        .filter((id) => id === product.id || id === other.id);
    expect(await order(1)).toEqual([other.id, product.id]);
    expect(await order(2)).toEqual([product.id, other.id]);

    // The store's log holds its own rows only, with ids from its range.
    const eastLogs = await expectJson<{ data: { id: number; product_id: number }[] }>(
      call("GET", `/api/v1/inventory/product/${product.id}/history`, { token: officer.token, headers: atStore(2) }),
      200,
    );
    expect(eastLogs.data.map((log) => log.id >= 2 * 2 ** 32)).toEqual([true, true]);
  });

  it("gives a MAIN manager no say at EAST and no sight of EAST's log rows", async ({ expect }) => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 4 });
    const east = await expectJson<{ id: number }>(
      adjust(admin.token, product.id, { action: "stock_in", quantity_change: 6 }, 2),
      201,
    );
    const refused = await adjust(manager.token, product.id, { action: "stock_in", quantity_change: 1 }, 2);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ detail: expect.stringContaining("EAST") });
    expect(await bookStock(product.id, 2)).toBe(6);

    for (const who of [manager, cashier]) {
      const hidden = await call("GET", `/api/v1/inventory/logs/${east.id}`, { token: who.token });
      expect(hidden.status, who.username).toBe(404);
      expect(await hidden.json()).toMatchObject({ detail: "Inventory log not found" });
    }
    // The id alone names the store: the admin reads it with no store hint.
    expect(
      await expectJson(call("GET", `/api/v1/inventory/logs/${east.id}`, { token: admin.token }), 200),
    ).toMatchObject({ id: east.id, quantity_change: 6 });
    // MAIN's log listing does not show EAST's rows.
    const mainLogs = await expectJson<{ data: { id: number }[] }>(
      call("GET", `/api/v1/inventory/logs?product_id=${product.id}`, { token: manager.token }),
      200,
    );
    expect(mainLogs.data.map((log) => log.id)).not.toContain(east.id);
    expect(mainLogs.data).toHaveLength(1);
  });

  it("reconciles each store with no drift after mixed activity in both", async ({ expect }) => {
    const { admin } = await accounts();
    const a = await createProduct(admin.token, { stock_quantity: 10 });
    const b = await createProduct(admin.token, { stock_quantity: 0 });
    const eastCreated = await expectJson<ProductAnswer>(
      call("POST", "/api/v1/products", {
        token: admin.token,
        headers: atStore(2),
        body: { sku: `EAST-${a.id}`, name: "Made at EAST", price: 3, stock_quantity: 7 },
      }),
      201,
    );
    expect(eastCreated.stock_quantity).toBe(7);
    expect(await bookStock(eastCreated.id, 1)).toBeUndefined();
    for (const [storeId, productId, body] of [
      [1, a.id, { action: "stock_out", quantity_change: 3 }],
      [2, a.id, { action: "stock_in", quantity_change: 12 }],
      [2, a.id, { new_quantity: 5 }],
      [1, b.id, { action: "stock_in", quantity_change: 2 }],
      [2, b.id, { action: "stock_in", quantity_change: 4 }],
      [2, b.id, { action: "damage", quantity_change: 4 }],
      [2, eastCreated.id, { action: "stock_out", quantity_change: 2 }],
      [1, eastCreated.id, { action: "stock_in", quantity_change: 1 }],
    ] as const) {
      await expectJson(adjust(admin.token, productId, body, storeId), 201);
    }
    const overstock = await adjust(admin.token, b.id, { action: "stock_out", quantity_change: 1 }, 2);
    expect(overstock.status).toBe(409);

    const report = (storeId: number) =>
      expectJson<ReconcileAnswer>(
        call("GET", "/api/v1/inventory/reconcile?limit=1000", { token: admin.token, headers: atStore(storeId) }),
        200,
      );
    for (const [storeId, checked] of [
      [1, [a.id, b.id, eastCreated.id]],
      [2, [a.id, b.id, eastCreated.id]],
    ] as const) {
      await expect
        .poll(async () => {
          const r = await report(storeId);
          return { store_id: r.store_id, drift: r.drift, in_flight: r.in_flight, ok: r.in_step === r.checked };
        })
        .toEqual({ store_id: storeId, drift: [], in_flight: [], ok: true });
      for (const id of checked) expect(await logSum(id, storeId)).toBe(await bookStock(id, storeId));
    }
    expect([await bookStock(a.id, 1), await bookStock(a.id, 2)]).toEqual([7, 5]);
    expect([await bookStock(b.id, 1), await bookStock(b.id, 2)]).toEqual([2, 0]);
    expect([await bookStock(eastCreated.id, 1), await bookStock(eastCreated.id, 2)]).toEqual([1, 5]);

    // The chain-wide run visits both stores.
    const everyStore = await reconcileEveryStore(await testContext(), { skip: 0, limit: 1000 });
    expect(everyStore.map((r) => ({ store_id: r.store_id, drift: r.drift }))).toEqual([
      { store_id: 1, drift: [] },
      { store_id: 2, drift: [] },
    ]);
  });
});

describe("stock on hand per store", () => {
  it("sums the acting store's levels against the catalog, in chunks or not", async ({ expect }) => {
    const { admin } = await accounts();
    const priced = await createProduct(admin.token, { stock_quantity: 4, price: 2, cost_price: 1 });
    await expectJson(
      call("POST", `/api/v1/inventory/product/${priced.id}/adjust`, {
        token: admin.token,
        headers: atStore(2),
        body: { action: "stock_in", quantity_change: 3 },
      }),
      201,
    );
    for (const storeId of [1, 2]) {
      const ctx = await testContext({ storeId });
      const whole = await stockOnHand(ctx);
      expect(await stockOnHand(ctx, 1)).toEqual(whole);
      const units = await storeDb(storeId)
        .prepare("SELECT COALESCE(SUM(quantity), 0) AS n FROM stock_levels")
        .first<{ n: number }>();
      expect(whole.units_on_hand, `store ${storeId}`).toBe(units?.n);
      const active = await env.DB.prepare("SELECT COUNT(*) AS n FROM products WHERE is_active = 1").first<{
        n: number;
      }>();
      expect(whole.total_products).toBe(active?.n);
    }
    const east = await expectJson<{ units_on_hand: number; value_at_cost: number; out_of_stock_count: number }>(
      call("GET", "/api/v1/inventory/summary", { token: admin.token, headers: atStore(2) }),
      200,
    );
    expect(east.units_on_hand).toBe((await stockOnHand(await testContext({ storeId: 2 }))).units_on_hand);
    expect(east.units_on_hand).toBeGreaterThanOrEqual(3);
  });
});
