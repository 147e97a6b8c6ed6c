/**
 * Orders across the chain's stores: stock is per store, ids and numbers say
 * which store's database holds an order, points redeemed at two stores are
 * held at the head office and never overdrawn, a hold whose sale's outcome is
 * unknown is settled by the sweep, and a sale costs two sequential round trips.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { AppDatabase } from "../../src/db/client";
import { findKey } from "../../src/db/idempotency-keys";
import { STORE_ID_SPAN } from "../../src/db/schema";
import { guardEnv } from "../../src/lib/d1-guard";
import { createServiceContext } from "../../src/services/context";
import { createOrder, sell } from "../../src/services/orders-create";
import { settleExpiredHolds } from "../../src/services/points-holds";
import { accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import {
  callLog,
  pendingCheckOf,
  type RemoteCall,
  sequentialDepth,
  timedD1,
  timedStockNamespace,
} from "../helpers/round-trips";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { bookStock, gate } from "../helpers/stock";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

interface Order {
  id: number;
  order_number: string;
  status: string;
  total: number;
  points_redeemed: number;
}

const order = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  call("POST", "/api/v1/orders", { token, body, headers });

/** Counts `quantity` units in at `storeId` (a delivery), through the API as a client would. */
const deliver = (token: string, productId: number, storeId: number, quantity: number) =>
  expectJson(
    call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
      token,
      headers: atStore(storeId),
      body: { action: "stock_in", quantity_change: quantity, notes: "delivery" },
    }),
    201,
  );

async function customerWithPoints(token: string, points: number, name: string): Promise<number> {
  const customer = await expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token, body: { first_name: name, last_name: "Points" } }),
    201,
  );
  await expectJson(
    call("POST", `/api/v1/customers/${customer.id}/loyalty-points`, { token, body: { points, reason: "welcome" } }),
    200,
  );
  return customer.id;
}

async function pointsOf(customerId: number) {
  const balance = await env.DB.prepare("SELECT loyalty_points AS p FROM customers WHERE id = ?1")
    .bind(customerId)
    .first<{ p: number }>();
  const ledger = await env.DB.prepare(
    "SELECT COALESCE(SUM(delta), 0) AS s, MIN(balance_after) AS lowest FROM loyalty_ledger WHERE customer_id = ?1",
  )
    .bind(customerId)
    .first<{ s: number; lowest: number }>();
  return { balance: balance?.p, ledgerSum: ledger?.s, lowestBalance: ledger?.lowest };
}

const holdOf = (ref: string) =>
  env.DB.prepare("SELECT status, points, store_id FROM points_holds WHERE ref = ?1")
    .bind(ref)
    .first<{ status: string; points: number; store_id: number }>();

describe("stock per store", () => {
  it("sells a product sold out in store A in store B, from B's own stock", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 4, stock_quantity: 1 });
    await deliver(admin.token, product.id, SECOND_STORE.id, 3);
    const body = { order_items: [{ product_id: product.id, quantity: 1 }] };

    await expectJson(order(admin.token, body), 201);
    const soldOut = await order(admin.token, body);
    expect(soldOut.status).toBe(409);
    expect(await soldOut.json()).toMatchObject({ code: "INSUFFICIENT_STOCK", available: 0 });

    const east = await expectJson<Order>(order(admin.token, body, atStore(SECOND_STORE.id)), 201);
    expect(east.order_number).toMatch(/^ORD-EAST-\d{8}-[0-9A-F]{8}$/);
    expect(await bookStock(product.id, MAIN_STORE.id)).toBe(0);
    expect(await bookStock(product.id, SECOND_STORE.id)).toBe(2);
    await expect.poll(async () => (await gate(SECOND_STORE.id).view(product.id)).open_entries).toBe(0);
    expect((await gate(SECOND_STORE.id).view(product.id)).available).toBe(2);
    expect((await gate(MAIN_STORE.id).view(product.id)).available).toBe(0);
    // Each store's database holds its own sale only.
    const inStore = async (storeId: number) =>
      (
        await storeDb(storeId)
          .prepare("SELECT COUNT(*) AS n FROM order_items WHERE product_id = ?1")
          .bind(product.id)
          .first<{ n: number }>()
      )?.n;
    expect([await inStore(MAIN_STORE.id), await inStore(SECOND_STORE.id)]).toEqual([1, 1]);
  });

  it("prices a line at the store's own price and copies the catalog's category and cost onto it", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const category = await expectJson<{ id: number; name: string }>(
      call("POST", "/api/v1/categories", { token: admin.token, body: { name: "Copied Category" } }),
      201,
    );
    const product = await createProduct(admin.token, {
      price: 5,
      cost_price: 2.5,
      stock_quantity: 3,
      category_id: category.id,
    });
    await deliver(admin.token, product.id, SECOND_STORE.id, 3);
    // EAST's own price (a head-office row):
    await env.DB.prepare(
      "INSERT INTO product_store_prices (product_id, store_id, price, updated_at) VALUES (?1, ?2, 650, ?3)",
    )
      .bind(product.id, SECOND_STORE.id, new Date().toISOString())
      .run();
    const body = { order_items: [{ product_id: product.id, quantity: 2 }] };
    const main = await expectJson<Order>(order(admin.token, body), 201);
    const east = await expectJson<Order>(order(admin.token, body, atStore(SECOND_STORE.id)), 201);
    expect([main.total, east.total]).toEqual([10, 13]);
    const line = await storeDb(SECOND_STORE.id)
      .prepare("SELECT category_id, category_name, unit_cost, unit_price FROM order_items WHERE order_id = ?1")
      .bind(east.id)
      .first();
    expect(line).toEqual({
      category_id: category.id,
      category_name: "Copied Category",
      unit_cost: 250,
      unit_price: 650,
    });
  });
});

