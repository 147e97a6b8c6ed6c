import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { storeOfId } from "../../src/db/stores";
import { guardEnv } from "../../src/lib/d1-guard";
import { createServiceContext } from "../../src/services/context";
import { takePayment } from "../../src/services/payments";
import { accounts, createAccount, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import {
  customerRow,
  dbOfId,
  type Order,
  orderRow,
  type PaymentResult,
  pay,
  paymentCount,
  type Refund,
  sale,
} from "../helpers/money";
import { settleStoreEvents } from "../helpers/outbox";
import { callLog, pendingCheckOf, sequentialDepth, timedD1 } from "../helpers/round-trips";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

describe("payments", () => {
  it("takes the contract's sample body and completes the order", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 750, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }]);
    // Store 1's first order and first payment: ids from its range, no store named anywhere.
    expect(order.id).toBe(2 ** 32 + 1);
    const paid = await expectJson<PaymentResult>(
      pay(cashier.token, {
        order_id: order.id,
        payment_method: "credit_card",
        amount: 1500.0,
        transaction_id: "TXN-001",
      }),
      201,
    );
    expect(paid).toMatchObject({ amount: 1500, status: "completed", order_status: "completed", remaining_amount: 0 });
    expect(paid.id).toBe(2 ** 32 + 1);
    expect(await orderRow(order.id)).toMatchObject({ status: "completed", paid_amount: 150000 });
    const status = await expectJson(
      call("GET", `/api/v1/payments/order/${order.id}/status`, { token: cashier.token }),
      200,
    );
    expect(status).toEqual({
      order_id: order.id,
      order_total: 1500,
      paid_amount: 1500,
      remaining_amount: 0,
      is_fully_paid: true,
    });

    const duplicate = await pay(admin.token, { order_id: order.id, payment_method: "cash", amount: 1 });
    expect(duplicate.status).toBe(409);
  });

  it("refuses overpaying, gives cash change and refuses a duplicate transaction id", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 42.3, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const over = await pay(cashier.token, { order_id: order.id, payment_method: "debit_card", amount: 42.31 });
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({
      code: "PAYMENT_EXCEEDS_BALANCE",
      remaining_amount: 42.3,
      detail: expect.stringContaining("42.30"),
    });

    await expectJson(
      pay(cashier.token, {
        order_id: order.id,
        payment_method: "mobile_payment",
        amount: 2.3,
        transaction_id: "TX-DUP",
      }),
      201,
    );
    const other = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const dup = await pay(cashier.token, {
      order_id: other.id,
      payment_method: "credit_card",
      amount: 1,
      transaction_id: "TX-DUP",
    });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "DUPLICATE", field: "transaction_id" });

    const cash = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 50 }),
      201,
    );
    expect(cash).toMatchObject({ amount: 40, change_due: 10, order_status: "completed", remaining_amount: 0 });
    const tendered = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: other.id, payment_method: "cash", amount: 42.3, amount_tendered: 100 }),
      201,
    );
    expect(tendered).toMatchObject({ amount: 42.3, change_due: 57.7, order_status: "completed" });
    for (const body of [
      { order_id: order.id, payment_method: "bitcoin", amount: 1 },
      { order_id: order.id, payment_method: "cash", amount: 0 },
      { order_id: order.id, payment_method: "cash", amount: 1.001 },
      { order_id: order.id, payment_method: "cash" },
    ]) {
      expect((await pay(cashier.token, body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await pay(cashier.token, { order_id: 999999, payment_method: "cash", amount: 1 })).status).toBe(404);
  });

  it("completes a split tender once, also when the last two payments race", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Split", last_name: "Tender" } }),
      201,
    );
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], { customer_id: customer.id });
    await expectJson(pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 40 }), 201);
    const [a, b] = await Promise.all([
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 30 }),
      pay(manager.token, { order_id: order.id, payment_method: "debit_card", amount: 30 }),
    ]);
    expect([a?.status, b?.status]).toEqual([201, 201]);
    expect(await orderRow(order.id)).toMatchObject({ status: "completed", paid_amount: 10000 });
    // Completed once: one outbox event, one "earned" ledger row and total_spent counted once.
    expect(
      await dbOfId(order.id)
        .prepare(
          "SELECT event_id FROM outbox WHERE type = 'order.completed' AND json_extract(payload, '$.order_id') = ?1",
        )
        .bind(order.id)
        .all(),
    ).toMatchObject({ results: [{ event_id: `order.completed:${order.id}` }] });
    await settleStoreEvents();
    const earned = await env.DB.prepare("SELECT COUNT(*) AS n FROM loyalty_ledger WHERE order_id = ?1 AND delta > 0")
      .bind(order.id)
      .first();
    expect(earned).toEqual({ n: 1 });
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10000 });

    // Two payments racing for the same remainder: exactly one lands.
    const second = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const racing = await Promise.all(
      [1, 2, 3].map(() => pay(cashier.token, { order_id: second.id, payment_method: "credit_card", amount: 100 })),
    );
    const statuses = racing.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    // The losers see either the overpay refusal or the completed order.
    expect(statuses.filter((s) => s !== 201).every((s) => s === 400 || s === 409)).toBe(true);
    expect(await paymentCount(second.id)).toBe(1);

    expect(await orderRow(second.id)).toMatchObject({ status: "completed", paid_amount: 10000 });
  });

  it("refuses paying a cancelled order", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 5, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(call("POST", `/api/v1/orders/${order.id}/cancel`, { token: manager.token }), 200);
    const res = await pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 5 });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "INVALID_STATE", status: "cancelled" });
    expect(await paymentCount(order.id)).toBe(0);
  });

  it("moves a pending payment to completed once and refuses other transitions", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 20, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const pending = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "bank_transfer", amount: 20, status: "pending" }),
      201,
    );
    expect(pending).toMatchObject({ status: "pending", order_status: "pending", remaining_amount: 20 });
    const path = `/api/v1/payments/${pending.id}`;
    await expectJson(
      call("PUT", path, { token: cashier.token, body: { reference_number: "BANK-7", notes: "awaiting" } }),
      200,
    );
    const confirmed = await Promise.all(
      [1, 2].map(() => call("PUT", path, { token: cashier.token, body: { status: "completed" } })),
    );
    expect(confirmed.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await orderRow(order.id)).toMatchObject({ status: "completed", paid_amount: 2000 });
    expect((await call("PUT", path, { token: cashier.token, body: { status: "refunded" } })).status).toBe(409);
    expect((await call("PUT", path, { token: cashier.token, body: { status: "failed" } })).status).toBe(409);
  });

  it("keeps Idempotency-Keys per user: the same key from two tills makes two payments", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const key = { "Idempotency-Key": "till-shared-1" };
    const mine = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const theirs = await sale(manager.token, [{ product_id: product.id, quantity: 1 }]);
    const a = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: mine.id, payment_method: "cash", amount: 10 }, key),
      201,
    );
    const b = await expectJson<PaymentResult>(
      pay(manager.token, { order_id: theirs.id, payment_method: "credit_card", amount: 10 }, key),
      201,
    );
    expect(b.id).not.toBe(a.id);
    expect(await orderRow(theirs.id)).toMatchObject({ status: "completed", paid_amount: 1000 });
  });

  it("confirms the caller before replaying a payment: a signed-out till gets 401, not the earlier answer", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const till = await createAccount(admin.token, "replaytill", "cashier");
    const product = await createProduct(admin.token, { price: 7, stock_quantity: 10 });
    const order = await sale(till.token, [{ product_id: product.id, quantity: 1 }]);
    const key = { "Idempotency-Key": "replay-after-logout" };
    const body = { order_id: order.id, payment_method: "cash", amount: 7 };
    const first = await expectJson<PaymentResult>(pay(till.token, body, key), 201);
    const replay = await pay(till.token, body, key);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectJson(replay, 201)).toEqual(first);
    // Another body with the same key: refused, nothing taken.
    expect((await pay(till.token, { ...body, amount: 6 }, key)).status).toBe(422);
    await expectJson(call("POST", "/api/v1/auth/logout", { token: till.token }), 200);
    expect((await pay(till.token, body, key)).status).toBe(401);
    expect(await paymentCount(order.id)).toBe(1);
  });

  it("refuses cash tendered below the amount it settles", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const res = await pay(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 10,
      amount_tendered: 5,
    });
    expect(res.status).toBe(400);
    expect(await orderRow(order.id)).toMatchObject({ status: "pending", paid_amount: 0 });
  });

  it("applies a part payment's confirmation once, also against a twin confirmation or a fail", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 10 });
    for (const rival of ["completed", "failed"] as const) {
      const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
      const pending = await expectJson<PaymentResult>(
        pay(cashier.token, { order_id: order.id, payment_method: "bank_transfer", amount: 30, status: "pending" }),
        201,
      );
      const path = `/api/v1/payments/${pending.id}`;
      const answers = await Promise.all(
        ["completed", rival].map((status) => call("PUT", path, { token: cashier.token, body: { status } })),
      );
      expect(answers.map((r) => r.status).sort(), rival).toEqual([200, 409]);
      const stored = await dbOfId(pending.id)
        .prepare("SELECT status FROM payments WHERE id = ?1")
        .bind(pending.id)
        .first();
      // The order holds exactly what the payment's final state says it took.
      const took = stored?.status === "completed" ? 3000 : 0;
      expect(await orderRow(order.id), `${rival}: payment ${stored?.status}`).toMatchObject({
        status: "pending",
        paid_amount: took,
      });
    }
  });
});

