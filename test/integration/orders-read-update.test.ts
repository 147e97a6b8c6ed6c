import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";

interface Order {
  id: number;
  order_number: string;
  status: string;
  total: number;
  tax: number;
  discount: number;
  customer_id: number | null;
  user_id: number;
  notes: string | null;
  customer: { id: number } | null;
  cashier: { username: string } | null;
  payments_summary: { remaining_amount: number };
}

describe("reading and editing orders", () => {
  it("reads by id, number and customer, lists with filters, and hides other cashiers' orders", async ({ expect }) => {
    const { admin, cashier, manager, inventory_officer: officer } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 100 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Reg", last_name: "Ular" } }),
      201,
    );
    const mine = await expectJson<Order>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    const managers = await expectJson<Order>(
      call("POST", "/api/v1/orders", {
        token: manager.token,
        body: { order_items: [{ product_id: product.id, quantity: 2 }] },
      }),
      201,
    );

    const full = await expectJson<Order>(call("GET", `/api/v1/orders/${mine.id}`, { token: manager.token }), 200);
    expect(full).toMatchObject({
      customer: { id: customer.id },
      cashier: { username: cashier.username },
      payments_summary: { remaining_amount: 10 },
    });
    expect(
      (
        await expectJson<Order>(
          call("GET", `/api/v1/orders/number/${mine.order_number}`, { token: cashier.token }),
          200,
        )
      ).id,
    ).toBe(mine.id);
    const byCustomer = await expectJson<{ total: number; data: Order[] }>(
      call("GET", `/api/v1/orders/customer/${customer.id}`, { token: manager.token }),
      200,
    );
    expect(byCustomer.data.map((o) => o.id)).toEqual([mine.id]);
    expect((await call("GET", "/api/v1/orders/customer/999999", { token: manager.token })).status).toBe(404);

    // A cashier sees only the orders they rang up; others look absent.
    expect((await call("GET", `/api/v1/orders/${managers.id}`, { token: cashier.token })).status).toBe(404);
    const cashierList = await expectJson<{ data: Order[] }>(
      call("GET", "/api/v1/orders", { token: cashier.token }),
      200,
    );
    expect(cashierList.data.map((o) => o.id)).toEqual([mine.id]);
    expect((await call("GET", "/api/v1/orders", { token: officer.token })).status).toBe(403);

    const today = new Date().toISOString().slice(0, 10);
    const all = await expectJson<{ total: number }>(
      call("GET", `/api/v1/orders?status=pending&start_date=${today}&end_date=${today}`, { token: manager.token }),
      200,
    );
    expect(all.total).toBe(2);
    const none = await expectJson<{ total: number }>(
      call("GET", "/api/v1/orders?end_date=2000-01-01", { token: manager.token }),
      200,
    );
    expect(none.total).toBe(0);
    for (const q of ["status=shipped", "start_date=2026-13-01", "start_date=yesterday", "limit=0"]) {
      expect((await call("GET", `/api/v1/orders?${q}`, { token: manager.token })).status, q).toBe(422);
    }
  });

  it("edits a pending order's fields, recomputes totals, and guards the state machine", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const product = await createProduct(admin.token, { price: 20, stock_quantity: 100 });
    const created = await expectJson<Order>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 2 }] },
      }),
      201,
    );
    const edited = await expectJson<Order>(
      call("PUT", `/api/v1/orders/${created.id}`, {
        token: cashier.token,
        body: { tax: 4, discount: 3, notes: "gift wrap" },
      }),
      200,
    );
    expect(edited).toMatchObject({ tax: 4, discount: 3, total: 41, notes: "gift wrap" });
    expect(
      (await call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: { discount: 40.01 } })).status,
    ).toBe(422);
    expect(
      (await call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: { status: "completed" } }))
        .status,
    ).toBe(409);
    expect(
      (await call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: { status: "refunded" } }))
        .status,
    ).toBe(409);
    expect(
      (await call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: { status: "cancelled" } }))
        .status,
    ).toBe(403);
    expect(
      (await call("PUT", `/api/v1/orders/${created.id}`, { token: cashier.token, body: { customer_id: 424242 } }))
        .status,
    ).toBe(422);

    const cancelled = await expectJson<Order>(
      call("PUT", `/api/v1/orders/${created.id}`, { token: manager.token, body: { status: "cancelled" } }),
      200,
    );
    expect(cancelled.status).toBe("cancelled");
    const late = await call("PUT", `/api/v1/orders/${created.id}`, {
      token: manager.token,
      body: { notes: "too late" },
    });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "INVALID_STATE", status: "cancelled" });
  });
});