describe("ids and numbers name the store", () => {
  it("gives store 2's orders ids from its range, readable without a store hint by whoever has a role there", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 0 });
    await deliver(admin.token, product.id, SECOND_STORE.id, 5);
    const east = await expectJson<Order>(
      order(admin.token, { order_items: [{ product_id: product.id, quantity: 1 }] }, atStore(SECOND_STORE.id)),
      201,
    );
    expect(east.id).toBeGreaterThan(2 * STORE_ID_SPAN);
    expect(east.id).toBeLessThan(3 * STORE_ID_SPAN);

    // No X-Store-Id: the id (or the number) says which store's database to read.
    const byId = await expectJson<Order>(call("GET", `/api/v1/orders/${east.id}`, { token: admin.token }), 200);
    expect(byId).toMatchObject({ id: east.id, order_number: east.order_number });
    const byNumber = await expectJson<Order>(
      call("GET", `/api/v1/orders/number/${east.order_number}`, { token: admin.token }),
      200,
    );
    expect(byNumber.id).toBe(east.id);
    const receipt = await call("GET", `/api/v1/orders/${east.id}/receipt`, { token: admin.token });
    expect(receipt.status).toBe(200);
    expect(await receipt.text()).toContain(SECOND_STORE.name);

    // A cashier of store 1 only has no part in store 2: its orders do not exist for them.
    for (const path of [`/api/v1/orders/${east.id}`, `/api/v1/orders/number/${east.order_number}`]) {
      const res = await call("GET", path, { token: cashier.token });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ detail: "Order not found" });
    }
    const cancel = await call("POST", `/api/v1/orders/${east.id}/cancel`, { token: (await accounts()).manager.token });
    expect(cancel.status).toBe(404);

    // Lists are the acting store's: the home store's by default, store 2's when asked.
    const listed = async (headers: Record<string, string>) =>
      (
        await expectJson<{ data: Order[] }>(
          call("GET", "/api/v1/orders?limit=100", { token: admin.token, headers }),
          200,
        )
      ).data.map((o) => o.id);
    expect(await listed({})).not.toContain(east.id);
    expect(await listed(atStore(SECOND_STORE.id))).toContain(east.id);
  });

  it("sells on the new home store when it changed after the token was issued (the sale runs again there)", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const mover = await createAccount(admin.token, "movingcashier", "cashier");
    const product = await createProduct(admin.token, { stock_quantity: 4 });
    await deliver(admin.token, product.id, SECOND_STORE.id, 4);
    await expectJson(
      call("PUT", `/api/v1/users/${mover.id}`, { token: admin.token, body: { home_store_id: SECOND_STORE.id } }),
      200,
    );
    const res = await order(mover.token, { order_items: [{ product_id: product.id, quantity: 1 }] });
    const sold = await expectJson<Order>(res, 201);
    expect(sold.order_number).toMatch(/^ORD-EAST-/);
    expect(await bookStock(product.id, SECOND_STORE.id)).toBe(3);
    // What the first attempt reserved at the old home store went back before the answer.
    expect(await gate(MAIN_STORE.id).view(product.id)).toMatchObject({ available: 4, held_take: 0 });
  });
});

