/**
 * Payments and refunds put their tender on a shift in their own batch
 * (services/payments.ts, services/refunds.ts, db/cash-events.ts): which shift,
 * late tenders, the store's requires_shift mode, the named ids checked against
 * the store, and the clients that know nothing of shifts.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct, storeStock } from "../helpers/catalog";
import { type Order, pay, sale } from "../helpers/money";
import { closeShift, createDrawer, getShift, openShift, setCashSettings } from "../helpers/shifts";
import { SECOND_STORE } from "../helpers/stores";

interface Tendered {
  id: number;
  status: string;
  amount: number;
  change_due: number;
  shift_id: number | null;
  late_of_shift_id: number | null;
}

interface RefundOut extends Omit<Tendered, "change_due"> {
  payment_id: number;
  refundable_amount: number;
}

const main = () => env.STORE_MAIN;

let cashiers = 0;
/** A fresh cashier (one open shift per cashier: each test opens its own). */
const newCashier = async (): Promise<Account> =>
  createAccount((await accounts()).admin.token, `tender${++cashiers}`, "cashier");

let managers = 0;
const newManager = async (): Promise<Account> =>
  createAccount((await accounts()).admin.token, `tendermgr${++managers}`, "manager");

/** A pending order of `total` (a product at that price), rung up by `token`. */
async function orderOf(token: string, total: number): Promise<Order> {
  const { admin } = await accounts();
  const product = await createProduct(admin.token, { price: total, stock_quantity: 50 });
  return sale(token, [{ product_id: product.id, quantity: 1 }]);
}

const payOk = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  expectJson<Tendered>(pay(token, body, headers), 201);

const refund = (
  token: string,
  paymentId: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) => call("POST", `/api/v1/payments/${paymentId}/refund`, { token, body, headers });

/** Rows that a refused request must not have written, per table. */
async function counts() {
  const row = await main()
    .prepare(
      `SELECT (SELECT COUNT(*) FROM payments) AS payments, (SELECT COUNT(*) FROM refunds) AS refunds,
              (SELECT COUNT(*) FROM cash_events) AS events, (SELECT COUNT(*) FROM idempotency_keys) AS keys,
              (SELECT COUNT(*) FROM inventory_logs) AS logs`,
    )
    .first();
  return row;
}

/** The tender event of a payment or refund, as the store holds it. */
const eventOf = (column: "payment_id" | "refund_id", id: number) =>
  main()
    .prepare(
      `SELECT shift_id, drawer_id, kind, payment_method, amount, tendered, change_given, cash_delta, payment_id,
              refund_id, user_id, late_of_shift_id FROM cash_events WHERE ${column} = ?1`,
    )
    .bind(id)
    .all()
    .then((r) => r.results);

/** Expected cash of a shift as the ledger says now, in cents (independent of the API's figure). */
const ledgerCash = async (shiftId: number) =>
  (
    await main()
      .prepare(
        `SELECT s.opening_float + COALESCE((SELECT SUM(cash_delta) FROM cash_events
                WHERE shift_id = s.id AND approval = 'approved'), 0) AS cash FROM shifts s WHERE s.id = ?1`,
      )
      .bind(shiftId)
      .first<{ cash: number }>()
  )?.cash;

