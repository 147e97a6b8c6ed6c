/**
 * The head office's order index (src/db/order-index.ts), kept by the stores'
 * order.created / order.changed events: one row per order whatever arrives
 * twice or out of order, the newest snapshot kept, and the backfill
 * (`npm run orders:reindex`) safe to repeat and to run while events arrive.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { reindexStoreOrders } from "../../src/db/order-index";
import { applyStoreEvent, MalformedEvent } from "../../src/outbox/apply";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { type Order, type PaymentResult, pay, sale } from "../helpers/money";
import { asMessage, outboxRows, settleStoreEvents } from "../helpers/outbox";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

interface IndexRow {
  order_id: number;
  order_number: string;
  store_id: number;
  customer_id: number | null;
  user_id: number;
  status: string;
  total: number;
  paid_amount: number;
  refunded_amount: number;
  created_at: string;
  seq: number;
  indexed_at: string;
}

const indexRow = (orderId: number) =>
  env.DB.prepare("SELECT * FROM order_index WHERE order_id = ?1").bind(orderId).first<IndexRow>();

/** What the index should say of an order: its row in its store's database now. */
async function storeTruth(storeId: number, orderId: number) {
  return storeDb(storeId)
    .prepare(
      `SELECT id AS order_id, order_number, ?2 AS store_id, customer_id, user_id, status, total, paid_amount,
         refunded_amount, created_at FROM orders WHERE id = ?1`,
    )
    .bind(orderId, storeId)
    .first();
}

/** The index rows of every order of both stores, and what the stores hold, both sorted by order id. */
async function indexAgainstStores() {
  const truth = [];
  for (const storeId of [MAIN_STORE.id, SECOND_STORE.id]) {
    const { results } = await storeDb(storeId)
      .prepare(
        `SELECT id AS order_id, order_number, ?1 AS store_id, customer_id, user_id, status, total, paid_amount,
           refunded_amount, created_at FROM orders ORDER BY id`,
      )
      .bind(storeId)
      .all();
    truth.push(...results);
  }
  const { results: indexed } = await env.DB.prepare(
    `SELECT order_id, order_number, store_id, customer_id, user_id, status, total, paid_amount, refunded_amount,
       created_at FROM order_index ORDER BY order_id`,
  ).all();
  return { indexed, truth };
}

/** The order events of one order at a store, oldest first, as the queue carries them. */
async function orderEvents(storeId: number, orderId: number) {
  return (await outboxRows(storeId))
    .filter(
      (row) => row.event_id === `order.created:${orderId}` || row.event_id.startsWith(`order.changed:${orderId}:`),
    )
    .map((row) => asMessage(storeId, row));
}

const customer = async (token: string, name: string) =>
  expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token, body: { first_name: name, last_name: "Indexed" } }),
    201,
  );

