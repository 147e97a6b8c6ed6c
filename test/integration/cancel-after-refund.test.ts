/**
 * Cancelling a pending order that was part-paid and refunded: only the units
 * still out (quantity − refunded_quantity) come back, decided inside the
 * cancel's batch, and the stock object is credited with what that batch wrote.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, type ExpectStatic, it } from "vitest";
import { cancelOrder } from "../../src/services/orders-cancel";
import { stockObjectName } from "../../src/stock/client";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { bookStock, gate, logSum } from "../helpers/stock";
import { MAIN_STORE, storeDb } from "../helpers/stores";

interface OrderOut {
  id: number;
  status: string;
  order_items: { id: number; product_id: number; quantity: number; refunded_quantity: number }[];
}

async function partPaidOrder(cashierToken: string, lines: { product_id: number; quantity: number }[]) {
  const order = await expectJson<OrderOut>(
    call("POST", "/api/v1/orders", { token: cashierToken, body: { order_items: lines } }),
    201,
  );
  const payment = await expectJson<{ id: number }>(
    call("POST", "/api/v1/payments", {
      token: cashierToken,
      body: { order_id: order.id, payment_method: "credit_card", amount: 30 },
    }),
    201,
  );
  return { order, payment };
}

const refund = (
  token: string,
  paymentId: number,
  items: { order_item_id: number; quantity: number; restock: boolean }[],
) => call("POST", `/api/v1/payments/${paymentId}/refund`, { token, body: { reason: "returned", items } });

const cancel = (token: string, orderId: number) => call("POST", `/api/v1/orders/${orderId}/cancel`, { token });

/** Another till takes 30.00 by card, then a manager refunds `quantity` of the item as damaged (no restock). */
async function payThenRefundDamaged(
  cashier: string,
  manager: string,
  orderId: number,
  itemId: number,
  quantity: number,
) {
  const payment = await expectJson<{ id: number }>(
    call("POST", "/api/v1/payments", {
      token: cashier,
      body: { order_id: orderId, payment_method: "credit_card", amount: 30 },
    }),
    201,
  );
  await expectJson(refund(manager, payment.id, [{ order_item_id: itemId, quantity, restock: false }]), 201);
}

/** Book = Σ log changes (the first being the start) = the object's count (once nothing is held), and never above start. */
async function expectStockInStep(expect: ExpectStatic, productId: number, start: number) {
  await expect.poll(async () => (await gate().view(productId)).open_entries).toBe(0);
  const book = await bookStock(productId);
  // Creating the product logged its starting stock, so the log alone sums to the book.
  expect(book).toBe(await logSum(productId));
  expect((await gate().view(productId)).available).toBe(book);
  expect(book).toBeLessThanOrEqual(start);
  return book;
}