describe("points holds", () => {
  it("never overdraw a balance under racing redemptions in two stores", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 50 });
    await deliver(admin.token, product.id, SECOND_STORE.id, 50);
    for (let round = 0; round < 3; round++) {
      const customerId = await customerWithPoints(admin.token, 100, `Racer${round}`);
      const body = {
        customer_id: customerId,
        redeem_points: 70,
        order_items: [{ product_id: product.id, quantity: 1 }],
      };
      const results = await Promise.all(
        [MAIN_STORE.id, SECOND_STORE.id, MAIN_STORE.id, SECOND_STORE.id].map((store) =>
          order(admin.token, body, atStore(store)),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(
        statuses.filter((s) => s === 201),
        `round ${round}: ${statuses}`,
      ).toHaveLength(1);
      expect(
        statuses.filter((s) => s === 409),
        `round ${round}: ${statuses}`,
      ).toHaveLength(3);
      const winner = await expectJson<Order>(results[statuses.indexOf(201)] as Response, 201);
      expect(winner.points_redeemed).toBe(70);
      await expect.poll(async () => (await holdOf(winner.order_number))?.status).toBe("confirmed");
      const points = await pointsOf(customerId);
      expect(points).toEqual({ balance: 30, ledgerSum: 30, lowestBalance: 30 });
      const holds = await env.DB.prepare(
        "SELECT status, COUNT(*) AS n FROM points_holds h JOIN customers c ON c.id = h.customer_id WHERE c.id = ?1 GROUP BY status",
      )
        .bind(customerId)
        .all();
      expect(holds.results).toEqual([{ status: "confirmed", n: 1 }]);
    }
  });

  it("gives held points back when the sale is refused after holding them", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 1 });
    const customerId = await customerWithPoints(admin.token, 50, "Refused");
    const res = await order(admin.token, {
      customer_id: customerId,
      redeem_points: 40,
      order_items: [{ product_id: product.id, quantity: 2 }],
    });
    expect(res.status).toBe(409);
    expect(await pointsOf(customerId)).toEqual({ balance: 50, ledgerSum: 50, lowestBalance: 10 });
    const holds = await env.DB.prepare("SELECT status FROM points_holds WHERE customer_id = ?1").bind(customerId).all();
    expect(holds.results).toEqual([{ status: "released" }]);
  });

  it("settles a hold whose store batch outcome is unknown by looking the order up in its store", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const actor = { id: cashier.id, username: cashier.username, role: "cashier" as const };
    const later = () => new Date(Date.now() + 5 * 60_000);

    // The batch landed, then the connection dropped: the order exists, the hold stays pending.
    const landed = await customerWithPoints(admin.token, 100, "Landed");
    const afterLanding = await testContext({ store: await storeOver(scriptedD1({ at: 1, lose: "everything" }).d1) });
    const body = (customerId: number) => ({
      customer_id: customerId,
      redeem_points: 30,
      order_items: [{ product_id: product.id, quantity: 1 }],
    });
    await expect(createOrder(afterLanding, actor, body(landed), null)).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    // The batch never left: no order, the hold stays pending too.
    const lost = await customerWithPoints(admin.token, 100, "Lost");
    const neverSent = await testContext({
      store: await storeOver(scriptedD1({ at: 1, unsent: true, lose: "everything" }).d1),
    });
    await expect(createOrder(neverSent, actor, body(lost), null)).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    const pending = await env.DB.prepare(
      "SELECT ref, customer_id, status FROM points_holds WHERE customer_id IN (?1, ?2) ORDER BY customer_id",
    )
      .bind(landed, lost)
      .all<{ ref: string; customer_id: number; status: string }>();
    expect(pending.results.map((h) => h.status)).toEqual(["pending", "pending"]);
    expect((await pointsOf(landed)).balance).toBe(70);
    expect((await pointsOf(lost)).balance).toBe(70);

    // Not expired yet: the sweep leaves them alone.
    expect(await settleExpiredHolds(guardEnv(env), new Date())).toEqual({ confirmed: 0, released: 0 });
    // Past their expiry: the order found in store 1 confirms one, the missing one releases the other.
    expect(await settleExpiredHolds(guardEnv(env), later())).toEqual({ confirmed: 1, released: 1 });
    expect(await holdOf(pending.results[0]?.ref ?? "")).toMatchObject({ status: "confirmed" });
    expect(await holdOf(pending.results[1]?.ref ?? "")).toMatchObject({ status: "released" });
    expect(await pointsOf(landed)).toEqual({ balance: 70, ledgerSum: 70, lowestBalance: 70 });
    expect(await pointsOf(lost)).toEqual({ balance: 100, ledgerSum: 100, lowestBalance: 70 });
    // A second sweep has nothing left to do.
    expect(await settleExpiredHolds(guardEnv(env), later())).toEqual({ confirmed: 0, released: 0 });
  });

  it("credits redeemed points back through the cancel's outbox event, not in the store batch", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 5 });
    const customerId = await customerWithPoints(admin.token, 100, "Cancelled");
    const sold = await expectJson<Order>(
      order(admin.token, {
        customer_id: customerId,
        redeem_points: 25,
        order_items: [{ product_id: product.id, quantity: 1 }],
      }),
      201,
    );
    await expectJson(call("POST", `/api/v1/orders/${sold.id}/cancel`, { token: manager.token }), 200);
    const events = await storeDb(MAIN_STORE.id)
      .prepare("SELECT type, payload FROM outbox WHERE event_id = ?1")
      .bind(`order.cancelled:${sold.id}`)
      .first<{ type: string; payload: string }>();
    expect(JSON.parse(events?.payload ?? "{}")).toMatchObject({ points_redeemed: 25, customer_id: customerId });
  });
});