describe("an existing client that never opens a shift", () => {
  it("sells, pays in cash with change, splits to card, refunds and cancels with the same bodies and answers", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const cashier = await newCashier();
    const before = await counts();
    const product = await createProduct(admin.token, { price: 30, stock_quantity: 10 });
    const order = await sale(cashier.token, [{ product_id: product.id, quantity: 2 }], { tax: 0, discount: 0 });
    expect(order.total).toBe(60);

    const cash = await expectJson<Record<string, unknown>>(
      pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 50, amount_tendered: 100 }),
      201,
    );
    expect(cash).toMatchObject({
      order_id: order.id,
      payment_method: "cash",
      status: "completed",
      amount: 50,
      amount_tendered: 100,
      change_due: 50,
      refunded_amount: 0,
      refundable_amount: 50,
      order_status: "pending",
      remaining_amount: 10,
      shift_id: null,
      late_of_shift_id: null,
    });
    // Every field the client knew is still there; the two shift fields are the only new ones.
    expect(Object.keys(cash).sort()).toEqual(
      [
        "id",
        "order_id",
        "payment_method",
        "status",
        "amount",
        "amount_tendered",
        "change_due",
        "refunded_amount",
        "refundable_amount",
        "transaction_id",
        "reference_number",
        "notes",
        "user_id",
        "created_at",
        "updated_at",
        "order_status",
        "remaining_amount",
        "shift_id",
        "late_of_shift_id",
      ].sort(),
    );

    const card = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "credit_card",
      amount: 10,
      transaction_id: `TXN-legacy-${order.id}`,
    });
    expect(card).toMatchObject({ amount: 10, status: "completed", shift_id: null });
    expect(
      await expectJson(call("GET", `/api/v1/payments/order/${order.id}/status`, { token: cashier.token }), 200),
    ).toEqual({ order_id: order.id, order_total: 60, paid_amount: 60, remaining_amount: 0, is_fully_paid: true });

    const refunded = await expectJson<RefundOut>(
      refund(manager.token, card.id, { amount: 5.0, reason: "damaged item" }),
      201,
    );
    expect(refunded).toMatchObject({
      payment_id: card.id,
      amount: 5,
      payment_status: "partially_refunded",
      refundable_amount: 5,
      shift_id: null,
      late_of_shift_id: null,
    });
    const got = await expectJson<Tendered>(call("GET", `/api/v1/payments/${cash.id}`, { token: cashier.token }), 200);
    expect(got).toMatchObject({ id: cash.id, amount: 50, change_due: 50, shift_id: null, late_of_shift_id: null });

    const other = await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    const cancelled = await expectJson<{ status: string }>(
      call("POST", `/api/v1/orders/${other.id}/cancel`, { token: manager.token }),
      200,
    );
    expect(cancelled.status).toBe("cancelled");
    expect(await storeStock(product.id)).toBe(8);

    // No shift anywhere: not one cash event was written, the payments were taken as before.
    const after = await counts();
    expect(after?.events).toBe(before?.events);
    expect(Number(after?.payments) - Number(before?.payments)).toBe(2);
  });
});

