import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { sha256Hex } from "../../src/lib/auth/tokens";
import { canonicalJson, type IdempotencyContext } from "../../src/lib/idempotency";
import { createOrder } from "../../src/services/orders-create";
import { stockObjectName } from "../../src/stock/client";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct, type ProductOut } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { bookStock, count, gate, logSum } from "../helpers/stock";
import { MAIN_STORE, storeDb } from "../helpers/stores";

const order = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/orders", { token, body, headers });

const stub = (productId: number) =>
  env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, productId)));

/**
 * Store 1's database, whose sale batch (its first batch: the sale's reads are
 * at the head office) fails the way a dropped connection does: before it was
 * sent (nothing written, D1 still answers), or after it landed (nothing answers).
 */
const flakyD1 = (mode: "before" | "after"): D1Database =>
  scriptedD1(mode === "before" ? { at: 1, unsent: true } : { at: 1, lose: "everything" }).d1;

async function idemFor(userId: number, key: string, body: unknown): Promise<IdempotencyContext> {
  return {
    userId,
    key,
    method: "POST",
    path: "/api/v1/orders",
    requestHash: await sha256Hex(`POST /api/v1/orders ${canonicalJson(body)}`),
  };
}

describe("idempotent order creation", () => {
  it("replays the same key and body, refuses the same key with another body", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10 });
    const body = { order_items: [{ product_id: product.id, quantity: 2 }] };
    const headers = { "Idempotency-Key": "till-1-sale-1" };
    const first = await expectJson(order(cashier.token, body, headers), 201);
    const second = await order(cashier.token, body, headers);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectJson(second, 201)).toEqual(first);
    const other = await order(cashier.token, { order_items: [{ product_id: product.id, quantity: 3 }] }, headers);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect(await bookStock(product.id)).toBe(8);
    // The replay and the refused reuse reserved in parallel with their key lookup, and gave the units back.
    await expect.poll(async () => (await gate().view(product.id)).open_entries).toBe(0);
    expect((await gate().view(product.id)).available).toBe(8);
    expect(
      await storeDb().prepare("SELECT COUNT(*) AS n FROM orders WHERE user_id = ?1").bind(cashier.id).first(),
    ).toEqual({ n: 1 });
  });

  it("makes one order from ten concurrent requests with one key", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 100 });
    const body = { order_items: [{ product_id: product.id, quantity: 1 }], notes: "burst" };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => order(manager.token, body, { "Idempotency-Key": "burst-key" })),
    );
    const bodies = await Promise.all(results.map((r) => expectJson<{ id: number }>(r, 201)));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await storeDb().prepare("SELECT COUNT(*) AS n FROM orders WHERE notes = 'burst'").first()).toEqual({ n: 1 });
    expect(await bookStock(product.id)).toBe(99);
    await expect.poll(async () => (await gate().view(product.id)).open_entries).toBe(0);
    expect((await gate().view(product.id)).available).toBe(99);
  });
});

describe("faults around the D1 batch", () => {
  const deps = async (d1: D1Database) => testContext({ store: await storeOver(d1) });

  it("releases the reservations and writes nothing when the batch fails", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    const before = await count("orders");
    const actor = { id: cashier.id, username: cashier.username, role: "cashier" as const };
    await expect(
      createOrder(
        await deps(flakyD1("before")),
        actor,
        { order_items: [{ product_id: product.id, quantity: 2 }] },
        null,
      ),
    ).rejects.toThrow();
    expect(await count("orders")).toBe(before);
    expect(await bookStock(product.id)).toBe(5);
    const view = await gate().view(product.id);
    expect(view).toMatchObject({ available: 5, open_entries: 0 });
  });

  it("leaves the hold for the alarm when the outcome is unknown; the alarm commits it and a retry replays", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    const body = { order_items: [{ product_id: product.id, quantity: 2 }] };
    const actor = { id: cashier.id, username: cashier.username, role: "cashier" as const };
    const idem = await idemFor(cashier.id, "lost-connection-1", body);

    await expect(createOrder(await deps(flakyD1("after")), actor, body, idem)).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    // D1 has the sale; the object still holds the units, outcome unknown to it.
    expect(await bookStock(product.id)).toBe(3);
    expect(await gate().view(product.id)).toMatchObject({ available: 3, open_entries: 1, held_take: 2 });

    // Let the hold expire, then run the alarm: it finds the ref in D1 and commits.
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
    expect(await gate().view(product.id)).toMatchObject({ available: 3, open_entries: 0 });

    const retry = await order(cashier.token, body, { "Idempotency-Key": "lost-connection-1" });
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    const replayed = await expectJson<{ order_items: { quantity: number }[] }>(retry, 201);
    expect(replayed.order_items[0]?.quantity).toBe(2);
    expect(await bookStock(product.id)).toBe(3);
    expect(await logSum(product.id)).toBe(3);
  });

  it("lets the alarm release a hold whose batch never reached D1", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 4 });
    // A till reserved and then vanished before writing anything.
    await gate().reserve(product.id, "ORD-VANISHED-1", 3);
    expect((await gate().view(product.id)).available).toBe(1);
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    await runDurableObjectAlarm(stub(product.id));
    expect(await gate().view(product.id)).toMatchObject({ available: 4, open_entries: 0 });
    // A late commit for the released ref changes nothing.
    await gate().commit(product.id, "ORD-VANISHED-1");
    expect((await gate().view(product.id)).available).toBe(4);
  });
});

