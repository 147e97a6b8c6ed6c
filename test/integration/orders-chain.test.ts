/**
 * Cross-store order lookups (src/services/orders-chain.ts): a customer's
 * orders from every store the caller may read orders at (the acting store's
 * live, the others' through the head office's order index once their outbox
 * is applied), by each store's role; an order by a number from before stores,
 * found at its store through the index.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { dbFor } from "../../src/db/client";
import { reindexStoreOrders } from "../../src/db/order-index";
import { findStore } from "../../src/db/stores";
import { guardEnv } from "../../src/lib/d1-guard";
import { createServiceContext } from "../../src/services/context";
import { listCustomerOrdersChain } from "../../src/services/orders-chain";
import { scopeOf } from "../../src/stores/scope";
import { type Account, accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { applyStoreOutbox, settleStoreEvents } from "../helpers/outbox";
import { callLog, sequentialDepth, timedD1 } from "../helpers/round-trips";
import { addThirdStore, atStore, MAIN_STORE, SECOND_STORE, storeDb, THIRD_STORE } from "../helpers/stores";

interface Order {
  id: number;
  order_number: string;
  customer_id: number | null;
  user_id: number;
  status: string;
  total: number;
  created_at: string;
  order_items: { product_id: number; quantity: number }[];
}
interface OrderList {
  total: number;
  skip: number;
  limit: number;
  data: Order[];
}

const MAIN = MAIN_STORE.id;
const EAST = SECOND_STORE.id;
const WEST = THIRD_STORE.id;

let productId: number;

beforeAll(async () => {
  const { admin } = await accounts();
  productId = (await createProduct(admin.token, { price: 5, stock_quantity: 500 })).id;
  await expectJson(
    call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
      token: admin.token,
      headers: atStore(EAST),
      body: { action: "stock_in", quantity_change: 500, notes: "delivery" },
    }),
    201,
  );
});

const newCustomer = async (token: string, name: string) =>
  (
    await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token, body: { first_name: name, last_name: "Chain" } }),
      201,
    )
  ).id;

/** A sale of `quantity` units at `storeId` by `who`. */
const sellAt = (who: Account, storeId: number, customerId: number | null, quantity = 1) =>
  expectJson<Order>(
    call("POST", "/api/v1/orders", {
      token: who.token,
      headers: atStore(storeId),
      body: { customer_id: customerId, order_items: [{ product_id: productId, quantity }] },
    }),
    201,
  );

/** GET /orders/customer/{id} acting at `storeId`. */
const customerOrders = (who: Account, storeId: number, customerId: number, query = "") =>
  expectJson<OrderList>(
    call("GET", `/api/v1/orders/customer/${customerId}${query}`, { token: who.token, headers: atStore(storeId) }),
    200,
  );

const ids = (list: OrderList) => list.data.map((o) => o.id);

