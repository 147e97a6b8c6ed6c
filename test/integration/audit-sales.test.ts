/**
 * The audit trail of selling, taking money and moving stock: exactly one
 * event per successful write, in the store's own database (not the head
 * office), in the batch of its change, with who wrote it and what changed;
 * none for a refused request, a lost race or an Idempotency-Key replay.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { STORE_ID_SPAN } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/auth/tokens";
import { canonicalJson } from "../../src/lib/idempotency";
import { createOrder } from "../../src/services/orders-create";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { type Order, type PaymentResult, pay, type Refund, sale } from "../helpers/money";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

interface AuditRow {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor_username: string | null;
  actor_role: string | null;
  store_id: number | null;
  client_address: string | null;
  request_id: string | null;
  action: string;
  entity_type: string;
  entity_id: number;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
  approved_by: number | null;
}

/** The audit rows of one entity in a database, oldest first, JSON columns parsed. */
async function auditOf(d1: D1Database, entityType: string, entityId: number): Promise<AuditRow[]> {
  const { results } = await d1
    .prepare("SELECT * FROM audit_events WHERE entity_type = ?1 AND entity_id = ?2 ORDER BY id")
    .bind(entityType, entityId)
    .all<Record<string, unknown>>();
  return results.map((row) => ({
    ...(row as unknown as AuditRow),
    before: row.before === null ? null : JSON.parse(String(row.before)),
    after: row.after === null ? null : JSON.parse(String(row.after)),
  }));
}

/** How many audit rows a database holds (refusals must leave this unchanged). */
const auditCount = async (d1: D1Database) =>
  (await d1.prepare("SELECT COUNT(*) AS n FROM audit_events").first<{ n: number }>())?.n ?? 0;

/** The events written under a request id, in every database. */
async function byRequest(requestId: string) {
  const one = async (d1: D1Database) =>
    (
      await d1
        .prepare("SELECT action, entity_id FROM audit_events WHERE request_id = ?1 ORDER BY id")
        .bind(requestId)
        .all<{ action: string; entity_id: number }>()
    ).results;
  return { hq: await one(env.DB), main: await one(storeDb(MAIN_STORE.id)), east: await one(storeDb(SECOND_STORE.id)) };
}

/** The id of the `count`-th audit row (0: none), to look at what came after it. */
const lastAuditIdBefore = async (d1: D1Database, count: number) =>
  count === 0
    ? 0
    : ((
        await d1
          .prepare("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET ?1")
          .bind(count - 1)
          .first<{ id: number }>()
      )?.id ?? 0);

const order = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/orders", { token, body, headers });