describe("cancelling", () => {
  it("restores stock exactly once when two cancels race", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10 });
    const created = await expectJson<{ id: number }>(
      order(cashier.token, { order_items: [{ product_id: product.id, quantity: 4 }] }),
      201,
    );
    expect(await bookStock(product.id)).toBe(6);
    const results = await Promise.all(
      [1, 2].map(() => call("POST", `/api/v1/orders/${created.id}/cancel`, { token: manager.token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await bookStock(product.id)).toBe(10);
    expect(await logSum(product.id)).toBe(10);
    await expect.poll(async () => (await gate().view(product.id)).open_entries).toBe(0);
    expect((await gate().view(product.id)).available).toBe(10);
    const returns = await storeDb()
      .prepare("SELECT COUNT(*) AS n FROM inventory_logs WHERE product_id = ?1 AND action = 'return'")
      .bind(product.id)
      .first();
    expect(returns).toEqual({ n: 1 });

    const again = await call("POST", `/api/v1/orders/${created.id}/cancel`, { token: manager.token });
    expect(again.status).toBe(409);
    const cashierCancel = await call("POST", `/api/v1/orders/${created.id}/cancel`, { token: cashier.token });
    expect(cashierCancel.status).toBe(403);
  });

  it("never leaves a cancelled order holding money when a cancel races a part payment", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 50 });
    for (let round = 0; round < 6; round++) {
      const created = await expectJson<{ id: number }>(
        order(cashier.token, { order_items: [{ product_id: product.id, quantity: 1 }] }),
        201,
      );
      const [cancel, payment] = await Promise.all([
        call("POST", `/api/v1/orders/${created.id}/cancel`, { token: manager.token }),
        call("POST", "/api/v1/payments", {
          token: cashier.token,
          body: { order_id: created.id, payment_method: "cash", amount: 3 },
        }),
      ]);
      // Exactly one of them wins, whichever order they commit in.
      expect([cancel.status === 200, payment.status === 201].filter(Boolean), `round ${round}`).toHaveLength(1);
      expect(cancel.status === 200 ? payment.status : cancel.status, `round ${round}`).toBe(409);
      const row = await storeDb()
        .prepare("SELECT status, paid_amount FROM orders WHERE id = ?1")
        .bind(created.id)
        .first();
      expect(row, `round ${round}`).toEqual(
        cancel.status === 200 ? { status: "cancelled", paid_amount: 0 } : { status: "pending", paid_amount: 300 },
      );
    }
    expect(await bookStock(product.id)).toBe(await logSum(product.id));
  });
});

describe("mixed load", () => {
  it("keeps book, log and objects in step over hundreds of random orders", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const products: ProductOut[] = [];
    for (let i = 0; i < 10; i++) products.push(await createProduct(admin.token, { stock_quantity: 40, price: 1 + i }));
    const start = new Map(products.map((p) => [p.id, 40]));
    const sold = new Map<number, number>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses: number[] = [];
    for (let round = 0; round < 15; round++) {
      const carts = Array.from({ length: 20 }, () => {
        const lines = new Map<number, number>();
        const n = 1 + random(3);
        for (let i = 0; i < n; i++) {
          const product = products[random(products.length)];
          if (product) lines.set(product.id, (lines.get(product.id) ?? 0) + 1 + random(3));
        }
        return [...lines].map(([product_id, quantity]) => ({ product_id, quantity }));
      });
      const results = await Promise.all(carts.map((items) => order(cashier.token, { order_items: items })));
      for (const [i, res] of results.entries()) {
        statuses.push(res.status);
        if (res.status === 201)
          for (const line of carts[i] ?? [])
            sold.set(line.product_id, (sold.get(line.product_id) ?? 0) + line.quantity);
      }
    }
    expect(statuses.length).toBe(300);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(50);
    for (const product of products) {
      const now = await bookStock(product.id);
      expect((now ?? -1) + (sold.get(product.id) ?? 0)).toBe(start.get(product.id));
      expect(await logSum(product.id)).toBe(now);
    }
    await expect
      .poll(
        async () =>
          (
            await expectJson<{ in_flight: unknown[] }>(
              call("GET", "/api/v1/inventory/reconcile", { token: admin.token }),
              200,
            )
          ).in_flight,
      )
      .toEqual([]);
    const report = await expectJson<{ checked: number; drift: unknown[] }>(
      call("GET", "/api/v1/inventory/reconcile", { token: admin.token }),
      200,
    );
    expect(report.drift).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(10);
  });
});
