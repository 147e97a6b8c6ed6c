/**
 * The events feed (README "Events feed"): store events written by the store's
 * triggers in the batch that made them (payments, manual stock movements, a
 * stock level crossing its minimum, shifts, and the order events), recorded at
 * the head office once per event id with the resource as the API shows it, and
 * read back with GET /events in recorded order, page after page.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src";
import { storeOfId } from "../../src/db/stores";
import { d1Faults, watchD1Limits } from "../../src/lib/d1-guard";
import { applyAndRecord, applyStoreEvent } from "../../src/outbox/apply";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { type Order, type PaymentResult, pay, type Refund, sale } from "../helpers/money";
import { asMessage, outboxRows, settleStoreEvents } from "../helpers/outbox";
import { closeShift, createDrawer, openShift } from "../helpers/shifts";
import { atStore, MAIN_STORE, SECOND_STORE } from "../helpers/stores";

interface FeedItem {
  id: number;
  type: string;
  store_id: number | null;
  resource: { type: string; id: number; version: number | null };
  data: Record<string, unknown>;
  occurred_at: string;
  recorded_at: string;
}
interface FeedPage {
  data: FeedItem[];
  next_cursor: string | null;
  has_more: boolean;
}

const feedPage = async (token: string, query: string) =>
  expectJson<FeedPage>(call("GET", `/api/v1/events${query}`, { token }), 200);

/** The whole feed, paged `limit` at a time from the start (or after `after`). */
async function wholeFeed(
  token: string,
  limit = 100,
  extra = "",
): Promise<{ items: FeedItem[]; cursor: string | null }> {
  const items: FeedItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: FeedPage = await feedPage(token, `?limit=${limit}${extra}${cursor ? `&after=${cursor}` : ""}`);
    items.push(...page.data);
    if (page.data.length > 0) expect(page.next_cursor).toBe(String(page.data.at(-1)?.id));
    cursor = page.next_cursor;
    if (!page.has_more) return { items, cursor };
  }
  throw new Error("the feed never ended");
}

/** The feed's events about one resource, oldest first. */
const about = (items: FeedItem[], type: string, id: number) =>
  items.filter((item) => item.resource.type === type && item.resource.id === id);

const recordedCount = async (eventKey: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE event_key = ?1").bind(eventKey).first<{ n: number }>())
    ?.n;

/** The store outbox's rows of one type whose payload names `field` = `value`. */
const outboxOf = async (type: string, field: string, value: number) =>
  (await outboxRows(MAIN_STORE.id)).filter(
    (row) => row.type === type && (JSON.parse(row.payload) as Record<string, unknown>)[field] === value,
  );

/** Delivers `bodies` to the Worker's pos-events consumer as one batch, as the queue would. */
async function deliver(bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    "pos-events",
    bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, createExecutionContext());
  return { acked: result.explicitAcks.length, retried: result.retryMessages.length };
}