describe("audit events of orders", () => {
  it("records a sale in the store's database: who, which request, what was created", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 12.5, stock_quantity: 10 });
    const created = await expectJson<Order>(
      order(
        cashier.token,
        { order_items: [{ product_id: product.id, quantity: 2 }], tax: 1, discount: 0.5 },
        { "X-Request-Id": "audit-sale-1" },
      ),
      201,
    );

    const rows = await auditOf(storeDb(MAIN_STORE.id), "order", created.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "order.created",
      entity_type: "order",
      entity_id: created.id,
      actor_user_id: cashier.id,
      actor_username: cashier.username,
      actor_role: "cashier",
      store_id: MAIN_STORE.id,
      request_id: "audit-sale-1",
      before: null,
      after: {
        order_number: created.order_number,
        status: "pending",
        total: 2550,
        item_count: 1,
        customer_id: null,
        discount: 50,
      },
      reason: null,
      approved_by: null,
    });
    // In the store's range, and nowhere else.
    expect(Math.floor(Number(rows[0]?.id) / STORE_ID_SPAN)).toBe(MAIN_STORE.id);
    expect(await byRequest("audit-sale-1")).toEqual({
      hq: [],
      main: [{ action: "order.created", entity_id: created.id }],
      east: [],
    });
  });

  it("records an edit's changed fields, and a cancel with its reason", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 20, stock_quantity: 10 });
    const created = await sale(manager.token, [{ product_id: product.id, quantity: 3 }]);

    await expectJson(
      call("PUT", `/api/v1/orders/${created.id}`, {
        token: manager.token,
        body: { notes: "gift wrap", discount: 5, tax: 0 },
        headers: { "X-Request-Id": "audit-edit-1" },
      }),
      200,
    );
    await expectJson(
      call("POST", `/api/v1/orders/${created.id}/cancel`, {
        token: manager.token,
        body: { reason: "customer changed their mind" },
        headers: { "X-Request-Id": "audit-cancel-1" },
      }),
      200,
    );

    const [made, edited, cancelled, ...more] = await auditOf(storeDb(MAIN_STORE.id), "order", created.id);
    expect(more).toEqual([]);
    expect(made?.action).toBe("order.created");
    // tax 0 was already 0: not a change.
    expect(edited).toMatchObject({
      action: "order.updated",
      actor_user_id: manager.id,
      actor_role: "manager",
      store_id: MAIN_STORE.id,
      request_id: "audit-edit-1",
      before: { notes: null, discount: 0, total: 6000 },
      after: { notes: "gift wrap", discount: 500, total: 5500 },
      reason: null,
    });
    expect([edited?.before, edited?.after]).toEqual([
      { notes: null, discount: 0, total: 6000 },
      { notes: "gift wrap", discount: 500, total: 5500 },
    ]);
    expect(cancelled).toMatchObject({
      action: "order.cancelled",
      actor_user_id: manager.id,
      actor_role: "manager",
      request_id: "audit-cancel-1",
      before: { status: "pending" },
      after: { status: "cancelled" },
      reason: "customer changed their mind",
    });

    // A second cancel is refused (409): no second event.
    const again = await call("POST", `/api/v1/orders/${created.id}/cancel`, { token: manager.token });
    expect(again.status).toBe(409);
    expect(await auditOf(storeDb(MAIN_STORE.id), "order", created.id)).toHaveLength(3);
  });

  it("records an empty edit as one event that changed nothing", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 3, stock_quantity: 5 });
    const created = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    await expectJson(call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: {} }), 200);
    const rows = await auditOf(storeDb(MAIN_STORE.id), "order", created.id);
    expect(rows.map((row) => [row.action, row.before, row.after])).toEqual([
      ["order.created", null, expect.any(Object)],
      ["order.updated", {}, {}],
    ]);
  });

  it("writes nothing for a refused sale (short stock, invalid body)", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 5, stock_quantity: 2 });
    const main = storeDb(MAIN_STORE.id);
    const [storeBefore, hqBefore] = [await auditCount(main), await auditCount(env.DB)];

    const short = await order(cashier.token, { order_items: [{ product_id: product.id, quantity: 3 }] });
    expect(short.status).toBe(409);
    const invalid = await order(cashier.token, { order_items: [{ product_id: product.id, quantity: 0 }] });
    expect(invalid.status).toBe(422);

    expect(await auditCount(main)).toBe(storeBefore);
    expect(await auditCount(env.DB)).toBe(hqBefore);
  });

  it("writes one event for a sale retried with the same Idempotency-Key", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 4, stock_quantity: 10 });
    const body = { order_items: [{ product_id: product.id, quantity: 1 }] };
    const first = await order(cashier.token, body, { "Idempotency-Key": "audit-replay-1" });
    expect(first.status).toBe(201);
    const created = (await first.json()) as Order;
    const count = await auditCount(storeDb(MAIN_STORE.id));

    const replay = await order(cashier.token, body, { "Idempotency-Key": "audit-replay-1" });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await replay.json()) as Order).id).toBe(created.id);

    expect(await auditCount(storeDb(MAIN_STORE.id))).toBe(count);
    expect(await auditOf(storeDb(MAIN_STORE.id), "order", created.id)).toHaveLength(1);
  });

  it("writes one event for a sale whose answer was lost (probed, then retried) and none for one never sent", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 6, stock_quantity: 5 });
    const body = { order_items: [{ product_id: product.id, quantity: 1 }] };
    const actor = { id: cashier.id, username: cashier.username, role: "cashier" as const };
    const main = storeDb(MAIN_STORE.id);
    const sellOver = async (d1: D1Database, key: string | null) =>
      createOrder(
        await testContext({ store: await storeOver(d1) }),
        actor,
        body,
        key === null
          ? null
          : {
              userId: cashier.id,
              key,
              method: "POST",
              path: "/api/v1/orders",
              requestHash: await sha256Hex(`POST /api/v1/orders ${canonicalJson(body)}`),
            },
      );

    // Never sent: the stock protocol releases the hold, and the batch's event was never written.
    const before = await auditCount(main);
    await expect(sellOver(scriptedD1({ at: 1, unsent: true }).d1, null)).rejects.toThrow();
    expect(await auditCount(main)).toBe(before);

    // Landed, answer lost: the probe finds it (reading the order back fails: 503); the batch is not sent again.
    await expect(sellOver(scriptedD1({ at: 1, lose: "read-back" }).d1, "audit-lost-1")).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    const { results } = await main
      .prepare("SELECT entity_id FROM audit_events WHERE action = 'order.created' AND id > ?1")
      .bind(await lastAuditIdBefore(main, before))
      .all<{ entity_id: number }>();
    expect(results).toHaveLength(1);

    // The till retries with the same key: the stored answer, no second event.
    const retry = await order(cashier.token, body, { "Idempotency-Key": "audit-lost-1" });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await retry.json()) as Order).id).toBe(results[0]?.entity_id);
    expect(await auditCount(main)).toBe(before + 1);
  });

  it("records a sale at EAST in EAST's database, with an id in EAST's range", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 8, stock_quantity: 0 });
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: admin.token,
        body: { action: "stock_in", quantity_change: 5 },
        headers: atStore(SECOND_STORE.id),
      }),
      201,
    );
    const created = await expectJson<Order>(
      order(
        admin.token,
        { order_items: [{ product_id: product.id, quantity: 2 }] },
        { ...atStore(SECOND_STORE.id), "X-Request-Id": "audit-east-1" },
      ),
      201,
    );

    const [row, ...more] = await auditOf(storeDb(SECOND_STORE.id), "order", created.id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      action: "order.created",
      actor_user_id: admin.id,
      actor_role: "admin",
      store_id: SECOND_STORE.id,
      request_id: "audit-east-1",
      after: { status: "pending", total: 1600, item_count: 1 },
    });
    expect(Math.floor(Number(row?.id) / STORE_ID_SPAN)).toBe(SECOND_STORE.id);
    expect(await byRequest("audit-east-1")).toEqual({
      hq: [],
      main: [],
      east: [{ action: "order.created", entity_id: created.id }],
    });
  });
});

