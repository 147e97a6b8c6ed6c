import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import {
  customerRow,
  dbOfId,
  orderRow,
  type PaymentResult,
  pay,
  paymentCount,
  type Refund,
  sale,
} from "../helpers/money";
import { settleStoreEvents } from "../helpers/outbox";
import { bookStock, gate, logSum } from "../helpers/stock";

describe("refunds", () => {
  it("reverses points in proportion, and refuses pending payments and items listed twice", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 50, stock_quantity: 10 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Pro", last_name: "Rata" } }),
      201,
    );
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }], { customer_id: customer.id });
    const paid = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 100 }),
      201,
    );
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toMatchObject({ loyalty_points: 100, total_spent: 10000 });
    const refund = (paymentId: number, body: Record<string, unknown>) =>
      call("POST", `/api/v1/payments/${paymentId}/refund`, { token: manager.token, body });

    const itemId = (
      await expectJson<{ order_items: { id: number }[] }>(
        call("GET", `/api/v1/orders/${order.id}`, { token: manager.token }),
        200,
      )
    ).order_items[0]?.id;
    const twice = await refund(paid.id, {
      reason: "twice",
      items: [
        { order_item_id: itemId, quantity: 1 },
        { order_item_id: itemId, quantity: 1 },
      ],
    });
    expect(twice.status).toBe(422);

    const partial = await expectJson<Refund>(refund(paid.id, { reason: "part", amount: 40 }), 201);
    expect(partial).toMatchObject({ amount: 40, points_reversed: 40 });
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 60, total_spent: 6000 });

    const other = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const pending = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: other.id, payment_method: "bank_transfer", amount: 50, status: "pending" }),
      201,
    );
    expect((await refund(pending.id, { reason: "not taken yet", amount: 10 })).status).toBe(409);
    expect(await orderRow(order.id)).toMatchObject({ refunded_amount: 4000 });
  });

  it("caps refunds at what the payment took, even when two race", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 60, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const payment = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 60 }),
      201,
    );
    const path = `/api/v1/payments/${payment.id}/refund`;
    const results = await Promise.all([
      call("POST", path, { token: manager.token, body: { amount: 40, reason: "race A" } }),
      call("POST", path, { token: admin.token, body: { amount: 40, reason: "race B" } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 400]);
    const sum = await dbOfId(payment.id)
      .prepare("SELECT SUM(amount) AS s FROM refunds WHERE payment_id = ?1")
      .bind(payment.id)
      .first<{ s: number }>();
    expect(sum?.s).toBe(4000);
    expect(
      await dbOfId(payment.id)
        .prepare("SELECT refunded_amount, status FROM payments WHERE id = ?1")
        .bind(payment.id)
        .first(),
    ).toEqual({
      refunded_amount: 4000,
      status: "partially_refunded",
    });
  });

  it("goes partially_refunded then refunded, and the order becomes refunded", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 30, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const payment = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 30 }),
      201,
    );
    const path = `/api/v1/payments/${payment.id}/refund`;
    const partial = await expectJson<Refund>(
      call("POST", path, { token: manager.token, body: { amount: 5.0, reason: "damaged item" } }),
      201,
    );
    expect(partial).toMatchObject({
      amount: 5,
      payment_status: "partially_refunded",
      order_status: "completed",
      refundable_amount: 25,
    });
    expect(
      (await call("POST", path, { token: manager.token, body: { amount: 25.01, reason: "too much" } })).status,
    ).toBe(400);
    const rest = await expectJson<Refund>(
      call("POST", path, { token: manager.token, body: { reason: "changed mind" } }),
      201,
    );
    expect(rest).toMatchObject({
      amount: 25,
      payment_status: "refunded",
      order_status: "refunded",
      refundable_amount: 0,
    });
    expect(await orderRow(order.id)).toMatchObject({ status: "refunded", paid_amount: 0, refunded_amount: 3000 });
    expect((await call("POST", path, { token: manager.token, body: { reason: "again" } })).status).toBe(409);
    // Goods were not restocked: stock unchanged by the refunds.
    expect(await bookStock(product.id)).toBe(9);
  });

  it("itemised refunds put goods back only when asked, with return log rows", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const kept = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const back = await createProduct(admin.token, { price: 20, stock_quantity: 10 });
    const order = await sale(cashier.token, [
      { product_id: kept.id, quantity: 2 },
      { product_id: back.id, quantity: 3 },
    ]);
    const payment = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 80 }),
      201,
    );
    const itemOf = (productId: number) => order.order_items.find((i) => i.product_id === productId)?.id;
    const refund = await expectJson<Refund & { items: unknown[] }>(
      call("POST", `/api/v1/payments/${payment.id}/refund`, {
        token: manager.token,
        body: {
          reason: "returned at desk",
          items: [
            { order_item_id: itemOf(back.id), quantity: 2, restock: true },
            { order_item_id: itemOf(kept.id), quantity: 1, restock: false },
          ],
        },
      }),
      201,
    );
    expect(refund.amount).toBe(50);
    expect(await bookStock(back.id)).toBe(9);
    expect(await bookStock(kept.id)).toBe(8);
    expect(await logSum(back.id)).toBe(9);
    const returns = await dbOfId(order.id)
      .prepare(
        "SELECT product_id, quantity_change, quantity_before, quantity_after FROM inventory_logs WHERE action = 'return' AND product_id IN (?1, ?2)",
      )
      .bind(kept.id, back.id)
      .all();
    expect(returns.results).toEqual([
      { product_id: back.id, quantity_change: 2, quantity_before: 7, quantity_after: 9 },
    ]);
    await expect.poll(async () => (await gate().view(back.id)).available).toBe(9);
    const tooMany = await call("POST", `/api/v1/payments/${payment.id}/refund`, {
      token: manager.token,
      body: { reason: "again", items: [{ order_item_id: itemOf(back.id), quantity: 2, restock: true }] },
    });
    expect(tooMany.status).toBe(422);
    expect(await bookStock(back.id)).toBe(9);
  });

  it("refuses cashiers and replays refunds and payments sent twice with one key", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 9, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const body = { order_id: order.id, payment_method: "credit_card", amount: 9 };
    const first = await expectJson<PaymentResult>(pay(cashier.token, body, { "Idempotency-Key": "pay-once" }), 201);
    const again = await pay(cashier.token, body, { "Idempotency-Key": "pay-once" });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectJson(again, 201)).toEqual(first);
    expect(await paymentCount(order.id)).toBe(1);

    const path = `/api/v1/payments/${first.id}/refund`;
    expect((await call("POST", path, { token: cashier.token, body: { reason: "no" } })).status).toBe(403);
    const headers = { "Idempotency-Key": "refund-once" };
    const r1 = await expectJson<Refund>(
      call("POST", path, { token: manager.token, body: { amount: 2, reason: "once" }, headers }),
      201,
    );
    const r2 = await call("POST", path, { token: manager.token, body: { amount: 2, reason: "once" }, headers });
    expect(r2.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await expectJson<Refund>(r2, 201)).id).toBe(r1.id);
    expect(
      await dbOfId(first.id).prepare("SELECT COUNT(*) AS n FROM refunds WHERE payment_id = ?1").bind(first.id).first(),
    ).toEqual({ n: 1 });
  });
});
