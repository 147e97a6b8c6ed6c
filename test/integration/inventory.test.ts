import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { bookStock, gate, logSum } from "../helpers/stock";

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
    const value = await env.DB.prepare(
      "SELECT SUM(stock_quantity * cost_price) AS v FROM products WHERE is_active = 1",
    ).first<{ v: number }>();
    expect(summary.value_at_cost).toBe((value?.v ?? 0) / 100);
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