describe("audit events of money", () => {
  it("records a payment that completes its order, without card details", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 15, stock_quantity: 10 });
    const created = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }]);
    const paid = await expectJson<PaymentResult>(
      pay(
        cashier.token,
        { order_id: created.id, payment_method: "credit_card", amount: 30, transaction_id: "TXN-AUDIT-1" },
        { "X-Request-Id": "audit-pay-1" },
      ),
      201,
    );
    expect(paid.order_status).toBe("completed");

    const [row, ...more] = await auditOf(storeDb(MAIN_STORE.id), "payment", paid.id);
    expect(more).toEqual([]);
    expect(row).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      actor_user_id: cashier.id,
      actor_username: cashier.username,
      actor_role: "cashier",
      store_id: MAIN_STORE.id,
      client_address: expect.toSatisfy((v: unknown) => v === null || typeof v === "string"),
      request_id: "audit-pay-1",
      action: "payment.created",
      entity_type: "payment",
      entity_id: paid.id,
      before: null,
      after: {
        payment_method: "credit_card",
        amount: 3000,
        status: "completed",
        order_id: created.id,
        order_status: "completed",
      },
      reason: null,
      approved_by: null,
    });
    expect(JSON.stringify(row)).not.toContain("TXN-AUDIT-1");
    expect(await byRequest("audit-pay-1")).toEqual({
      hq: [],
      main: [{ action: "payment.created", entity_id: paid.id }],
      east: [],
    });
  });

  it("records a pending payment's confirmation as payment.updated", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 20, stock_quantity: 10 });
    const created = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const pending = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: created.id, payment_method: "bank_transfer", amount: 20, status: "pending" }),
      201,
    );
    await expectJson(
      call("PUT", `/api/v1/payments/${pending.id}`, {
        token: manager.token,
        body: { status: "completed", reference_number: "BT-77" },
        headers: { "X-Request-Id": "audit-confirm-1" },
      }),
      200,
    );
    const rows = await auditOf(storeDb(MAIN_STORE.id), "payment", pending.id);
    expect(rows.map((row) => row.action)).toEqual(["payment.created", "payment.updated"]);
    expect(rows[0]?.after).toMatchObject({ status: "pending", order_status: "pending" });
    expect([rows[1]?.before, rows[1]?.after]).toEqual([
      { reference_number: null, status: "pending" },
      { reference_number: "BT-77", status: "completed" },
    ]);
    expect(rows[1]).toMatchObject({
      actor_user_id: manager.id,
      actor_role: "manager",
      request_id: "audit-confirm-1",
      before: { reference_number: null, status: "pending" },
      after: { reference_number: "BT-77", status: "completed" },
    });
  });

  it("records a refund on its payment with the refund's id, amount and reason", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const created = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }]);
    const paid = await expectJson<PaymentResult>(
      pay(cashier.token, { order_id: created.id, payment_method: "debit_card", amount: 20 }),
      201,
    );
    const refund = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${paid.id}/refund`, {
        token: manager.token,
        body: { amount: 5, reason: "scratched box" },
        headers: { "X-Request-Id": "audit-refund-1" },
      }),
      201,
    );
    const second = await expectJson<Refund>(
      call("POST", `/api/v1/payments/${paid.id}/refund`, {
        token: manager.token,
        body: { reason: "returned the rest" },
      }),
      201,
    );

    const [, first, last, ...more] = await auditOf(storeDb(MAIN_STORE.id), "payment", paid.id);
    expect(more).toEqual([]);
    expect(first).toMatchObject({
      action: "payment.refunded",
      actor_user_id: manager.id,
      actor_role: "manager",
      request_id: "audit-refund-1",
      before: { status: "completed", refunded_amount: 0 },
      after: { status: "partially_refunded", refunded_amount: 500, refund_id: refund.id, refund_amount: 500 },
      reason: "scratched box",
    });
    expect(first?.after).toEqual({
      status: "partially_refunded",
      refunded_amount: 500,
      refund_id: refund.id,
      refund_amount: 500,
    });
    expect(last).toMatchObject({
      action: "payment.refunded",
      before: { status: "partially_refunded", refunded_amount: 500 },
      after: { status: "refunded", refunded_amount: 2000, refund_id: second.id, refund_amount: 1500 },
      reason: "returned the rest",
    });
  });

  it("records only the payment that won a race for the same order", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 9, stock_quantity: 10 });
    const created = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const count = await auditCount(storeDb(MAIN_STORE.id));
    const answers = await Promise.all([
      pay(cashier.token, { order_id: created.id, payment_method: "credit_card", amount: 9 }),
      pay(manager.token, { order_id: created.id, payment_method: "debit_card", amount: 9 }),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses[0]).toBe(201);
    expect(statuses[1]).toBeGreaterThanOrEqual(400);

    const { results } = await storeDb(MAIN_STORE.id)
      .prepare(
        "SELECT entity_id FROM audit_events WHERE action = 'payment.created' AND json_extract(after, '$.order_id') = ?1",
      )
      .bind(created.id)
      .all<{ entity_id: number }>();
    const won = (await answers.find((answer) => answer.status === 201)?.json()) as PaymentResult;
    expect(results).toEqual([{ entity_id: won.id }]);
    expect(await auditCount(storeDb(MAIN_STORE.id))).toBe(count + 1);
  });
});

describe("audit events of stock", () => {
  it("records an adjustment's stock before and after, with its notes as the reason", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 2, stock_quantity: 10 });
    await expectJson(
      call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
        token: manager.token,
        body: { action: "adjustment", new_quantity: 7, notes: "cycle count" },
        headers: { "X-Request-Id": "audit-adjust-1" },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/inventory/logs", {
        token: manager.token,
        body: { product_id: product.id, action: "damage", quantity_change: 2, notes: "dropped" },
      }),
      201,
    );
    // Refused (count equal to the stock): nothing.
    const same = await call("POST", `/api/v1/inventory/product/${product.id}/adjust`, {
      token: manager.token,
      body: { action: "adjustment", new_quantity: 5 },
    });
    expect(same.status).toBe(422);

    // (The product's creation may write its own events: only its stock moves are looked at.)
    const rows = (await auditOf(storeDb(MAIN_STORE.id), "product", product.id)).filter((row) =>
      row.action.startsWith("inventory."),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      action: "inventory.adjusted",
      actor_user_id: manager.id,
      actor_role: "manager",
      store_id: MAIN_STORE.id,
      request_id: "audit-adjust-1",
      before: { stock_quantity: 10 },
      after: { stock_quantity: 7, movement: "adjustment" },
      reason: "cycle count",
    });
    expect([rows[0]?.before, rows[0]?.after]).toEqual([
      { stock_quantity: 10 },
      { stock_quantity: 7, movement: "adjustment" },
    ]);
    expect(rows[1]).toMatchObject({
      action: "inventory.adjusted",
      before: { stock_quantity: 7 },
      after: { stock_quantity: 5, movement: "damage" },
      reason: "dropped",
    });
    // The product's creation is the head office's; its stock moves are the store's.
    const hq = await auditOf(env.DB, "product", product.id);
    expect(hq.filter((row) => row.action === "inventory.adjusted")).toEqual([]);
  });

  it("records a stock object's resync", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 2, stock_quantity: 4 });
    await expectJson(call("POST", `/api/v1/inventory/product/${product.id}/resync`, { token: admin.token }), 200);
    const rows = (await auditOf(storeDb(MAIN_STORE.id), "product", product.id)).filter((row) =>
      row.action.startsWith("inventory."),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "inventory.resynced",
      actor_user_id: admin.id,
      actor_role: "admin",
      after: { available: 4 },
    });
  });
});