describe("store events in the events feed", () => {
  it("records an order's life once each, with the resources as the API shows them, however often applied", async () => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 20, stock_quantity: 50 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }]);
    const payment = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 40 }),
      201,
    );
    expect(payment.order_status).toBe("completed");
    const refund = await expectJson<Refund & { payment_id: number }>(
      call("POST", `/api/v1/payments/${payment.id}/refund`, {
        token: manager.token,
        body: { amount: 15, reason: "scratched" },
      }),
      201,
    );
    const dropped = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(call("POST", `/api/v1/orders/${dropped.id}/cancel`, { token: manager.token }), 200);

    // Every outbox message of the store twice in one batch (the real queue may have been first), then by hand.
    const messages = (await outboxRows(MAIN_STORE.id)).map((row) => asMessage(MAIN_STORE.id, row));
    expect((await deliver([...messages, ...messages])).retried).toBe(0);
    await settleStoreEvents();
    for (const message of messages) expect(await applyAndRecord(env, message)).toBe("already_applied");

    const { items } = await wholeFeed(admin.token);
    const orderEvents = about(items, "order", order.id);
    expect(orderEvents.map((e) => e.type)).toEqual(["order.created", "order.completed"]);
    for (const event of orderEvents) {
      expect(event).toMatchObject({
        store_id: MAIN_STORE.id,
        resource: { type: "order", id: order.id, version: null },
      });
      // The order as GET /orders/{id} shows it (at the time the head office recorded the event).
      expect(event.data).toMatchObject({ id: order.id, order_number: order.order_number, total: 40 });
      expect(event.data.order_items).toEqual([expect.objectContaining({ product_id: product.id, quantity: 2 })]);
    }
    const paymentEvents = about(items, "payment", payment.id);
    expect(paymentEvents).toHaveLength(1);
    expect(paymentEvents[0]).toMatchObject({
      type: "payment.completed",
      store_id: MAIN_STORE.id,
      data: { id: payment.id, order_id: order.id, amount: 40, payment_method: "credit_card" },
    });
    const refundEvents = about(items, "refund", refund.id);
    expect(refundEvents).toHaveLength(1);
    expect(refundEvents[0]).toMatchObject({
      type: "refund.created",
      data: { id: refund.id, payment_id: payment.id, order_id: order.id, amount: 15, reason: "scratched" },
    });
    expect(about(items, "order", dropped.id).map((e) => [e.type, e.data.id])).toEqual([
      ["order.created", dropped.id],
      ["order.cancelled", dropped.id],
    ]);
    // The cancelled order is in the feed as it was recorded: cancelled.
    expect(about(items, "order", dropped.id)[1]?.data.status).toBe("cancelled");

    // When it happened is the store's write: the outbox row's time.
    const completedRow = (await outboxRows(MAIN_STORE.id)).find((r) => r.event_id === `order.completed:${order.id}`);
    expect(orderEvents[1]?.occurred_at).toBe(completedRow?.created_at);
    expect(Date.parse(orderEvents[1]?.recorded_at ?? "")).toBeGreaterThanOrEqual(
      Date.parse(completedRow?.created_at ?? ""),
    );
    for (const key of [
      `order.created:${order.id}`,
      `payment.completed:${payment.id}`,
      `order.completed:${order.id}`,
      `refund.created:${refund.id}`,
      `order.cancelled:${dropped.id}`,
    ]) {
      expect(await recordedCount(key)).toBe(1);
    }
    // order.changed feeds the head office's order index, not the feed.
    expect(items.some((item) => item.type === ("order.changed" as string))).toBe(false);
    // A sale's and a cancel's stock rows are told by their orders, not as adjustments.
    expect(await outboxOf("inventory.adjusted", "product_id", product.id)).toHaveLength(1); // the opening stock
  });

  it("records a manual stock movement as inventory.adjusted, with its log row", async () => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10, min_stock_level: 2 });
    const moved = await expectJson<{ id: number }>(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        body: { action: "damage", quantity_change: -3, notes: "dropped" },
      }),
      201,
    );
    await settleStoreEvents();
    const { items } = await wholeFeed(admin.token, 100, "&type=inventory.adjusted");
    expect(items.every((item) => item.type === "inventory.adjusted")).toBe(true);
    const event = about(items, "inventory_log", moved.id);
    expect(event).toHaveLength(1);
    expect(event[0]).toMatchObject({
      store_id: MAIN_STORE.id,
      resource: { type: "inventory_log", id: moved.id, version: null },
      data: {
        id: moved.id,
        product_id: product.id,
        action: "damage",
        quantity_change: -3,
        quantity_before: 10,
        quantity_after: 7,
        notes: "dropped",
      },
    });
    // 10 → 7 stays above the minimum of 2: no stock.low.
    expect(await outboxOf("stock.low", "product_id", product.id)).toEqual([]);

    // At EAST: its own database, its own range of ids, its store in the event.
    const east = await expectJson<{ id: number }>(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        headers: atStore(SECOND_STORE.id),
        body: { action: "stock_in", quantity_change: 4 },
      }),
      201,
    );
    expect(storeOfId(east.id)).toBe(SECOND_STORE.id);
    await settleStoreEvents();
    const atEast = about(
      (await wholeFeed(admin.token, 100, "&type=inventory.adjusted")).items,
      "inventory_log",
      east.id,
    );
    expect(atEast).toEqual([
      expect.objectContaining({
        store_id: SECOND_STORE.id,
        data: expect.objectContaining({ id: east.id, product_id: product.id, quantity_before: 0, quantity_after: 4 }),
      }),
    ]);
  });

  it("fires stock.low once per crossing down to the minimum, and again after stock went back above", async () => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10, min_stock_level: 3 });
    const lowEvents = () => outboxOf("stock.low", "product_id", product.id);

    await sale(cashier.token, [{ product_id: product.id, quantity: 7 }]); // 10 → 3: crosses
    expect((await lowEvents()).map((row) => JSON.parse(row.payload))).toEqual([
      expect.objectContaining({ product_id: product.id, quantity: 3, min_stock_level: 3, action: "sale" }),
    ]);
    await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]); // 3 → 2: already low
    expect(await lowEvents()).toHaveLength(1);
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        body: { action: "stock_in", quantity_change: 6 },
      }),
      201,
    ); // 2 → 8: re-armed
    expect(await lowEvents()).toHaveLength(1);
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        body: { action: "stock_out", quantity_change: -6 },
      }),
      201,
    ); // 8 → 2: crosses again, by hand this time
    const rows = await lowEvents();
    expect(rows.map((row) => JSON.parse(row.payload))).toEqual([
      expect.objectContaining({ quantity: 3, action: "sale" }),
      expect.objectContaining({ quantity: 2, min_stock_level: 3, action: "stock_out" }),
    ]);
    // Each crossing is its own event: the log row that crossed names it.
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(2);

    await settleStoreEvents();
    const messages = rows.map((row) => asMessage(MAIN_STORE.id, row));
    expect((await deliver(messages)).retried).toBe(0);
    const { items } = await wholeFeed(admin.token, 100, "&type=stock.low");
    const events = about(items, "product", product.id);
    expect(events.map((e) => e.type)).toEqual(["stock.low", "stock.low"]);
    for (const event of events) {
      // The product as this store sees it: its stock there and its minimum, with the catalog's version.
      expect(event).toMatchObject({
        store_id: MAIN_STORE.id,
        resource: { type: "product", id: product.id, version: 1 },
        data: { id: product.id, sku: product.sku, min_stock_level: 3, stock_quantity: 2, version: 1 },
      });
    }
    expect(events.map((e) => e.occurred_at)).toEqual(rows.map((row) => row.created_at));
  });

  it("records a shift's opening and closing", async () => {
    const { admin, manager, cashier } = await accounts();
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 100);
    const closed = await closeShift(cashier.token, shift.id, { counted_cash: 100 });
    expect(closed.status).toBe("closed");
    await settleStoreEvents();
    const { items } = await wholeFeed(admin.token, 100, "&type=shift.opened,shift.closed");
    const events = about(items, "shift", shift.id);
    expect(events.map((e) => e.type)).toEqual(["shift.opened", "shift.closed"]);
    expect(events[0]).toMatchObject({
      store_id: MAIN_STORE.id,
      data: { id: shift.id, drawer_id: drawer.id, cashier_id: cashier.id, opening_float: 100 },
    });
    // The close as a manager sees it (expected cash and variance shown), with its Z number.
    expect(events[1]).toMatchObject({
      data: { id: shift.id, status: "closed", counted_cash: 100, expected_cash: 100, variance: 0 },
    });
    expect(events[1]?.data.z_number).toEqual(closed.z_number);
    expect(events[1]?.occurred_at).toBe(closed.closed_at);
  });

  it("pages in recorded order with no duplicates and no gaps, and polls from its last cursor", async () => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 20 });
    for (let i = 0; i < 3; i++) {
      const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
      await expectJson(pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 10 }), 201);
    }
    await settleStoreEvents();
    const all = (await env.DB.prepare("SELECT id FROM events ORDER BY id").all<{ id: number }>()).results.map(
      (r) => r.id,
    );
    expect(all.length).toBeGreaterThan(10);
    const { items, cursor } = await wholeFeed(admin.token, 3);
    expect(items.map((item) => item.id)).toEqual(all);
    expect(cursor).toBe(String(all.at(-1)));

    // The last cursor asks for what comes next: nothing yet, the same cursor back.
    expect(await feedPage(admin.token, `?after=${cursor}`)).toEqual({ data: [], next_cursor: cursor, has_more: false });
    const order: Order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await settleStoreEvents();
    const next = await feedPage(admin.token, `?after=${cursor}`);
    expect(next.data.map((item) => [item.type, item.resource.id])).toEqual([["order.created", order.id]]);

    // A type filter keeps the order and the cursor.
    const completed = await wholeFeed(admin.token, 2, "&type=order.completed");
    expect(completed.items.length).toBeGreaterThanOrEqual(3);
    expect(completed.items.every((item) => item.type === "order.completed")).toBe(true);
    const ids = completed.items.map((item) => item.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it("records a full queue batch of 50 fresh events within one invocation's 1,000 D1 queries", async () => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 1, stock_quantity: 100 });
    const orderIds: number[] = [];
    for (let i = 0; i < 17; i++) {
      const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
      await expectJson(pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 1 }), 201);
      orderIds.push(order.id);
    }
    await settleStoreEvents();
    const rows = (await outboxRows(MAIN_STORE.id))
      .filter((row) => row.type !== "order.changed" && orderIds.includes(JSON.parse(row.payload).order_id))
      .slice(0, 50);
    expect(rows).toHaveLength(50);
    const keys = JSON.stringify(rows.map((row) => row.event_id));
    // Forgotten by the head office (orders without a customer: applying them again moves no balance), so all 50 are fresh.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM applied_events WHERE event_id IN (SELECT value FROM json_each(?1))").bind(keys),
      env.DB.prepare("DELETE FROM events WHERE event_key IN (SELECT value FROM json_each(?1))").bind(keys),
    ]);
    const watch = watchD1Limits();
    const result = await deliver(rows.map((row) => asMessage(MAIN_STORE.id, row)));
    watch.stop();
    expect(result).toEqual({ acked: 50, retried: 0 });
    expect(watch.stats.violations).toEqual([]);
    expect(watch.stats.maxQueries.count).toBeLessThan(1000);
    for (const row of rows) expect(await recordedCount(row.event_id)).toBe(1);
  });

  it("retries an event whose resource could not be read, and records it once the read succeeds", async () => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 5, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 5 }), 201);
    await settleStoreEvents();
    const [row] = await outboxOf("order.completed", "order_id", order.id);
    if (!row) throw new Error("no order.completed row");
    // Forgotten by the head office (no customer: applying it again moves nothing), so it is fresh.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM applied_events WHERE event_id = ?1").bind(row.event_id),
      env.DB.prepare("DELETE FROM events WHERE event_key = ?1").bind(row.event_id),
    ]);
    const changed = (await outboxRows(MAIN_STORE.id)).find((r) => r.event_id.startsWith(`order.changed:${order.id}:`));
    if (!changed) throw new Error("no order.changed row");

    // The store's order read fails: that event is retried, unapplied; one in the batch that needs no read is acked.
    const fault = d1Faults.failNextBatch({
      when: "before",
      match: (sql) => sql.some((q) => q.includes('from "orders"')),
    });
    const first = await deliver([asMessage(MAIN_STORE.id, row), asMessage(MAIN_STORE.id, changed)]);
    expect(fault.fired).toBe(true);
    expect(first).toEqual({ acked: 1, retried: 1 });
    expect(await recordedCount(row.event_id)).toBe(0);
    expect(
      await env.DB.prepare("SELECT 1 FROM applied_events WHERE event_id = ?1").bind(row.event_id).first(),
    ).toBeNull();

    expect(await deliver([asMessage(MAIN_STORE.id, row)])).toEqual({ acked: 1, retried: 0 });
    expect(await recordedCount(row.event_id)).toBe(1);
  });

  it("refuses a cursor it never gave out, an unknown type and a bad limit (422)", async () => {
    const { admin } = await accounts();
    const newest = (await env.DB.prepare("SELECT MAX(id) AS id FROM events").first<{ id: number }>())?.id ?? 0;
    for (const query of [
      "?after=abc",
      "?after=-1",
      "?after=01",
      `?after=${newest + 1}`,
      "?type=order.changed",
      "?type=order.completed,nope",
      "?limit=0",
      "?limit=501",
    ]) {
      const response = await call("GET", `/api/v1/events${query}`, { token: admin.token });
      expect(response.status, query).toBe(422);
      expect(await response.json()).toMatchObject({ code: "VALIDATION_ERROR" });
    }
  });

  it("is for admins: managers, cashiers and inventory officers get 403, no token 401", async () => {
    const { manager, cashier, inventory_officer } = await accounts();
    for (const token of [manager.token, cashier.token, inventory_officer.token]) {
      expect((await call("GET", "/api/v1/events", { token })).status).toBe(403);
    }
    expect((await call("GET", "/api/v1/events")).status).toBe(401);
  });

  it("records a refund that waited for its order's completion once it applies, and not before", async () => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 30, stock_quantity: 5 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const payment = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 30 }),
      201,
    );
    const refund = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${payment.id}/refund`, { token: manager.token, body: { reason: "changed mind" } }),
      201,
    );
    const [refundRow] = await outboxOf("refund.created", "refund_id", refund.id);
    const [completedRow] = await outboxOf("order.completed", "order_id", order.id);
    if (!refundRow || !completedRow) throw new Error("outbox rows missing");
    // Unless the real queue got there first, the refund waits for the completion and records nothing.
    const completedFirst = (await recordedCount(completedRow.event_id)) === 1;
    const outcome = await applyAndRecord(env, asMessage(MAIN_STORE.id, refundRow));
    if (!completedFirst && outcome === "waiting") expect(await recordedCount(refundRow.event_id)).toBe(0);
    await settleStoreEvents();
    expect(await recordedCount(refundRow.event_id)).toBe(1);
    // Without a feed record (the seed's way), a replay still records nothing more.
    expect(await applyStoreEvent(env.DB, asMessage(MAIN_STORE.id, refundRow))).toBe("already_applied");
    expect(await recordedCount(refundRow.event_id)).toBe(1);
  });
});
