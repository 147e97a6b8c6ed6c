/**
 * Mass assignment: fields a client must not set (ids, owners, totals, status,
 * stock, points, roles) are refused with a 4xx or ignored, and whatever the
 * server computes (totals, stock, ownership) comes out as if they were absent.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct, storeStock } from "../helpers/catalog";
import { storeDb } from "../helpers/stores";

const FORGED = {
  id: 424_242,
  user_id: 1,
  created_at: "2000-01-01T00:00:00Z",
  updated_at: "2000-01-01T00:00:00Z",
  version: 99,
};

describe("mass assignment", () => {
  it("recomputes an order from its lines whatever totals, status, owner or number the body claims", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 12.5, stock_quantity: 20 });
    const order = await expectJson<Record<string, unknown>>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: {
          ...FORGED,
          order_number: "ORD-FORGED",
          status: "completed",
          subtotal: 0.01,
          total: 0.01,
          paid_amount: 999,
          points_earned: 1_000_000,
          order_items: [{ product_id: product.id, quantity: 2, subtotal: 0.01, product_name: "Free", id: 7 }],
        },
      }),
      201,
    );
    expect(order).toMatchObject({ status: "pending", subtotal: 25, total: 25, user_id: cashier.id });
    expect(order.id).not.toBe(FORGED.id);
    expect(order.order_number).not.toBe("ORD-FORGED");
    expect(order.payments_summary).toMatchObject({ paid_amount: 0, remaining_amount: 25 });
    expect(order.order_items).toEqual([expect.objectContaining({ product_name: product.name, subtotal: 25 })]);
    const stored = await storeDb(1)
      .prepare("SELECT total, paid_amount, status, user_id FROM orders WHERE id = ?1")
      .bind(order.id)
      .first();
    expect(stored).toEqual({ total: 2500, paid_amount: 0, status: "pending", user_id: cashier.id });

    // A cashier's price override is refused, not silently applied.
    const override = await call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { order_items: [{ product_id: product.id, quantity: 1, unit_price: 0.01 }] },
    });
    expect(override.status).toBe(403);

    // Editing an order cannot set its totals or complete it.
    const edited = await expectJson<Record<string, unknown>>(
      call("PUT", `/api/v1/orders/${order.id}`, {
        token: admin.token,
        body: { total: 0.01, paid_amount: 25, user_id: admin.id, notes: "edited" },
      }),
      200,
    );
    expect(edited).toMatchObject({ total: 25, user_id: cashier.id, notes: "edited", status: "pending" });
    const complete = await call("PUT", `/api/v1/orders/${order.id}`, {
      token: admin.token,
      body: { status: "completed" },
    });
    expect(complete.status).toBe(409);
  });

  it("keeps payments' status, refunds and change to the server", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 5 });
    const order = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    const refused = await call("POST", "/api/v1/payments", {
      token: cashier.token,
      body: { order_id: order.id, payment_method: "cash", amount: 10, status: "refunded" },
    });
    expect(refused.status).toBe(422);
    const payment = await expectJson<Record<string, unknown>>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: {
          ...FORGED,
          order_id: order.id,
          payment_method: "cash",
          amount: 10,
          amount_tendered: 20,
          change_due: 0,
          refunded_amount: 10,
        },
      }),
      201,
    );
    expect(payment).toMatchObject({ amount: 10, change_due: 10, refunded_amount: 0, refundable_amount: 10 });
    expect(payment.id).not.toBe(FORGED.id);
    expect(payment.user_id).toBe(cashier.id);
  });

  it("never lets a product body set stock, or a customer body set points", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(manager.token, { ...FORGED, stock_quantity: 3 });
    expect(product.id).not.toBe(FORGED.id);
    const update = await call("PUT", `/api/v1/products/${product.id}`, {
      token: manager.token,
      body: { stock_quantity: 1_000 },
    });
    expect(update.status).toBe(422);
    expect(await storeStock(product.id)).toBe(3);

    const customer = await expectJson<Record<string, unknown>>(
      call("POST", "/api/v1/customers", {
        token: admin.token,
        body: { ...FORGED, first_name: "Pat", last_name: "Points", loyalty_points: 1_000_000, total_spent: 5_000 },
      }),
      201,
    );
    expect(customer).toMatchObject({ loyalty_points: 0, total_spent: 0 });
    expect(customer.id).not.toBe(FORGED.id);
    const edited = await call("PUT", `/api/v1/customers/${customer.id}`, {
      token: admin.token,
      body: { loyalty_points: 1_000_000, first_name: "Patricia" },
    });
    expect(edited.status).toBeLessThan(500);
    const stored = await env.DB.prepare("SELECT loyalty_points FROM customers WHERE id = ?1").bind(customer.id).first();
    expect(stored).toEqual({ loyalty_points: 0 });
  });

  it("refuses a role or activation change from anyone but an admin", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    for (const account of [cashier, manager]) {
      for (const body of [{ role: "admin" }, { is_active: true }, { id: 1 }]) {
        const res = await call("PUT", `/api/v1/users/${account.id}`, { token: account.token, body });
        expect(res.status, `${account.username} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    const me = await expectJson<{ role: string }>(call("GET", "/api/v1/auth/me", { token: cashier.token }), 200);
    expect(me.role).toBe("cashier");
    const roles = await env.DB.prepare("SELECT role, COUNT(*) AS n FROM users GROUP BY role ORDER BY role").all();
    expect(roles.results).toEqual([
      { role: "admin", n: 1 },
      { role: "cashier", n: 1 },
      { role: "inventory_officer", n: 1 },
      { role: "manager", n: 1 },
    ]);
  });
});