describe("the order index", () => {
  it("keeps the newest snapshot when events arrive out of order, and a redelivery changes nothing", async ({
    expect,
  }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 25, stock_quantity: 50 });
    const buyer = await customer(cashier.token, "Late");
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }], { customer_id: buyer.id });
    const paid = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 50 }),
      201,
    );
    await expectJson(
      call("POST", `/api/v1/payments/${paid.id}/refund`, {
        token: manager.token,
        body: { amount: 10, reason: "scratched" },
      }),
      201,
    );
    const events = await orderEvents(MAIN_STORE.id, order.id);
    // Created, then paid and completed, then refunded: a snapshot each.
    expect(events[0]?.type).toBe("order.created");
    expect(events.slice(1).map((e) => e.type)).toEqual(Array(events.length - 1).fill("order.changed"));
    expect(events.length).toBeGreaterThanOrEqual(3);

    // Newest first: the paid and the created snapshots arrive after the refunded one.
    for (const event of [...events].reverse()) expect(await applyStoreEvent(env.DB, event)).toBe("applied");
    const held = await indexRow(order.id);
    expect(held).toMatchObject({
      ...(await storeTruth(MAIN_STORE.id, order.id)),
      status: "completed",
      total: 5000,
      paid_amount: 4000,
      refunded_amount: 1000,
      seq: events.at(-1)?.seq,
    });

    // Every one again (a queue retry, a sweep racing the send): already applied, the row untouched.
    for (const event of events) expect(await applyStoreEvent(env.DB, event)).toBe("already_applied");
    expect(await indexRow(order.id)).toEqual(held);
  });

  it("an older snapshot arriving after a newer one leaves the newer, whichever event carries it", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 50 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: cashier.token, body: { discount: 1 } }), 200);
    await expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: cashier.token, body: { discount: 2 } }), 200);
    const [created, first, second] = await orderEvents(MAIN_STORE.id, order.id);
    if (!created || !first || !second) throw new Error("expected three order events");
    // The second change, then the first, then the order's creation.
    await applyStoreEvent(env.DB, second);
    expect((await indexRow(order.id))?.total).toBe(9800);
    await applyStoreEvent(env.DB, first);
    await applyStoreEvent(env.DB, created);
    expect(await indexRow(order.id)).toMatchObject({ total: 9800, seq: second.seq, status: "pending" });
  });

  it("indexes orders without a customer, and follows a cancel", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 4, stock_quantity: 20 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 3 }]);
    await settleStoreEvents();
    expect(await indexRow(order.id)).toMatchObject({ customer_id: null, status: "pending", total: 1200 });
    await expectJson(call("POST", `/api/v1/orders/${order.id}/cancel`, { token: manager.token }), 200);
    // Not yet heard of: the index lags the store until its outbox is applied.
    expect((await indexRow(order.id))?.status).toBe("pending");
    await settleStoreEvents();
    expect(await indexRow(order.id)).toMatchObject(
      (await storeTruth(MAIN_STORE.id, order.id)) as Record<string, unknown>,
    );
    expect((await indexRow(order.id))?.status).toBe("cancelled");
  });

  it("refuses a malformed snapshot as a dead letter, recording and indexing nothing", async ({ expect }) => {
    const event = {
      event_id: "order.created:999999999",
      type: "order.created",
      store_id: MAIN_STORE.id,
      payload: { order_id: 999999999, order_number: "ORD-X", user_id: 1, status: "shipped", total: 1 },
      created_at: new Date().toISOString(),
      seq: 1,
    };
    await expect(applyStoreEvent(env.DB, event)).rejects.toBeInstanceOf(MalformedEvent);
    expect(await indexRow(999999999)).toBeNull();
    expect(
      await env.DB.prepare("SELECT 1 FROM applied_events WHERE event_id = ?1").bind(event.event_id).first(),
    ).toBeNull();
  });

  it("takes a message without seq (sent before messages had one) as the oldest snapshot", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 50 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: cashier.token, body: { discount: 1 } }), 200);
    const [created, changed] = await orderEvents(MAIN_STORE.id, order.id);
    if (!created || !changed) throw new Error("expected two order events");
    const { seq: _createdSeq, ...unnumbered } = created;
    expect(await applyStoreEvent(env.DB, unnumbered)).toBe("applied");
    expect(await indexRow(order.id)).toMatchObject({ total: 10000, seq: 0 });
    expect(await applyStoreEvent(env.DB, changed)).toBe("applied");
    expect(await indexRow(order.id)).toMatchObject({ total: 9900, seq: changed.seq });
  });

  it("holds one row per order, equal to its store's, after a mixed day at two stores replayed twice", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 8, stock_quantity: 200 });
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        headers: atStore(SECOND_STORE.id),
        body: { action: "stock_in", quantity_change: 200, notes: "delivery" },
      }),
      201,
    );
    const regular = await customer(cashier.token, "Mixed");
    const orders: Order[] = [];
    for (const storeId of [MAIN_STORE.id, SECOND_STORE.id]) {
      const at = atStore(storeId);
      const sell = (extra: Record<string, unknown> = {}) =>
        expectJson<Order>(
          call("POST", "/api/v1/orders", {
            token: admin.token,
            headers: at,
            body: { order_items: [{ product_id: product.id, quantity: 2 }], ...extra },
          }),
          201,
        );
      const paidInFull = await sell({ customer_id: regular.id });
      const payment = await expectJson<PaymentResult>(
        pay(admin.token, { order_id: paidInFull.id, payment_method: "cash", amount: 16 }, at),
        201,
      );
      await expectJson(
        call("POST", `/api/v1/payments/${payment.id}/refund`, {
          token: admin.token,
          body: { amount: 16, reason: "returned" },
        }),
        201,
      );
      const cancelled = await sell();
      await expectJson(call("POST", `/api/v1/orders/${cancelled.id}/cancel`, { token: admin.token }), 200);
      const edited = await sell();
      await expectJson(
        call("PUT", `/api/v1/orders/${edited.id}`, { token: admin.token, body: { customer_id: regular.id } }),
        200,
      );
      orders.push(paidInFull, cancelled, edited);
      if (storeId === MAIN_STORE.id) await settleStoreEvents(); // half settled midway, as the queue would
    }
    await settleStoreEvents();
    // The whole history delivered once more (every event a second time).
    for (const storeId of [MAIN_STORE.id, SECOND_STORE.id]) {
      for (const row of await outboxRows(storeId)) {
        expect(await applyStoreEvent(env.DB, asMessage(storeId, row))).toBe("already_applied");
      }
    }
    const { indexed, truth } = await indexAgainstStores();
    expect(indexed.length).toBe(truth.length);
    expect(indexed).toEqual(truth);
    expect(orders.every((o) => indexed.some((row) => row.order_id === o.id))).toBe(true);
  });

  it("backfills orders written before the index, idempotently, without moving an order back", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 50 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await settleStoreEvents();
    // Orders from before the index: their rows and their events are not at the head office.
    await env.DB.prepare("DELETE FROM order_index").run();
    const before = await indexAgainstStores();
    expect(before.indexed).toEqual([]);

    const now = () => new Date();
    const stores = [MAIN_STORE.id, SECOND_STORE.id].map((id) => ({ id, d1: storeDb(id) }));
    let indexed = 0;
    for (const store of stores) indexed += await reindexStoreOrders(env.DB, store, { now });
    const once = await indexAgainstStores();
    expect(indexed).toBe(once.truth.length);
    expect(once.indexed).toEqual(once.truth);
    const firstPass = await env.DB.prepare("SELECT * FROM order_index ORDER BY order_id").all();

    for (const store of stores) await reindexStoreOrders(env.DB, store, { now });
    // Nothing written since: the second pass changes no row, not even its indexed_at.
    expect((await env.DB.prepare("SELECT * FROM order_index ORDER BY order_id").all()).results).toEqual(
      firstPass.results,
    );

    // An old event of the order delivered late (its created snapshot) cannot undo the backfill...
    await expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: cashier.token, body: { discount: 1 } }), 200);
    for (const store of stores) await reindexStoreOrders(env.DB, store, { now });
    expect((await indexRow(order.id))?.total).toBe(9900);
    const [created] = await orderEvents(MAIN_STORE.id, order.id);
    if (!created) throw new Error("no created event");
    await env.DB.prepare("DELETE FROM applied_events WHERE event_id = ?1").bind(created.event_id).run();
    await applyStoreEvent(env.DB, created);
    expect((await indexRow(order.id))?.total).toBe(9900);
    // ...and a change after it wins.
    await expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: cashier.token, body: { discount: 2 } }), 200);
    await settleStoreEvents();
    expect((await indexRow(order.id))?.total).toBe(9800);
    const after = await indexAgainstStores();
    expect(after.indexed).toEqual(after.truth);
  });
});
