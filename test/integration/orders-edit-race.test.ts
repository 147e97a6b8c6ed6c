/**
 * Editing an order while something else writes it: the edit decides from a
 * read and writes back every field it did not change as it read it, so its
 * batch carries a guard that refuses it when the row moved meanwhile. A
 * refused edit is run once more from a fresh read; refused again, it is a 409
 * that wrote nothing. Never a lost update.
 */
import { describe, it } from "vitest";
import { d1Faults } from "../../src/lib/d1-guard";
import { updateOrder } from "../../src/services/orders-edit";
import { type Account, accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { storeOver } from "../helpers/scripted-d1";
import { bookStock } from "../helpers/stock";
import { storeDb } from "../helpers/stores";

interface Order {
  id: number;
  status: string;
  tax: number;
  discount: number;
  total: number;
  notes: string | null;
}

const newOrder = (token: string, productId: number, notes = "as sold") =>
  expectJson<Order>(
    call("POST", "/api/v1/orders", {
      token,
      body: { notes, order_items: [{ product_id: productId, quantity: 1 }] },
    }),
    201,
  );

const edit = (token: string, id: number, body: Record<string, unknown>) =>
  call("PUT", `/api/v1/orders/${id}`, { token, body });

const row = (id: number) =>
  storeDb().prepare("SELECT * FROM orders WHERE id = ?1").bind(id).first<Record<string, unknown>>();

/** The statement of an edit's batch that writes the order's fields. */
const EDIT_WRITE = "UPDATE orders SET customer_id";

/**
 * Store 1's database (where orders are), except that `hook` runs just
 * before each batch that writes an edit, up to `times` times.
 */
function interposingD1(hook: (n: number) => Promise<void>, times: number) {
  let fired = 0;
  const d1 = new Proxy(storeDb(), {
    get(target, key) {
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const sql = statements.map((s) => (s as unknown as { statement?: unknown }).statement);
          if (sql.some((text) => typeof text !== "string")) throw new Error("cannot read the batch's SQL");
          if (fired < times && sql.some((text) => (text as string).includes(EDIT_WRITE))) {
            fired += 1;
            await hook(fired);
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1, fired: () => fired };
}

// sessionId: the sign-in a request belongs to, for AuthUser with or without it.
const asManager = (account: Account) => ({
  id: account.id,
  username: account.username,
  role: "manager" as const,
  sessionId: "orders-edit-race",
});

describe("editing an order while it changes", () => {
  it("keeps both changes of a tax edit and a notes edit sent at once", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    for (let round = 1; round <= 10; round++) {
      const order = await newOrder(manager.token, product.id);
      const tax = round + 0.5;
      const notes = `round ${round}`;
      const [taxed, noted] = await Promise.all([
        edit(manager.token, order.id, { tax }),
        edit(manager.token, order.id, { notes }),
      ]);
      const after = await expectJson<Order>(call("GET", `/api/v1/orders/${order.id}`, { token: manager.token }), 200);
      for (const answer of [taxed, noted]) {
        expect([200, 409], `round ${round}`).toContain(answer.status);
        if (answer.status === 409) expect(await answer.json()).toMatchObject({ code: "CONFLICT" });
      }
      // A 200 is in the final state; a refused edit wrote nothing.
      expect(after.tax, `round ${round}: tax`).toBe(taxed.status === 200 ? tax : 0);
      expect(after.total, `round ${round}: total`).toBe(taxed.status === 200 ? 10 + tax : 10);
      expect(after.notes, `round ${round}: notes`).toBe(noted.status === 200 ? notes : "as sold");
    }
  });

  it("runs an edit again from a fresh read when another edit lands between its read and its write", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    const order = await newOrder(manager.token, product.id);
    const { d1, fired } = interposingD1(async () => {
      await expectJson(edit(manager.token, order.id, { tax: 2.5 }), 200);
    }, 1);
    const deps = await testContext({ store: await storeOver(d1) });
    const view = await updateOrder(deps, asManager(manager), order.id, { notes: "only notes" });
    expect(fired()).toBe(1);
    expect(view).toMatchObject({ tax: 2.5, total: 12.5, notes: "only notes", status: "pending" });
    expect(await row(order.id)).toMatchObject({ tax: 250, total: 1250, notes: "only notes" });
  });

  it("answers 409 and writes nothing when the order changes again before the second try", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    const order = await newOrder(manager.token, product.id);
    const { d1, fired } = interposingD1(async (n) => {
      await expectJson(edit(manager.token, order.id, { tax: n, notes: `other ${n}` }), 200);
    }, 2);
    const deps = await testContext({ store: await storeOver(d1) });
    const attempt = updateOrder(deps, asManager(manager), order.id, { discount: 1, notes: "mine" });
    await expect(attempt).rejects.toMatchObject({
      code: "CONFLICT",
      detail: "The order changed while it was being edited; reload it and send the edit again",
    });
    expect(fired()).toBe(2);
    const before = await row(order.id);
    // Exactly what the other edits left: tax 2, their notes, no discount.
    expect(before).toMatchObject({ tax: 200, discount: 0, total: 1200, notes: "other 2", status: "pending" });

    // Through the API the refusal is a 409 CONFLICT with that detail, never a 500
    // (faults stand in for the moving row: both tries' batches are refused before running).
    const refusal = {
      when: "before",
      message: "D1_ERROR: invalid order status transition: SQLITE_CONSTRAINT",
    } as const;
    const guarded = (sql: string[]) => sql.some((text) => text.includes(EDIT_WRITE));
    const faults = [
      d1Faults.failNextBatch({ ...refusal, match: guarded }),
      d1Faults.failNextBatch({ ...refusal, match: guarded }),
    ];
    const answer = await edit(manager.token, order.id, { tax: 9 });
    expect(faults.map((fault) => fault.fired)).toEqual([true, true]);
    expect(answer.status).toBe(409);
    expect(await answer.json()).toMatchObject({
      code: "CONFLICT",
      detail: "The order changed while it was being edited; reload it and send the edit again",
    });
    expect(await row(order.id)).toEqual(before);
  });

  it("re-checks on the second try: a payment landing meanwhile that the new total would undercut is refused", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    const order = await newOrder(manager.token, product.id);
    const { d1, fired } = interposingD1(async () => {
      await expectJson(
        call("POST", "/api/v1/payments", {
          token: manager.token,
          body: { order_id: order.id, payment_method: "credit_card", amount: 9 },
        }),
        201,
      );
    }, 1);
    const deps = await testContext({ store: await storeOver(d1) });
    await expect(updateOrder(deps, asManager(manager), order.id, { discount: 200 })).rejects.toMatchObject({
      code: "CONFLICT",
      // Decided by the second try's read: the payment is named.
      detail: "The new total would be below the 9 already paid",
    });
    expect(fired()).toBe(1);
    expect(await row(order.id)).toMatchObject({ discount: 0, total: 1000, paid_amount: 900, status: "pending" });
  });

  it("answers a second PUT cancel with the 409 POST cancel gives, and restocks once", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 5 });
    const order = await newOrder(manager.token, product.id);
    const other = await newOrder(manager.token, product.id);
    expect(await bookStock(product.id)).toBe(3);

    const first = await expectJson<Order>(edit(manager.token, order.id, { status: "cancelled" }), 200);
    expect(first.status).toBe("cancelled");
    const second = await edit(manager.token, order.id, { status: "cancelled" });
    expect(second.status).toBe(409);
    const secondBody = await second.json();

    await expectJson(call("POST", `/api/v1/orders/${other.id}/cancel`, { token: manager.token }), 200);
    const viaPost = await call("POST", `/api/v1/orders/${other.id}/cancel`, { token: manager.token });
    expect(viaPost.status).toBe(409);
    const postBody = (await viaPost.json()) as Record<string, unknown>;
    expect(postBody).toMatchObject({ code: "INVALID_STATE", status: "cancelled" });
    expect(secondBody).toMatchObject({ code: postBody.code, detail: postBody.detail, status: postBody.status });
    expect(await bookStock(product.id)).toBe(5);
  });
});