describe("payments at stores", () => {
  it("live in the order's store, whatever store the caller names; strangers to that store find nothing", async ({
    expect,
  }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 12, stock_quantity: 10 });
    await storeDb(SECOND_STORE.id)
      .prepare("INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at) VALUES (?1, 10, 0, ?2)")
      .bind(product.id, new Date().toISOString())
      .run();
    const east = await userAtStores(admin.token, "eastcashier", { role: "cashier", homeStoreId: SECOND_STORE.id });
    const order = await sale(east.token, [{ product_id: product.id, quantity: 1 }]);
    expect(storeOfId(order.id)).toBe(SECOND_STORE.id);

    // Strangers to store 2 (a manager and a cashier of store 1) cannot pay it, nor see that it exists.
    for (const stranger of [cashier, manager]) {
      const refused = await pay(stranger.token, { order_id: order.id, payment_method: "cash", amount: 12 });
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ detail: "Order not found" });
    }
    // Naming store 1 does not move the payment there: the order's id says where it lives.
    const paid = await expectJson<PaymentResult>(
      pay(east.token, { order_id: order.id, payment_method: "cash", amount: 20 }, atStore(MAIN_STORE.id)),
      201,
    );
    expect(paid).toMatchObject({ amount: 12, change_due: 8, order_status: "completed" });
    expect(storeOfId(paid.id)).toBe(SECOND_STORE.id);
    expect(await paymentCount(order.id)).toBe(1);
    expect(
      await storeDb(MAIN_STORE.id).prepare("SELECT COUNT(*) AS n FROM payments WHERE id = ?1").bind(paid.id).first(),
    ).toEqual({ n: 0 });

    for (const path of [`/api/v1/payments/${paid.id}`, `/api/v1/payments/order/${order.id}/status`]) {
      expect((await call("GET", path, { token: manager.token })).status, path).toBe(404);
      expect((await call("GET", path, { token: admin.token })).status, path).toBe(200);
    }
    const refund = await call("POST", `/api/v1/payments/${paid.id}/refund`, {
      token: manager.token,
      body: { reason: "not yours" },
    });
    expect(refund.status).toBe(404);
    expect(await refund.json()).toMatchObject({ detail: "Payment not found" });

    // The list is the acting store's: store 1's by default, store 2's when named.
    const listed = async (headers: Record<string, string>) =>
      (
        await expectJson<{ data: { id: number }[] }>(
          call("GET", "/api/v1/payments?limit=100", { token: admin.token, headers }),
          200,
        )
      ).data.map((p) => p.id);
    expect(await listed({})).not.toContain(paid.id);
    expect(await listed(atStore(SECOND_STORE.id))).toContain(paid.id);
  });
});

