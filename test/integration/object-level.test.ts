/**
 * Object-level access: a cashier works on the orders they rang up. Another
 * cashier's order, its payments and its documents look exactly like ones that
 * do not exist (same status, same body), so walking the ids reveals nothing
 * and changes nothing.
 */
import { describe, it } from "vitest";
import { idBase } from "../../src/db/stores";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { MAIN_STORE, storeDb } from "../helpers/stores";

interface Order {
  id: number;
  order_number: string;
  total: number;
  notes: string | null;
}

/** The error body without its per-request id, to compare "not yours" with "not there". */
async function errorShape(res: Response) {
  const { request_id: _id, ...rest } = (await res.json()) as Record<string, unknown>;
  return { status: res.status, ...rest };
}

// Orders and payments live in the store's database.
const tableState = async () => {
  const store = storeDb();
  return JSON.stringify(
    await store
      .batch([
        store.prepare(
          "SELECT id, status, paid_amount, notes, customer_id, tax, discount, total FROM orders ORDER BY id",
        ),
        store.prepare("SELECT id, status, amount, reference_number, notes FROM payments ORDER BY id"),
      ])
      .then((rs) => rs.map((r) => r.results)),
  );
};

describe("a cashier and another cashier's orders", () => {
  it("finds, pays, edits and prints only their own; the rest is indistinguishable from absent", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const other = await createAccount(admin.token, "cashier2", "cashier");
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    const sell = (account: Account) =>
      expectJson<Order>(
        call("POST", "/api/v1/orders", {
          token: account.token,
          body: { order_items: [{ product_id: product.id, quantity: 1 }] },
        }),
        201,
      );
    const theirs = await sell(cashier);
    const theirPayment = await expectJson<{ id: number }>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: theirs.id, payment_method: "credit_card", amount: 4, status: "pending" },
      }),
      201,
    );
    const mine = await sell(other);
    const managers = await sell(manager);
    const before = await tableState();

    const missingOrder = 9_999_999;
    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/v1/orders/${theirs.id}`],
      ["GET", `/api/v1/orders/number/${theirs.order_number}`],
      ["PUT", `/api/v1/orders/${theirs.id}`, { notes: "mine now" }],
      ["POST", "/api/v1/payments", { order_id: theirs.id, payment_method: "cash", amount: 10 }],
      ["GET", `/api/v1/payments/order/${theirs.id}/status`],
      ["GET", `/api/v1/payments/${theirPayment.id}`],
      ["PUT", `/api/v1/payments/${theirPayment.id}`, { status: "completed" }],
      ["GET", `/api/v1/orders/${theirs.id}/invoice`],
      ["GET", `/api/v1/orders/${theirs.id}/receipt`],
    ];
    const ids = new Set([String(theirs.id), String(theirPayment.id)]);
    const absent = (path: string) =>
      path
        .split("/")
        .map((segment, i) =>
          i > 3 && ids.has(segment) ? String(missingOrder) : segment === theirs.order_number ? "ORD-0-NOPE" : segment,
        )
        .join("/");

    const absentBody = (body: unknown) =>
      body && typeof body === "object" && "order_id" in body ? { ...body, order_id: missingOrder } : body;

    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { token: other.token, body });
      const ghost = await call(method, absent(path), { token: other.token, body: absentBody(body) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorShape(res), `${method} ${path}`).toEqual(await errorShape(ghost));
    }
    expect(await tableState(), "a refused attempt changed an order or payment").toBe(before);

    // The owner and a manager still reach everything the other cashier could not.
    for (const account of [cashier, manager]) {
      await expectJson(call("GET", `/api/v1/orders/${theirs.id}`, { token: account.token }), 200);
      await expectJson(call("GET", `/api/v1/payments/${theirPayment.id}`, { token: account.token }), 200);
      await expectJson(call("GET", `/api/v1/payments/order/${theirs.id}/status`, { token: account.token }), 200);
    }

    // Lists are scoped the same way, whatever filter is asked for.
    const orderList = await expectJson<{ data: Order[] }>(
      call("GET", `/api/v1/orders?user_id=${cashier.id}`, { token: other.token }),
      200,
    );
    expect(orderList.data).toEqual([]);
    const paymentList = await expectJson<{ data: unknown[] }>(
      call("GET", `/api/v1/payments?order_id=${theirs.id}`, { token: other.token }),
      200,
    );
    expect(paymentList.data).toEqual([]);

    // Walking every id of the store's range (and the first ids of no store and of
    // another store): exactly the cashier's own order answers.
    const first = idBase(MAIN_STORE.id) + 1;
    const maxId = Math.max(theirs.id, mine.id, managers.id) + 3;
    const walked = [1, 2, 3, idBase(2) + 1, idBase(2) + 2];
    for (let id = first; id <= maxId; id++) walked.push(id);
    const found: number[] = [];
    for (const id of walked) {
      const res = await call("GET", `/api/v1/orders/${id}`, { token: other.token });
      if (res.status === 200) found.push(id);
      else expect(res.status).toBe(404);
    }
    expect(found).toEqual([mine.id]);

    // The owner can still take the money the other cashier was refused.
    const paid = await expectJson<{ order_status: string }>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: theirs.id, payment_method: "cash", amount: 10 },
      }),
      201,
    );
    expect(paid.order_status).toBe("completed");
  });
});

describe("users are not enumerable by staff without users:read", () => {
  it("answers the same to another user's id and to an id that does not exist", async ({ expect }) => {
    const { admin, cashier, inventory_officer: officer } = await accounts();
    for (const account of [cashier, officer]) {
      const real = await call("GET", `/api/v1/users/${admin.id}`, { token: account.token });
      const ghost = await call("GET", "/api/v1/users/9999999", { token: account.token });
      expect(real.status).toBe(403);
      expect(await errorShape(real)).toEqual(await errorShape(ghost));
      await expectJson(call("GET", `/api/v1/users/${account.id}`, { token: account.token }), 200);
    }
  });
});