describe("tenders on shifts", () => {
  it("a cash sale counts on the cashier's open shift (tendered − change), a card sale too with no cash", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const cashier = await newCashier();
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 100);
    const order = await orderOf(cashier.token, 40);

    const cash = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 25,
      amount_tendered: 50,
    });
    expect(cash).toMatchObject({ change_due: 25, shift_id: shift.id, late_of_shift_id: null });
    expect(await eventOf("payment_id", cash.id)).toEqual([
      {
        shift_id: shift.id,
        drawer_id: drawer.id,
        kind: "sale",
        payment_method: "cash",
        amount: 2500,
        tendered: 5000,
        change_given: 2500,
        cash_delta: 2500,
        payment_id: cash.id,
        refund_id: null,
        user_id: cashier.id,
        late_of_shift_id: null,
      },
    ]);
    const card = await payOk(cashier.token, { order_id: order.id, payment_method: "debit_card", amount: 15 });
    expect(card.shift_id).toBe(shift.id);
    expect(await eventOf("payment_id", card.id)).toMatchObject([{ cash_delta: 0, tendered: null, amount: 1500 }]);
    expect(await ledgerCash(shift.id)).toBe(12_500);

    // Reads and lists say the same shift.
    const got = await expectJson<Tendered>(call("GET", `/api/v1/payments/${cash.id}`, { token: cashier.token }), 200);
    expect(got.shift_id).toBe(shift.id);
    const page = await expectJson<{ data: Tendered[] }>(
      call("GET", `/api/v1/payments?order_id=${order.id}`, { token: cashier.token }),
      200,
    );
    expect(page.data.map((p) => [p.id, p.shift_id])).toEqual([
      [card.id, shift.id],
      [cash.id, shift.id],
    ]);
    await closeShift(cashier.token, shift.id, { counted_cash: 125 });
  });

  it("a refund in cash on a shift other than the sale's lowers that shift, never the sale's, also once it closed", async ({
    expect,
  }) => {
    const cashier = await newCashier();
    const refunder = await newManager();
    const drawer1 = await createDrawer(refunder.token);
    const drawer2 = await createDrawer(refunder.token);
    const shiftA = await openShift(cashier.token, drawer1.id, 50);
    const shiftB = await openShift(refunder.token, drawer2.id, 200);
    const order = await orderOf(cashier.token, 80);
    const sold = await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 80 });
    expect(sold.shift_id).toBe(shiftA.id);
    expect(await ledgerCash(shiftA.id)).toBe(13_000);

    const first = await expectJson<RefundOut>(
      refund(refunder.token, sold.id, { amount: 10, reason: "price match", drawer_id: drawer2.id }),
      201,
    );
    expect(first.shift_id).toBe(shiftB.id);
    expect(await eventOf("refund_id", first.id)).toMatchObject([
      {
        shift_id: shiftB.id,
        drawer_id: drawer2.id,
        kind: "refund",
        amount: 1000,
        cash_delta: -1000,
        user_id: refunder.id,
      },
    ]);
    expect(await ledgerCash(shiftB.id)).toBe(19_000);
    expect(await ledgerCash(shiftA.id)).toBe(13_000);
    expect((await getShift(refunder.token, shiftB.id)).expected_cash).toBe(190);

    const closedA = await closeShift(cashier.token, shiftA.id, { counted_cash: 130 });
    expect(closedA).toMatchObject({ status: "closed", expected_cash: 130, variance: 0 });

    // The refunder names nothing: their own open shift (B) pays it out; A stays as it was frozen.
    const second = await expectJson<RefundOut>(
      refund(refunder.token, sold.id, { amount: 15, reason: "second thought" }),
      201,
    );
    expect(second.shift_id).toBe(shiftB.id);
    expect(await ledgerCash(shiftB.id)).toBe(17_500);
    expect((await getShift(refunder.token, shiftA.id)).expected_cash).toBe(130);
    expect(await ledgerCash(shiftA.id)).toBe(13_000);

    // A replayed refund answers the same shift (read back with the refund).
    const keyed = await expectJson<RefundOut>(
      refund(
        refunder.token,
        sold.id,
        { amount: 5, reason: "keyed", drawer_id: drawer2.id },
        { "Idempotency-Key": `rf-${sold.id}` },
      ),
      201,
    );
    const again = await expectJson<RefundOut>(
      refund(
        refunder.token,
        sold.id,
        { amount: 5, reason: "keyed", drawer_id: drawer2.id },
        { "Idempotency-Key": `rf-${sold.id}` },
      ),
      201,
    );
    expect(again).toMatchObject({ id: keyed.id, shift_id: shiftB.id });
    expect(await ledgerCash(shiftB.id)).toBe(17_000);
    await closeShift(refunder.token, shiftB.id, { counted_cash: 170 });
  });

  it("a tender naming a closed shift waits as late for the drawer's next shift, then counts there; the closed shift never moves", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const cashier = await newCashier();
    const drawer = await createDrawer(manager.token);
    const first = await openShift(cashier.token, drawer.id, 20);
    const order = await orderOf(cashier.token, 90);
    await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 30, shift_id: first.id });
    const closed = await closeShift(cashier.token, first.id, { counted_cash: 50 });
    expect(closed.expected_cash).toBe(50);

    // The offline till still believes it sells on the first shift.
    const waiting = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 25,
      shift_id: first.id,
    });
    expect(waiting).toMatchObject({ shift_id: null, late_of_shift_id: first.id });
    expect(await eventOf("payment_id", waiting.id)).toMatchObject([
      { shift_id: null, drawer_id: drawer.id, late_of_shift_id: first.id, cash_delta: 2500 },
    ]);
    expect((await getShift(manager.token, first.id)).expected_cash).toBe(50);

    const next = await openShift(cashier.token, drawer.id, 50);
    const attached = await expectJson<Tendered>(
      call("GET", `/api/v1/payments/${waiting.id}`, { token: cashier.token }),
      200,
    );
    expect(attached).toMatchObject({ shift_id: next.id, late_of_shift_id: first.id });
    // A late tender while the next shift is open counts there at once.
    const late = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 35,
      shift_id: first.id,
    });
    expect(late).toMatchObject({ shift_id: next.id, late_of_shift_id: first.id, status: "completed" });
    expect(await ledgerCash(next.id)).toBe(5000 + 2500 + 3500);
    expect((await getShift(manager.token, first.id)).expected_cash).toBe(50);
    expect(await ledgerCash(first.id)).toBe(5000);
    await closeShift(cashier.token, next.id, { counted_cash: 110 });
  });

  it("a pending payment confirmed later counts on the confirmer's shift at that moment, by its own id", async ({
    expect,
  }) => {
    const cashier = await newCashier();
    const confirmer = await newManager();
    const drawer = await createDrawer(confirmer.token);
    const order = await orderOf(cashier.token, 70);
    const pending = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 30,
      status: "pending",
    });
    expect(pending).toMatchObject({ status: "pending", shift_id: null });
    // A newer payment exists when the pending one is confirmed: the event must still name the pending one.
    const newer = await payOk(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 10 });
    expect(await eventOf("payment_id", pending.id)).toEqual([]);

    const shift = await openShift(confirmer.token, drawer.id, 10);
    const confirmed = await expectJson<Tendered>(
      call("PUT", `/api/v1/payments/${pending.id}`, { token: confirmer.token, body: { status: "completed" } }),
      200,
    );
    expect(confirmed).toMatchObject({ status: "completed", shift_id: shift.id, late_of_shift_id: null });
    expect(await eventOf("payment_id", pending.id)).toMatchObject([
      { shift_id: shift.id, payment_id: pending.id, user_id: confirmer.id, amount: 3000, cash_delta: 3000 },
    ]);
    expect(await eventOf("payment_id", newer.id)).toEqual([]);
    expect(await ledgerCash(shift.id)).toBe(4000);
    // Changing its notes afterwards answers the same shift.
    const noted = await expectJson<Tendered>(
      call("PUT", `/api/v1/payments/${pending.id}`, { token: confirmer.token, body: { notes: "checked" } }),
      200,
    );
    expect(noted.shift_id).toBe(shift.id);
    await closeShift(confirmer.token, shift.id, { counted_cash: 40 });
  });
});