describe("a customer's orders across the chain", () => {
  it("shows each store's sales at either store once applied, the acting store's own at once", async ({ expect }) => {
    const { admin } = await accounts();
    const customer = await newCustomer(admin.token, "Roaming");
    const atMain = await sellAt(admin, MAIN, customer, 1);
    const atEast = await sellAt(admin, EAST, customer, 2);

    // Before the outbox is applied each store sees its own sale (live), not yet the other's.
    expect(ids(await customerOrders(admin, MAIN, customer))).toEqual([atMain.id]);
    expect(ids(await customerOrders(admin, EAST, customer))).toEqual([atEast.id]);

    await settleStoreEvents();
    const fromMain = await customerOrders(admin, MAIN, customer);
    const fromEast = await customerOrders(admin, EAST, customer);
    expect(fromMain).toMatchObject({ total: 2, skip: 0, limit: 100 });
    expect(ids(fromMain)).toEqual([atEast.id, atMain.id]);
    expect(fromEast).toEqual(fromMain);
    // Same items as the order itself shows (read from its store, not the index).
    expect(fromMain.data[0]).toMatchObject({
      id: atEast.id,
      order_number: atEast.order_number,
      customer_id: customer,
      total: atEast.total,
      order_items: atEast.order_items,
    });

    // A new sale at EAST: EAST lists it at once, MAIN once it is applied; never twice.
    const again = await sellAt(admin, EAST, customer, 3);
    expect(ids(await customerOrders(admin, EAST, customer))).toEqual([again.id, atEast.id, atMain.id]);
    expect(ids(await customerOrders(admin, MAIN, customer))).toEqual([atEast.id, atMain.id]);
    await settleStoreEvents();
    await settleStoreEvents();
    const all = await customerOrders(admin, MAIN, customer);
    expect(all.total).toBe(3);
    expect(ids(all)).toEqual([again.id, atEast.id, atMain.id]);
    expect(ids(await customerOrders(admin, EAST, customer))).toEqual(ids(all));

    // Pages of the merged list, whichever store acts.
    for (const store of [MAIN, EAST]) {
      const pages = [];
      for (const skip of [0, 1, 2, 3]) {
        const page = await customerOrders(admin, store, customer, `?skip=${skip}&limit=1`);
        expect(page).toMatchObject({ total: 3, skip, limit: 1 });
        pages.push(...ids(page));
      }
      expect(pages).toEqual(ids(all));
    }
  });

  it("reads a page whose orders sit at three stores, each store's once, in the merged order", async ({ expect }) => {
    const { admin } = await accounts();
    await addThirdStore();
    await expectJson(
      call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
        token: admin.token,
        headers: atStore(WEST),
        body: { action: "stock_in", quantity_change: 50, notes: "delivery" },
      }),
      201,
    );
    const customer = await newCustomer(admin.token, "Three");
    const sold: Order[] = [];
    for (const store of [WEST, MAIN, EAST, WEST, EAST, MAIN, WEST]) sold.push(await sellAt(admin, store, customer));
    await settleStoreEvents();
    await applyStoreOutbox(WEST);
    const newestFirst = sold.map((o) => o.id).reverse();
    for (const store of [MAIN, EAST, WEST]) {
      const all = await customerOrders(admin, store, customer);
      expect(all.total, `acting at ${store}`).toBe(7);
      expect(ids(all), `acting at ${store}`).toEqual(newestFirst);
      const middle = await customerOrders(admin, store, customer, "?skip=2&limit=3");
      expect(ids(middle)).toEqual(newestFirst.slice(2, 5));
      expect(middle.data.map((o) => o.order_items.length)).toEqual([1, 1, 1]);
    }
  });

  it("follows an order's changes at its store, and leaves off one moved to another customer", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const customer = await newCustomer(admin.token, "Changing");
    const other = await newCustomer(admin.token, "Other");
    const kept = await sellAt(admin, EAST, customer, 1);
    const moved = await sellAt(admin, EAST, customer, 1);
    await settleStoreEvents();
    await expectJson(call("POST", `/api/v1/orders/${kept.id}/cancel`, { token: admin.token }), 200);
    await expectJson(
      call("PUT", `/api/v1/orders/${moved.id}`, { token: admin.token, body: { customer_id: other } }),
      200,
    );
    // Not applied yet: the index still files `moved` under the customer; its store says otherwise.
    const lagging = await customerOrders(admin, MAIN, customer);
    expect(lagging.data.map((o) => [o.id, o.status])).toEqual([[kept.id, "cancelled"]]);
    await settleStoreEvents();
    expect(await customerOrders(admin, MAIN, customer)).toMatchObject({ total: 1, data: [{ id: kept.id }] });
    expect(ids(await customerOrders(admin, MAIN, other))).toEqual([moved.id]);
    // The endpoint's 404 for a customer that does not exist stands.
    expect((await call("GET", "/api/v1/orders/customer/987654", { token: manager.token })).status).toBe(404);
  });

  it("shows each store's orders as the caller's role there allows", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const customer = await newCustomer(admin.token, "Roles");
    // A cashier at MAIN (home) who also works the till at EAST; a manager of EAST who is a cashier at MAIN.
    const till = await userAtStores(admin.token, "chaintill", {
      role: "cashier",
      homeStoreId: MAIN,
      storeRoles: [{ store_id: EAST, role: "cashier" }],
    });
    const eastBoss = await userAtStores(admin.token, "chaineastboss", {
      role: "manager",
      homeStoreId: EAST,
      storeRoles: [{ store_id: MAIN, role: "cashier" }],
    });
    const bothBoss = await userAtStores(admin.token, "chainbothboss", {
      role: "manager",
      homeStoreId: MAIN,
      storeRoles: [{ store_id: EAST, role: "manager" }],
    });
    const mainByAdmin = await sellAt(admin, MAIN, customer);
    const mainByTill = await sellAt(till, MAIN, customer);
    const mainByBoss = await sellAt(eastBoss, MAIN, customer);
    const eastByAdmin = await sellAt(admin, EAST, customer);
    const eastByTill = await sellAt(till, EAST, customer);
    const eastByBoss = await sellAt(eastBoss, EAST, customer);
    await settleStoreEvents();
    const newestFirst = [eastByBoss, eastByTill, eastByAdmin, mainByBoss, mainByTill, mainByAdmin].map((o) => o.id);

    for (const store of [MAIN, EAST]) {
      expect(ids(await customerOrders(admin, store, customer)), `admin at ${store}`).toEqual(newestFirst);
      expect(ids(await customerOrders(bothBoss, store, customer)), `both stores' manager at ${store}`).toEqual(
        newestFirst,
      );
      // A cashier at both stores: what they rang up, at each.
      expect(await customerOrders(till, store, customer), `till at ${store}`).toMatchObject({
        total: 2,
        data: [{ id: eastByTill.id }, { id: mainByTill.id }],
      });
      // Every order at EAST (manager there), their own at MAIN (cashier there).
      expect(ids(await customerOrders(eastBoss, store, customer)), `EAST's manager at ${store}`).toEqual([
        eastByBoss.id,
        eastByTill.id,
        eastByAdmin.id,
        mainByBoss.id,
      ]);
    }
    // MAIN's manager with no role at EAST: MAIN's orders only, and cannot act at EAST at all.
    expect(ids(await customerOrders(manager, MAIN, customer))).toEqual([mainByBoss.id, mainByTill.id, mainByAdmin.id]);
    expect(
      (
        await call("GET", `/api/v1/orders/customer/${customer}`, {
          token: manager.token,
          headers: atStore(EAST),
        })
      ).status,
    ).toBe(403);
    // MAIN's plain cashier rang up none of them.
    expect(await customerOrders(cashier, MAIN, customer)).toMatchObject({ total: 0, data: [] });
  });
});