describe("round trips", () => {
  it("takes a payment in two sequential remote round trips: caller check, order and key in parallel, then the batch", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 3, stock_quantity: 20 });
    const pending = pendingCheckOf(cashier, "payments:create");
    const guarded = guardEnv(env);
    const log = callLog();
    const timedEnv = {
      ...guarded,
      DB: timedD1(guarded.DB, "head office", log),
      STORE_MAIN: timedD1(guarded.STORE_MAIN, "store", log),
    } as typeof guarded;
    // The first payment fills the per-isolate store directory; the second is the steady state measured.
    for (const round of [1, 2]) {
      const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
      const idem = {
        userId: cashier.id,
        key: `timed-${round}`,
        method: "POST",
        path: "/api/v1/payments",
        requestHash: "x",
      };
      const ctx = createServiceContext(timedEnv, { waitUntil: () => undefined });
      log.clear();
      const answer = await takePayment(ctx, pending, { order_id: order.id, payment_method: "cash", amount: 300 }, idem);
      expect(answer).toMatchObject({ kind: "taken", taken: { completedOrder: true } });
      if (round === 1) continue;
      // The outbox send starts at the commit but is deferred: the answer does not wait for it.
      const awaited = log.calls.filter((call) => !(call.sql ?? "").includes("FROM outbox"));
      expect(log.calls.length - awaited.length).toBe(1);
      expect(sequentialDepth(awaited), JSON.stringify(awaited)).toBe(2);
      const phase = (depth: number) =>
        awaited
          .filter((call) => call.depth === depth)
          .map((call) => call.what)
          .sort();
      expect(phase(1)).toEqual(["head office all", "store raw", "store raw"]);
      expect(phase(2)).toEqual(["store batch"]);
    }
  });
});