describe("a store that requires a shift for cash", () => {
  it("refuses cash with no open shift (409 NO_OPEN_SHIFT) and writes nothing; card is taken; with a shift cash is taken", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const cashier = await newCashier();
    const drawer = await createDrawer(manager.token);
    const order = await orderOf(cashier.token, 60);
    await payOk(cashier.token, { order_id: order.id, payment_method: "credit_card", amount: 20 });
    const cashOrder = await orderOf(cashier.token, 8);
    const cashPaid = await payOk(cashier.token, { order_id: cashOrder.id, payment_method: "cash", amount: 8 });
    const pending = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 5,
      status: "pending",
    });
    await setCashSettings(admin.token, { requires_shift: true });
    try {
      const before = await counts();
      const orderBefore = await main().prepare("SELECT * FROM orders WHERE id = ?1").bind(order.id).first();

      const refused = await pay(
        cashier.token,
        { order_id: order.id, payment_method: "cash", amount: 40 },
        { "Idempotency-Key": `no-shift-${order.id}` },
      );
      expect(refused.status).toBe(409);
      const body = (await refused.json()) as { code: string; detail: string };
      expect(body.code).toBe("NO_OPEN_SHIFT");
      expect(body.detail).toMatch(/open a shift/);
      expect(body.detail).toMatch(/drawer_id/);
      const named = await pay(cashier.token, {
        order_id: order.id,
        payment_method: "cash",
        amount: 40,
        drawer_id: drawer.id,
      });
      expect(named.status).toBe(409);
      expect(((await named.json()) as { detail: string }).detail).toContain(`drawer ${drawer.id} has no open shift`);

      // A confirmation of a pending cash payment is cash arriving now: refused too, still pending.
      const confirm = await call("PUT", `/api/v1/payments/${pending.id}`, {
        token: cashier.token,
        body: { status: "completed" },
      });
      expect(confirm.status).toBe(409);
      expect(await confirm.json()).toMatchObject({
        code: "NO_OPEN_SHIFT",
        detail: expect.stringContaining("then confirm the payment again"),
      });

      const cashRefund = await refund(manager.token, cashPaid.id, { amount: 1, reason: "no shift" });
      expect(cashRefund.status).toBe(409);
      expect(((await cashRefund.json()) as { code: string }).code).toBe("NO_OPEN_SHIFT");

      expect(await counts()).toEqual(before);
      expect(await main().prepare("SELECT * FROM orders WHERE id = ?1").bind(order.id).first()).toEqual(orderBefore);
      expect(await main().prepare("SELECT status FROM payments WHERE id = ?1").bind(pending.id).first()).toEqual({
        status: "pending",
      });
      const replay = await pay(
        cashier.token,
        { order_id: order.id, payment_method: "cash", amount: 40 },
        { "Idempotency-Key": `no-shift-${order.id}` },
      );
      expect(replay.status).toBe(409);

      // Non-cash is never refused.
      const mobile = await payOk(cashier.token, { order_id: order.id, payment_method: "mobile_payment", amount: 10 });
      expect(mobile.shift_id).toBeNull();

      const shift = await openShift(cashier.token, drawer.id, 0);
      const cash = await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 40 });
      expect(cash).toMatchObject({ shift_id: shift.id, amount: 30, change_due: 10, order_status: "completed" });
      expect(await ledgerCash(shift.id)).toBe(3000);
      await closeShift(cashier.token, shift.id, { counted_cash: 30 });
      // A till still naming that closed shift is late, never refused: its cash waits for the drawer's next shift.
      const retry = await orderOf(cashier.token, 5);
      const late = await payOk(cashier.token, {
        order_id: retry.id,
        payment_method: "cash",
        amount: 5,
        shift_id: shift.id,
      });
      expect(late).toMatchObject({ shift_id: null, late_of_shift_id: shift.id });
      const lateRefund = await expectJson<RefundOut>(
        refund(manager.token, late.id, { amount: 2, reason: "late refund", shift_id: shift.id }),
        201,
      );
      expect(lateRefund).toMatchObject({ shift_id: null, late_of_shift_id: shift.id });
      expect(await ledgerCash(shift.id)).toBe(3000);
    } finally {
      await setCashSettings(admin.token, { requires_shift: false });
    }
  });

  it("refuses a cash refund with goods going back and no shift, the stock untouched, then takes it on a shift", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const cashier = await newCashier();
    const refunder = await newManager();
    const drawer = await createDrawer(refunder.token);
    const order = await orderOf(cashier.token, 25);
    const productId = order.order_items[0]?.product_id ?? 0;
    const itemId = order.order_items[0]?.id ?? 0;
    const sold = await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 25 });
    await setCashSettings(admin.token, { requires_shift: true });
    try {
      const before = await counts();
      const stockBefore = await storeStock(productId);
      const items = [{ order_item_id: itemId, quantity: 1, restock: true }];
      const refused = await refund(refunder.token, sold.id, { reason: "returned", items });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { code: string }).code).toBe("NO_OPEN_SHIFT");
      expect(await counts()).toEqual(before);
      expect(await storeStock(productId)).toBe(stockBefore);

      const shift = await openShift(refunder.token, drawer.id, 100);
      const taken = await expectJson<RefundOut>(refund(refunder.token, sold.id, { reason: "returned", items }), 201);
      expect(taken).toMatchObject({ amount: 25, shift_id: shift.id });
      expect(await storeStock(productId)).toBe(Number(stockBefore) + 1);
      expect(await ledgerCash(shift.id)).toBe(7500);
      await closeShift(refunder.token, shift.id, { counted_cash: 75 });
    } finally {
      await setCashSettings(admin.token, { requires_shift: false });
    }
  });
});

