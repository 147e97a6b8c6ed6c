/**
 * Value a cashier can give away: discounts above CASHIER_MAX_DISCOUNT_PERCENT
 * (20 in wrangler.toml) need `prices:override`, and an order that totals 0
 * completes in the batch that makes it 0 instead of staying pending forever.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { settleStoreEvents } from "../helpers/outbox";
import { bookStock, count, gate } from "../helpers/stock";
import { storeDb } from "../helpers/stores";

interface OrderOut {
  id: number;
  order_number: string;
  status: string;
  total: number;
  discount: number;
  completed_at: string | null;
  order_items: { id: number }[];
}

const createOrder = (token: string, body: unknown) => call("POST", "/api/v1/orders", { token, body });
const editOrder = (token: string, id: number, body: unknown) => call("PUT", `/api/v1/orders/${id}`, { token, body });

async function customerWithEmail(token: string, email: string) {
  return expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token, body: { first_name: "Zero", last_name: "Total", email } }),
    201,
  );
}

const customerRow = (id: number) =>
  env.DB.prepare("SELECT total_spent, loyalty_points FROM customers WHERE id = ?1").bind(id).first();

const receiptKey = (orderNumber: string) => `outbox/${encodeURIComponent(`receipt:${orderNumber}`)}.json`;

describe("cashier discount cap", () => {
  it("refuses a cashier's order or line discounts above 20% of the subtotal on create, writing nothing", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 20 });
    const ordersBefore = await count("orders");
    const line = (extra: Record<string, unknown> = {}) => [{ product_id: product.id, quantity: 10, ...extra }];

    for (const body of [
      { order_items: line(), discount: 20.01 },
      { order_items: line({ discount: 25 }) },
      { order_items: line({ discount: 15 }), discount: 5.01 },
      { order_items: line(), discount: 100 },
    ]) {
      const res = await createOrder(cashier.token, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      const answer = await res.json<{ code: string; detail: string; max_discount: number }>();
      expect(answer.code).toBe("FORBIDDEN");
      expect(answer.detail).toMatch(/20% .*100\.00.* at most 20\.00/);
      expect(answer.max_discount).toBe(20);
    }
    expect(await count("orders")).toBe(ordersBefore);
    expect(await bookStock(product.id)).toBe(20);
    // Refused before anything was reserved.
    expect((await gate().view(product.id)).open_entries).toBe(0);

    // Up to the cap is fine, line and order discounts together.
    const ok = await expectJson<OrderOut>(
      createOrder(cashier.token, { order_items: line({ discount: 15 }), discount: 5 }),
      201,
    );
    expect(ok.total).toBe(80);
    // A manager holds prices:override.
    const { manager } = await accounts();
    const big = await expectJson<OrderOut>(createOrder(manager.token, { order_items: line(), discount: 60 }), 201);
    expect(big.total).toBe(40);
  });

  it("refuses a cashier's PUT that raises the discount above the cap, and changes nothing", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 20 });
    const order = await expectJson<OrderOut>(
      createOrder(cashier.token, { order_items: [{ product_id: product.id, quantity: 5, discount: 5 }] }),
      201,
    );
    expect(order.total).toBe(45);
    // 5 of line discount + 5.01 > 10 (20% of 50).
    const refused = await editOrder(cashier.token, order.id, { discount: 5.01, notes: "friend" });
    expect(refused.status).toBe(403);
    expect((await refused.json<{ detail: string }>()).detail).toContain("at most 10.00");
    const row = await storeDb()
      .prepare("SELECT discount, total, notes FROM orders WHERE id = ?1")
      .bind(order.id)
      .first();
    expect(row).toEqual({ discount: 0, total: 4500, notes: null });

    const edited = await expectJson<OrderOut>(editOrder(cashier.token, order.id, { discount: 5 }), 200);
    expect(edited.total).toBe(40);
    // A manager may go further.
    const managed = await expectJson<OrderOut>(editOrder(manager.token, order.id, { discount: 20 }), 200);
    expect(managed.total).toBe(25);
    // Lowering it, or editing other fields, stays open to the cashier.
    expect((await expectJson<OrderOut>(editOrder(cashier.token, order.id, { notes: "ok" }), 200)).total).toBe(25);
    expect((await expectJson<OrderOut>(editOrder(cashier.token, order.id, { discount: 10 }), 200)).total).toBe(35);
  });
});

describe("orders that total 0", () => {
  it("completes an order created at 0 in its own batch, with the receipt", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 12, stock_quantity: 5 });
    const customer = await customerWithEmail(manager.token, "zero-create@example.com");
    const order = await expectJson<OrderOut>(
      createOrder(manager.token, {
        customer_id: customer.id,
        order_items: [{ product_id: product.id, quantity: 2 }],
        discount: 24,
      }),
      201,
    );
    expect(order).toMatchObject({ status: "completed", total: 0 });
    expect(order.completed_at).not.toBeNull();
    expect(await bookStock(product.id)).toBe(3);
    expect(await customerRow(customer.id)).toEqual({ total_spent: 0, loyalty_points: 0 });
    await expect
      .poll(async () => (await env.FILES.head(receiptKey(order.order_number))) !== null, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(true);
    // Nothing is left to pay, and the order counts as completed everywhere.
    const status = await expectJson<{ is_fully_paid: boolean; remaining_amount: number }>(
      call("GET", `/api/v1/payments/order/${order.id}/status`, { token: manager.token }),
      200,
    );
    expect(status).toMatchObject({ is_fully_paid: true, remaining_amount: 0 });
  });

  it("completes an order whose redeemed points cover it, created by a cashier", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 3, stock_quantity: 5 });
    const customer = await customerWithEmail(cashier.token, "zero-points@example.com");
    await expectJson(
      call("POST", `/api/v1/customers/${customer.id}/loyalty-points`, {
        token: manager.token,
        body: { points: 500, reason: "welcome" },
      }),
      200,
    );
    const order = await expectJson<OrderOut>(
      createOrder(cashier.token, {
        customer_id: customer.id,
        order_items: [{ product_id: product.id, quantity: 1 }],
        redeem_points: 300,
      }),
      201,
    );
    expect(order).toMatchObject({ status: "completed", total: 0 });
    expect(await customerRow(customer.id)).toEqual({ total_spent: 0, loyalty_points: 200 });

    // Goods sold at 0 can come back: cancelling the completed zero-total order
    // restocks it and returns the points (there is no payment to refund).
    expect(await bookStock(product.id)).toBe(4);
    const cancelled = await expectJson<OrderOut>(
      call("POST", `/api/v1/orders/${order.id}/cancel`, { token: manager.token }),
      200,
    );
    expect(cancelled.status).toBe("cancelled");
    expect(await bookStock(product.id)).toBe(5);
    await expect.poll(async () => (await gate().view(product.id)).open_entries).toBe(0);
    expect(await gate().view(product.id)).toMatchObject({ available: 5 });
    // The points come back through the cancel's outbox event, once it is applied at the head office.
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ total_spent: 0, loyalty_points: 500 });
    const again = await call("POST", `/api/v1/orders/${order.id}/cancel`, { token: manager.token });
    expect(again.status).toBe(409);
    expect(await bookStock(product.id)).toBe(5);
    // Cashiers still cannot cancel, and a completed order that took money is refunded, not cancelled.
    const paidOrder = await expectJson<OrderOut>(
      createOrder(cashier.token, { order_items: [{ product_id: product.id, quantity: 1 }] }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: paidOrder.id, payment_method: "credit_card", amount: 3 },
      }),
      201,
    );
    expect((await call("POST", `/api/v1/orders/${paidOrder.id}/cancel`, { token: manager.token })).status).toBe(409);
    expect(await bookStock(product.id)).toBe(4);
  });

  it("completes a pending order when an edit brings its total to 0, or down to what was paid", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const customer = await customerWithEmail(cashier.token, "zero-edit@example.com");
    const order = await expectJson<OrderOut>(
      createOrder(cashier.token, { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 3 }] }),
      201,
    );
    expect(order.status).toBe("pending");
    const edited = await expectJson<OrderOut>(editOrder(manager.token, order.id, { discount: 30 }), 200);
    expect(edited).toMatchObject({ status: "completed", total: 0 });
    expect(edited.completed_at).not.toBeNull();
    await expect
      .poll(async () => (await env.FILES.head(receiptKey(order.order_number))) !== null, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(true);
    // Completed: no further edits, as for any completed order.
    expect((await editOrder(manager.token, order.id, { discount: 0 })).status).toBe(409);

    // Part paid, then discounted down to exactly the paid amount: nothing is left to pay.
    const second = await expectJson<OrderOut>(
      createOrder(cashier.token, { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 3 }] }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: second.id, payment_method: "credit_card", amount: 24 },
      }),
      201,
    );
    const settled = await expectJson<OrderOut>(editOrder(manager.token, second.id, { discount: 6 }), 200);
    expect(settled).toMatchObject({ status: "completed", total: 24 });
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ total_spent: 2400, loyalty_points: 24 });
  });
});