describe("loyalty points", () => {
  it("are earned on completion, redeemed as a discount, given back on cancel and reversed on refund", async ({
    expect,
  }) => {
    const { admin, cashier, manager } = await accounts();
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Lo", last_name: "Yal" } }),
      201,
    );
    const product = await createProduct(admin.token, { price: 50, stock_quantity: 100 });

    // Earn: 100.00 spent at 1 point per unit = 100 points.
    const first = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }], { customer_id: customer.id });
    expect(first.points_earned).toBe(100);
    await expectJson(pay(cashier.token, { order_id: first.id, payment_method: "cash", amount: 100 }), 201);
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10000 });

    // Redeem: 80 points at 0.01 = 0.80 off.
    const redeemed = await expectJson<Order & { points_discount: number; points_redeemed: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 1 }], redeem_points: 80 },
      }),
      201,
    );
    expect(redeemed).toMatchObject({ total: 49.2, points_redeemed: 80, points_discount: 0.8 });
    expect((await customerRow(customer.id))?.loyalty_points).toBe(20);
    const greedy = await call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 1 }], redeem_points: 21 },
    });
    expect(greedy.status).toBe(409);
    const anonymous = await call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { order_items: [{ product_id: product.id, quantity: 1 }], redeem_points: 1 },
    });
    expect(anonymous.status).toBe(422);

    // Cancel gives the redeemed points back.
    await expectJson(call("POST", `/api/v1/orders/${redeemed.id}/cancel`, { token: manager.token }), 200);
    await settleStoreEvents();
    expect((await customerRow(customer.id))?.loyalty_points).toBe(100);

    // Spend most points, then refund the first order in full: only what is left can be taken back.
    const spend = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], {
      customer_id: customer.id,
      redeem_points: 90,
    });
    expect((await customerRow(customer.id))?.loyalty_points).toBe(10);
    const payment = await dbOfId(first.id)
      .prepare("SELECT id FROM payments WHERE order_id = ?1")
      .bind(first.id)
      .first<{ id: number }>();
    const refund = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${payment?.id}/refund`, { token: manager.token, body: { reason: "full refund" } }),
      201,
    );
    // The store asks for the 100 points the refunded money earned; the head office takes what is left.
    expect(refund).toMatchObject({ points_reversed: 100, points_unreversed: 0, order_status: "refunded" });
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 0, total_spent: 0 });
    const reversal = await env.DB.prepare(
      "SELECT delta, balance_after, reason FROM loyalty_ledger WHERE order_id = ?1 AND delta <= 0",
    )
      .bind(first.id)
      .all();
    expect(reversal.results).toEqual([
      {
        delta: -10,
        balance_after: 0,
        reason: `Reversed: refund on ${first.order_number} (90 of 100 points not reversed: already spent)`,
      },
    ]);
    const ledger = await env.DB.prepare("SELECT SUM(delta) AS s FROM loyalty_ledger WHERE customer_id = ?1")
      .bind(customer.id)
      .first();
    expect(ledger).toEqual({ s: 0 });
    expect(spend.status).toBe("pending");
  });
});