describe("named drawers and shifts", () => {
  it("answer 422 naming the field for an unknown, inactive, wrong-store or mismatched id, and write nothing", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const cashier = await newCashier();
    const drawer = await createDrawer(manager.token);
    const otherDrawer = await createDrawer(manager.token);
    const retired = await createDrawer(manager.token);
    await expectJson(
      call("PUT", `/api/v1/cash-drawers/${retired.id}`, { token: manager.token, body: { active: false } }),
      200,
    );
    const eastDrawer = await createDrawer(admin.token, undefined, SECOND_STORE.id);
    const eastShift = await openShift(admin.token, eastDrawer.id, 0, { store: SECOND_STORE.id });
    const shift = await openShift(cashier.token, drawer.id, 0);
    const order = await orderOf(cashier.token, 10);
    const sold = await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 4 });
    const before = await counts();

    const cases: [Record<string, number>, string, RegExp][] = [
      [{ drawer_id: 987_654 }, "drawer_id", /not a drawer of this store/],
      [{ drawer_id: eastDrawer.id }, "drawer_id", /not a drawer of this store/],
      [{ drawer_id: retired.id }, "drawer_id", /inactive/],
      [{ shift_id: 987_654 }, "shift_id", /not a shift of this store/],
      [{ shift_id: eastShift.id }, "shift_id", /not a shift of this store/],
      [{ shift_id: shift.id, drawer_id: otherDrawer.id }, "shift_id", /not on drawer_id/],
    ];
    for (const [place, field, message] of cases) {
      const paid = await pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 1, ...place });
      expect(paid.status, JSON.stringify(place)).toBe(422);
      const body = (await paid.json()) as { code: string; detail: { loc: string[]; msg: string }[] };
      expect(body.code).toBe("VALIDATION_ERROR");
      expect(body.detail[0]?.loc).toEqual(["body", field]);
      expect(body.detail[0]?.msg).toMatch(message);
      const refunded = await refund(manager.token, sold.id, { amount: 1, reason: "check", ...place });
      expect(refunded.status, JSON.stringify(place)).toBe(422);
      expect(((await refunded.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(["body", field]);
    }
    const zero = await pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 1, drawer_id: 0 });
    expect(zero.status).toBe(422);
    expect(await counts()).toEqual(before);
    expect(await storeStock(order.order_items[0]?.product_id ?? 0)).toBe(49);
    // The east store's till is untouched, and a right id is taken.
    expect(await ledgerCash(shift.id)).toBe(400);
    const right = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 1,
      drawer_id: drawer.id,
      shift_id: shift.id,
    });
    expect(right.shift_id).toBe(shift.id);
    await closeShift(cashier.token, shift.id, { counted_cash: 5 });
    await closeShift(admin.token, eastShift.id, { counted_cash: 0 });
  });
});