describe("round trips", () => {
  it("answers a customer's chain-wide page in two sequential round trips", async ({ expect }) => {
    const { admin } = await accounts();
    const customer = await newCustomer(admin.token, "Timed");
    for (const store of [MAIN, EAST, MAIN, EAST]) await sellAt(admin, store, customer);
    await settleStoreEvents();
    const guarded = guardEnv(env);
    const log = callLog();
    const timedEnv = {
      ...guarded,
      DB: timedD1(guarded.DB, "head office", log),
      STORE_MAIN: timedD1(guarded.STORE_MAIN, "store MAIN", log),
      STORE_EAST: timedD1(guarded.STORE_EAST, "store EAST", log),
    } as unknown as typeof guarded;
    const main = await findStore(dbFor(guarded.DB), MAIN);
    if (!main) throw new Error("no MAIN store");
    const ctx = createServiceContext(timedEnv, { store: scopeOf(timedEnv, main), waitUntil: () => undefined });
    const actor = { id: admin.id, username: "admin", role: "admin" as const, sessionId: "timed" };
    const page = await listCustomerOrdersChain(ctx, actor, customer, { skip: 0, limit: 10 });
    expect(page.total).toBe(4);
    // Customer, live page and index refs together; then the page's items and the other store's orders together.
    expect(sequentialDepth(log.calls), JSON.stringify(log.calls)).toBe(2);
    expect(log.calls.filter((c) => c.what.startsWith("store EAST")).length).toBeGreaterThan(0);
  });
});

