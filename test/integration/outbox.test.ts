/**
 * Effects on the head office travel through the store's outbox (README
 * "Stores"): a customer's balance may lag a sale, but it is never counted
 * twice and never lost. These tests deliver events twice, lose a send between
 * the commit and the queue, and run whole sequences through the real queue.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src";
import { runOutboxSweep } from "../../src/jobs/outbox-sweep";
import type { AuthUser } from "../../src/lib/auth/current-user";
import { guardEnv } from "../../src/lib/d1-guard";
import { applyStoreEvent } from "../../src/outbox/apply";
import type { StoreEventMessage } from "../../src/outbox/send";
import { sweepOutbox } from "../../src/outbox/sweep";
import { createPayment } from "../../src/services/payments";
import { refundPayment } from "../../src/services/refunds";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { customerRow, dbOfId, type PaymentResult, pay, type Refund, sale } from "../helpers/money";
import { asMessage, outboxRows, settleStoreEvents } from "../helpers/outbox";
import { MAIN_STORE } from "../helpers/stores";

// Jobs called directly get the D1 limits guard that the Worker's handlers give them.
const guarded = guardEnv(env);

let customers = 0;
const newCustomer = async (token: string) =>
  expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token, body: { first_name: "Out", last_name: `Box ${++customers}` } }),
    201,
  );

const ledgerOf = async (customerId: number) =>
  (
    await env.DB.prepare(
      "SELECT delta, balance_after, reason, order_id FROM loyalty_ledger WHERE customer_id = ?1 ORDER BY id",
    )
      .bind(customerId)
      .all()
  ).results;

const appliedCount = async (eventId: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM applied_events WHERE event_id = ?1")
      .bind(eventId)
      .first<{ n: number }>()
  )?.n;

/** The outbox row an event id names, as the queue would carry it. */
async function messageOf(eventId: string): Promise<StoreEventMessage> {
  const row = (await outboxRows(MAIN_STORE.id)).find((r) => r.event_id === eventId);
  if (!row) throw new Error(`no outbox row ${eventId}`);
  return asMessage(MAIN_STORE.id, row);
}

const queueBatch = (queue: string, bodies: unknown[]) =>
  createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  );

/** Delivers `bodies` to the Worker's queue handler as one batch; returns what it acked and retried. */
async function deliver(queue: string, bodies: unknown[]) {
  const batch = queueBatch(queue, bodies);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((m) => m.msgId) };
}

/**
 * A sale of 100.00 to a new customer, paid in full through the service with a
 * context that never sends its outbox: the batch commits, the send is lost.
 */
async function paidWithoutSend() {
  const { admin, cashier } = await accounts();
  const customer = await newCustomer(cashier.token);
  const product = await createProduct(admin.token, { price: 100, stock_quantity: 50 });
  const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], { customer_id: customer.id });
  const actor: AuthUser = { id: cashier.id, username: cashier.username, role: "cashier" };
  const ctx = await testContext({ notify: { storeEvents: () => undefined } });
  const { result } = await createPayment(
    ctx,
    actor,
    { order_id: order.id, payment_method: "credit_card", amount: 10_000 },
    null,
  );
  expect(result.order_status).toBe("completed");
  return { customer, order, eventId: `order.completed:${order.id}` };
}

