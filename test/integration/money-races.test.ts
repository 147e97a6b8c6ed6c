/**
 * Money decided from a read before the batch must not survive a change that
 * lands between that read and the batch (found by sequences-property.test.ts
 * racing requests). Each test makes the interleaving certain: a D1 handle
 * that, just before the service's write batch, lets another request through
 * the real API first.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { AuthUser } from "../../src/lib/auth/current-user";
import { createPayment } from "../../src/services/payments";
import { refundPayment } from "../../src/services/refunds";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { settleStoreEvents } from "../helpers/outbox";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { gate } from "../helpers/stock";
import { storeDb } from "../helpers/stores";

const orderRow = (id: number) =>
  storeDb().prepare("SELECT status, total, paid_amount FROM orders WHERE id = ?1").bind(id).first();

describe("money decided from a stale read", () => {
  it("refuses cash change worked out from a balance an edit moved meanwhile, then takes it right", async ({
    expect,
  }) => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 2.5 });
    const order = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    const actor: AuthUser = { id: cashier.id, username: cashier.username, role: "cashier" };
    // 4.50 in cash against 2.50 owed, while a manager adds 1.00 tax to the order.
    // Its only batch is the write (the order is read with a single query).
    const { d1 } = scriptedD1({
      at: 1,
      before: () =>
        expectJson(call("PUT", `/api/v1/orders/${order.id}`, { token: manager.token, body: { tax: 1 } }), 200),
    });
    await expect(
      createPayment(
        await testContext({ store: await storeOver(d1) }),
        actor,
        { order_id: order.id, payment_method: "cash", amount: 450, amount_tendered: 450 },
        null,
      ),
    ).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
    // Nothing taken, no change handed out: the order owes 3.50 and is still open.
    expect(await orderRow(order.id)).toEqual({ status: "pending", total: 350, paid_amount: 0 });
    expect(
      await storeDb().prepare("SELECT COUNT(*) AS n FROM payments WHERE order_id = ?1").bind(order.id).first(),
    ).toEqual({ n: 0 });

    // Sent again, the same cash settles the new balance with the right change.
    const paid = await expectJson<{ amount: number; change_due: number; order_status: string }>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "cash", amount: 4.5, amount_tendered: 4.5 },
      }),
      201,
    );
    expect(paid).toMatchObject({ amount: 3.5, change_due: 1, order_status: "completed" });
  });

  it("refuses a refund planned on a pending order that a payment completed meanwhile, then reverses spend and points", async ({
    expect,
  }) => {
    const { admin, manager, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 100 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Rae", last_name: "Race" } }),
      201,
    );
    const order = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    const deposit = await expectJson<{ id: number }>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "credit_card", amount: 10 },
      }),
      201,
    );
    const customerRow = () =>
      env.DB.prepare("SELECT loyalty_points, total_spent FROM customers WHERE id = ?1").bind(customer.id).first();

    // A 10.00 refund of the deposit is planned while the order is pending; the rest is paid before it lands.
    const actor: AuthUser = { id: manager.id, username: manager.username, role: "manager" };
    // Batch 1 reads the order (as pending), batch 2 is the refund's write.
    const { d1 } = scriptedD1({
      at: 2,
      before: () =>
        expectJson(
          call("POST", "/api/v1/payments", {
            token: cashier.token,
            body: { order_id: order.id, payment_method: "credit_card", amount: 90 },
          }),
          201,
        ),
    });
    await expect(
      refundPayment(
        await testContext({ store: await storeOver(d1), stock: gate() }),
        actor,
        { payment_id: deposit.id, reason: "race" },
        null,
      ),
    ).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
    // The completion's effects stand untouched (once its outbox event is applied), and nothing was refunded.
    expect(await orderRow(order.id)).toEqual({ status: "completed", total: 10_000, paid_amount: 10_000 });
    await settleStoreEvents();
    expect(await customerRow()).toEqual({ loyalty_points: 100, total_spent: 10_000 });
    expect(await storeDb().prepare("SELECT COUNT(*) AS n FROM refunds").first()).toEqual({ n: 0 });

    // Sent again, the refund is judged on the completed order: spend and points come back.
    await expectJson(
      call("POST", `/api/v1/payments/${deposit.id}/refund`, { token: manager.token, body: { reason: "again" } }),
      201,
    );
    await settleStoreEvents();
    expect(await customerRow()).toEqual({ loyalty_points: 90, total_spent: 9_000 });
  });
});