describe("round trips", () => {
  it("makes two sequential remote round trips per sale: reads, key and holds in parallel, then the store batch", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 3, stock_quantity: 20 });
    const customerId = await customerWithPoints(admin.token, 50, "Timed");
    const check = pendingCheckOf(cashier, "orders:create");
    expect(check.claims.homeStoreId).toBe(MAIN_STORE.id);
    const guarded = guardEnv(env);
    const log = callLog();
    const timedEnv = {
      ...guarded,
      DB: timedD1(guarded.DB, "head office", log),
      STORE_MAIN: timedD1(guarded.STORE_MAIN, "store", log),
      PRODUCT_STOCK: timedStockNamespace(guarded.PRODUCT_STOCK, log),
    } as unknown as typeof guarded;
    const body = {
      customer_id: customerId,
      redeem_points: 5,
      order_items: [{ product_id: product.id, quantity: 1 }],
    };
    // The first sale fills the per-isolate store directory; the second is the steady state measured.
    for (const round of [1, 2]) {
      const idem = {
        userId: cashier.id,
        key: `timed-${round}`,
        method: "POST",
        path: "/api/v1/orders",
        requestHash: "x",
      };
      const lookup = { find: (db: AppDatabase) => findKey(db, idem.userId, idem.key), answer: async () => null };
      const deferred: Promise<unknown>[] = [];
      const ctx = createServiceContext(timedEnv, { waitUntil: (work) => void deferred.push(work) });
      const actor = { id: cashier.id, username: "", role: "cashier" as const };
      log.clear();
      const sold = await sell(ctx, actor, body, { idem, check, lookup });
      const answered = log.mark();
      expect(sold).toMatchObject({ status: "pending", points_redeemed: 5 });
      if (round === 1) continue;
      // After the response: the stock commits and the points confirmation (deferred, never awaited by the sale).
      const afterResponse = (call: RemoteCall) =>
        call.what === "stock commit" || (call.sql ?? "").includes("SET status = 'confirmed'");
      const awaited = log.calls.filter((call) => call.started < answered && !afterResponse(call));
      expect(sequentialDepth(awaited), JSON.stringify(awaited)).toBe(2);
      const phase = (depth: number) => awaited.filter((call) => call.depth === depth).map((call) => call.what);
      expect(phase(1).sort()).toEqual(["head office batch", "stock reserve", "store raw"]);
      expect(phase(2)).toEqual(["store batch"]);
      await Promise.all(deferred);
      expect(
        log.calls
          .filter(afterResponse)
          .map((call) => call.what)
          .sort(),
      ).toEqual(["head office all", "stock commit"]);
    }
  });
});