describe("store events applied at the head office", () => {
  it("applies an effect once when the same event is delivered twice, in one batch and again later", async () => {
    const { customer, order, eventId } = await paidWithoutSend();
    const message = await messageOf(eventId);
    expect(message.payload).toMatchObject({ customer_id: customer.id, total: 10_000, points_earned: 100 });
    // Nothing applied yet: the send was lost.
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 0, total_spent: 0 });

    const first = await deliver("pos-events", [message, message]);
    expect(first).toEqual({ acked: ["msg-0", "msg-1"], retried: [] });
    const second = await deliver("pos-events", [message]);
    expect(second).toEqual({ acked: ["msg-0"], retried: [] });
    expect(await applyStoreEvent(guarded.DB, message)).toBe("already_applied");

    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10_000 });
    expect(await appliedCount(eventId)).toBe(1);
    expect(await ledgerOf(customer.id)).toEqual([
      { delta: 100, balance_after: 100, reason: `Earned on ${message.payload.order_number}`, order_id: order.id },
    ]);
  });

  it("sends what a crash between commit and send left behind: the sweep, then the consumer, once", async () => {
    const { customer, eventId } = await paidWithoutSend();
    const unsent = async () =>
      (await outboxRows(MAIN_STORE.id)).filter((r) => r.sent_at === null).map((r) => r.event_id);
    expect(await unsent()).toContain(eventId);
    // The balance lags: the store committed, the head office has not heard.
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 0, total_spent: 0 });

    // Younger than the sweep's minute: left to the send that follows a commit.
    expect(await sweepOutbox(guarded, { id: MAIN_STORE.id, d1: guarded.STORE_MAIN }, new Date())).toBe(0);
    expect(await unsent()).toContain(eventId);

    const result = await runOutboxSweep(guarded, new Date(Date.now() + 2 * 60_000));
    expect(result).toMatchObject({ sent: { MAIN: expect.any(Number), EAST: 0 } });
    expect(await unsent()).toEqual([]);
    // The real pos-events consumer applies it.
    await vi.waitFor(
      async () => expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10_000 }),
      { timeout: 10_000, interval: 100 },
    );
    // A second sweep has nothing to send, and applying it again changes nothing.
    expect(await runOutboxSweep(guarded, new Date(Date.now() + 3 * 60_000))).toMatchObject({ sent: { MAIN: 0 } });
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10_000 });
    expect(await appliedCount(eventId)).toBe(1);
  });

  it("counts a sale, its payment and a partial refund exactly once, however often they are settled", async () => {
    const { admin, cashier, manager } = await accounts();
    const customer = await newCustomer(cashier.token);
    const product = await createProduct(admin.token, { price: 25, stock_quantity: 50 });
    // 4 × 25.00 = 100.00: 100 points at one point per unit.
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 4 }], { customer_id: customer.id });
    const paid = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 100 }),
      201,
    );
    // 30.00 back: 30 of the 100 points go too.
    const refund = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${paid.id}/refund`, {
        token: manager.token,
        body: { amount: 30, reason: "part" },
      }),
      201,
    );
    expect(refund).toMatchObject({ amount: 30, points_reversed: 30 });
    await settleStoreEvents();
    await settleStoreEvents();
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 70, total_spent: 7_000 });
    expect(await ledgerOf(customer.id)).toEqual([
      { delta: 100, balance_after: 100, reason: `Earned on ${order.order_number}`, order_id: order.id },
      { delta: -30, balance_after: 70, reason: `Reversed: refund on ${order.order_number}`, order_id: order.id },
    ]);
    // Delivered once more through the queue, as a late duplicate: nothing moves.
    const late = (await outboxRows(MAIN_STORE.id)).map((row) => asMessage(MAIN_STORE.id, row));
    expect((await deliver("pos-events", late)).retried).toEqual([]);
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 70, total_spent: 7_000 });
  });

  it("applies a payment made through the Worker via the real pos-events queue, with no help", async () => {
    const { admin, cashier } = await accounts();
    const customer = await newCustomer(cashier.token);
    const product = await createProduct(admin.token, { price: 42, stock_quantity: 50 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], { customer_id: customer.id });
    await expectJson(pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 42 }), 201);
    await vi.waitFor(
      async () => expect(await customerRow(customer.id)).toEqual({ loyalty_points: 42, total_spent: 4_200 }),
      { timeout: 10_000, interval: 100 },
    );
    const sent = await dbOfId(order.id)
      .prepare("SELECT sent_at FROM outbox WHERE event_id = ?1")
      .bind(`order.completed:${order.id}`)
      .first<{ sent_at: string | null }>();
    expect(sent?.sent_at).not.toBeNull();
    expect(await appliedCount(`order.completed:${order.id}`)).toBe(1);
  });

  it("holds a refund back until its order's completion is applied", async () => {
    const { manager } = await accounts();
    const { customer, order, eventId } = await paidWithoutSend();
    const payment = await dbOfId(order.id)
      .prepare("SELECT id FROM payments WHERE order_id = ?1")
      .bind(order.id)
      .first<{ id: number }>();
    const actor: AuthUser = { id: manager.id, username: manager.username, role: "manager" };
    const ctx = await testContext({ notify: { storeEvents: () => undefined } });
    const refund = await refundPayment(
      ctx,
      actor,
      { payment_id: payment?.id ?? 0, amount: 5_000, reason: "half" },
      null,
    );
    const refundEvent = await messageOf(`refund.created:${refund.id}`);
    expect(refundEvent.payload).toMatchObject({ amount: 5_000, points_reversed: 50, was_completed: 1 });

    // The refund arrives first: it waits (retried), changing nothing.
    expect(await deliver("pos-events", [refundEvent])).toEqual({ acked: [], retried: ["msg-0"] });
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 0, total_spent: 0 });
    // Both arrive together, refund first: the completion is applied, the refund waits once more.
    const completion = await messageOf(eventId);
    expect(await deliver("pos-events", [refundEvent, completion])).toEqual({ acked: ["msg-1"], retried: ["msg-0"] });
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10_000 });
    expect(await deliver("pos-events", [refundEvent])).toEqual({ acked: ["msg-0"], retried: [] });
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 50, total_spent: 5_000 });
  });

  it("takes nothing off total_spent for a refund of a deposit on an order still pending", async () => {
    const { admin, cashier, manager } = await accounts();
    const customer = await newCustomer(cashier.token);
    const product = await createProduct(admin.token, { price: 100, stock_quantity: 50 });
    const done = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], { customer_id: customer.id });
    await expectJson(pay(cashier.token, { order_id: done.id, payment_method: "credit_card", amount: 100 }), 201);
    const open = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }], { customer_id: customer.id });
    const deposit = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: open.id, payment_method: "cash", amount: 40 }),
      201,
    );
    const refund = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${deposit.id}/refund`, { token: manager.token, body: { reason: "deposit back" } }),
      201,
    );
    expect(refund).toMatchObject({ amount: 40, order_status: "pending", points_reversed: 0 });
    await settleStoreEvents();
    expect(await appliedCount(`refund.created:${refund.id}`)).toBe(1);
    expect(await customerRow(customer.id)).toEqual({ loyalty_points: 100, total_spent: 10_000 });
  });
});

describe("messages the consumer cannot apply", () => {
  it("keeps a malformed message and a dead letter in R2 instead of losing them", async () => {
    const malformed = await deliver("pos-events", [{ hello: "world" }]);
    expect(malformed).toEqual({ acked: ["msg-0"], retried: [] });
    expect(await env.FILES.get("dead-letters/pos-events/malformed/msg-0.json")).not.toBeNull();

    const bad: StoreEventMessage = {
      event_id: "order.completed:999",
      type: "order.completed",
      store_id: MAIN_STORE.id,
      payload: { customer_id: 1, order_id: 999, total: "lots" },
      created_at: new Date().toISOString(),
    };
    expect(await deliver("pos-events-dlq", [bad])).toEqual({ acked: ["msg-0"], retried: [] });
    const kept = await env.FILES.get("dead-letters/pos-events/store-1/order.completed:999.json");
    expect(await kept?.json()).toMatchObject({ body: bad, reason: expect.stringContaining("total") });
    expect(await appliedCount(bad.event_id)).toBe(0);
  });
});