describe("an order by number through the index", () => {
  it("reads a page of more than 100 orders of another store (one bound parameter for their ids)", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const customerId = await newCustomer(admin.token, "Regular");
    // 120 sold orders at EAST, written straight into its database, then indexed as `npm run orders:reindex` does.
    const base = EAST * 2 ** 32;
    const insert = storeDb(EAST).prepare(
      `INSERT INTO orders (id, order_number, customer_id, user_id, status, subtotal, tax, discount, total, paid_amount, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, 'completed', 500, 0, 0, 500, 500, ?5, ?5)`,
    );
    const rows = Array.from({ length: 120 }, (_, i) =>
      insert.bind(
        base + 10_000 + i,
        `ORD-EAST-20261101-PAGE${String(i).padStart(4, "0")}`,
        customerId,
        cashier.id,
        new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      ),
    );
    await storeDb(EAST).batch(rows);
    await reindexStoreOrders(env.DB, { id: EAST, d1: storeDb(EAST) }, { now: () => new Date() });
    const page = await customerOrders(admin, MAIN, customerId, "?limit=200");
    expect(page.total).toBe(120);
    expect(page.data).toHaveLength(120);
    expect(new Set(ids(page)).size).toBe(120);
    expect(page.data[0]?.order_number).toBe("ORD-EAST-20261101-PAGE0119");
  });

  it("finds an order numbered before stores at its store, for whoever may read it there", async ({ expect }) => {
    const { admin } = await accounts();
    // Works EAST (home) and the till at MAIN; a manager of EAST who is a cashier at MAIN; EAST only.
    const eastTill = await userAtStores(admin.token, "legacytill", {
      role: "cashier",
      homeStoreId: EAST,
      storeRoles: [{ store_id: MAIN, role: "cashier" }],
    });
    const eastManager = await userAtStores(admin.token, "legacyboss", {
      role: "manager",
      homeStoreId: EAST,
      storeRoles: [{ store_id: MAIN, role: "cashier" }],
    });
    const eastOnly = await userAtStores(admin.token, "legacyeast", { role: "manager", homeStoreId: EAST });
    const sold = await sellAt(eastTill, MAIN, null);
    await settleStoreEvents();
    // The number it would have had before stores, and no index row: as `npm run orders:reindex` finds it.
    const legacy = `ORD-20250101-${sold.order_number.slice(-8)}`;
    await storeDb(MAIN).prepare("UPDATE orders SET order_number = ?2 WHERE id = ?1").bind(sold.id, legacy).run();
    await env.DB.prepare("DELETE FROM order_index WHERE order_id = ?1").bind(sold.id).run();
    const byNumber = (who: Account, headers: Record<string, string> = {}) =>
      call("GET", `/api/v1/orders/number/${legacy}`, { token: who.token, headers });

    // Acting at EAST (home, or named): not there, and not yet indexed.
    expect((await byNumber(eastTill)).status).toBe(404);
    await reindexStoreOrders(env.DB, { id: MAIN, d1: storeDb(MAIN) }, { now: () => new Date() });

    const found = await expectJson<Order>(byNumber(eastTill), 200);
    expect(found).toMatchObject({ id: sold.id, order_number: legacy, order_items: sold.order_items });
    expect((await expectJson<Order>(byNumber(admin, atStore(EAST)), 200)).id).toBe(sold.id);
    // At MAIN itself it is read directly, as before.
    expect((await expectJson<Order>(byNumber(admin, atStore(MAIN)), 200)).id).toBe(sold.id);
    // A cashier at MAIN who did not ring it up, and a user with no role at MAIN: as if it did not exist.
    expect((await byNumber(eastManager)).status).toBe(404);
    expect((await byNumber(eastOnly)).status).toBe(404);
    // An unknown legacy number.
    expect((await call("GET", "/api/v1/orders/number/ORD-20250101-00000000", { token: admin.token })).status).toBe(404);
  });
});