describe("cancel after refunds", () => {
  it("does not restock units a restocking refund already put back", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const { order, payment } = await partPaidOrder(cashier.token, [{ product_id: product.id, quantity: 10 }]);
    const item = order.order_items[0];
    if (!item) throw new Error("no item");
    expect(await bookStock(product.id)).toBe(0);

    await expectJson(refund(manager.token, payment.id, [{ order_item_id: item.id, quantity: 10, restock: true }]), 201);
    expect(await bookStock(product.id)).toBe(10);

    const cancelled = await expectJson<OrderOut>(cancel(manager.token, order.id), 200);
    expect(cancelled.status).toBe("cancelled");
    expect(await expectStockInStep(expect, product.id, 10)).toBe(10);
    const returns = await storeDb()
      .prepare(
        "SELECT notes, quantity_change FROM inventory_logs WHERE product_id = ?1 AND action = 'return' ORDER BY id",
      )
      .bind(product.id)
      .all();
    expect(returns.results).toEqual([{ notes: "Refund: returned", quantity_change: 10 }]);
  });

  it("never puts units refunded without restock (damaged) back on sale", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const { order, payment } = await partPaidOrder(cashier.token, [{ product_id: product.id, quantity: 10 }]);
    const item = order.order_items[0];
    if (!item) throw new Error("no item");

    await expectJson(refund(manager.token, payment.id, [{ order_item_id: item.id, quantity: 4, restock: false }]), 201);
    expect(await bookStock(product.id)).toBe(0);

    await expectJson(cancel(manager.token, order.id), 200);
    // The 6 never refunded come back; the 4 damaged ones stay off the shelf.
    expect(await expectStockInStep(expect, product.id, 10)).toBe(6);
  });

  it("decides the quantity inside the batch: a payment and refund landing after the cancel's read still count", async ({
    expect,
  }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const order = await expectJson<OrderOut>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 10 }] },
      }),
      201,
    );
    const item = order.order_items[0];
    if (!item) throw new Error("no item");
    // Batch 2 is the cancel's write in the store's database (batch 1 reads the order).
    const { d1, reached: interposed } = scriptedD1({
      at: 2,
      before: () => payThenRefundDamaged(cashier.token, manager.token, order.id, item.id, 10),
    });
    const deps = await testContext({ store: await storeOver(d1) });
    const actor = { id: manager.id, username: manager.username, role: "manager" as const };
    const view = await cancelOrder(deps, actor, order.id);
    expect(interposed()).toBe(true);
    expect(view.status).toBe("cancelled");
    expect(await expectStockInStep(expect, product.id, 10)).toBe(0);
  });

  it("has the alarm credit what the batch wrote when the cancel's outcome is unknown", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 10 });
    const order = await expectJson<OrderOut>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 10 }] },
      }),
      201,
    );
    const item = order.order_items[0];
    if (!item) throw new Error("no item");
    // The cancel reads 10 out and announces them; before its batch 4 are
    // refunded as damaged; the batch lands (6 back) and the connection drops.
    // Batch 2 is the cancel's write in the store's database (batch 1 reads the order).
    const { d1, reached: interposed } = scriptedD1({
      at: 2,
      before: () => payThenRefundDamaged(cashier.token, manager.token, order.id, item.id, 4),
      lose: "everything",
    });
    const deps = await testContext({ store: await storeOver(d1) });
    const actor = { id: manager.id, username: manager.username, role: "manager" as const };
    await expect(cancelOrder(deps, actor, order.id)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(interposed()).toBe(true);
    expect(await bookStock(product.id)).toBe(6);
    expect(await gate().view(product.id)).toMatchObject({ available: 0, open_entries: 1, held_give: 10 });

    // The hold expires; the alarm finds the cancel's log row and credits its 6, not the 10 announced.
    const stub = env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, product.id)));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await expectStockInStep(expect, product.id, 10)).toBe(6);
  });

  it("answers 503, not 500, when its batch landed but reading back what it wrote fails", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10 });
    const order = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 3 }] },
      }),
      201,
    );
    // The write batch lands and its answer is lost; the probe (first) still answers, the read-back (all) does not.
    const { d1, reached } = scriptedD1({ at: 2, lose: "read-back" });
    const actor = { id: manager.id, username: manager.username, role: "manager" as const };
    await expect(cancelOrder(await testContext({ store: await storeOver(d1) }), actor, order.id)).rejects.toMatchObject(
      {
        code: "SERVICE_UNAVAILABLE",
      },
    );
    expect(reached()).toBe(true);
    // The cancel did land: the book has the units back, and the hold waits for the alarm.
    expect(await bookStock(product.id)).toBe(10);
    const object = env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, product.id)));
    await runInDurableObject(object, (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    await runDurableObjectAlarm(object);
    await expectStockInStep(expect, product.id, 10);
  });

  it("keeps book, log and object in step when a refund and a cancel race", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const products = [
      await createProduct(admin.token, { price: 10, stock_quantity: 100 }),
      await createProduct(admin.token, { price: 5, stock_quantity: 100 }),
    ];
    const outcomes: string[] = [];
    const expected = new Map(products.map((p) => [p.id, 100]));
    for (let round = 0; round < 8; round++) {
      const { order, payment } = await partPaidOrder(
        cashier.token,
        products.map((p) => ({ product_id: p.id, quantity: 5 })),
      );
      const restock = round % 2 === 0;
      const items = order.order_items.map((item, i) => ({
        order_item_id: item.id,
        quantity: i === 0 ? 5 : 2,
        restock,
      }));
      // The cancel starts a little later each round, so it lands before, during and after the refund.
      const [refunded, cancelled] = await Promise.all([
        refund(manager.token, payment.id, items),
        new Promise((resolve) => setTimeout(resolve, round * 4)).then(() => cancel(manager.token, order.id)),
      ]);
      expect(refunded.status, `round ${round}`).toBe(201);
      expect([200, 409], `round ${round}`).toContain(cancelled.status);
      outcomes.push(`${refunded.status}/${cancelled.status}`);
      for (const [i, item] of order.order_items.entries()) {
        const refundedQty = items[i]?.quantity ?? 0;
        const back = (restock ? refundedQty : 0) + (cancelled.status === 200 ? item.quantity - refundedQty : 0);
        expected.set(item.product_id, (expected.get(item.product_id) ?? 0) - item.quantity + back);
      }
      for (const product of products) {
        expect(await expectStockInStep(expect, product.id, 100), `round ${round}`).toBe(expected.get(product.id));
      }
    }
    // At least one round had the cancel succeed after the refund.
    expect(outcomes).toContain("201/200");
  });
});
