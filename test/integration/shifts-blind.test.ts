/**
 * What keeps a cashier's count blind, and the guards a review of the shifts
 * work asked for: a cashier learns nothing that adds up to expected cash
 * before the close (no X-report, only their own movements in the event list,
 * a refused close that keeps their count), a closed shift's Z-report does not
 * move when an order it sold on is edited and paid elsewhere, a confirmation
 * names its drawer, a lost approval race claims no key, and the database
 * refuses moving an event onto a closed shift.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { type Order, pay, sale } from "../helpers/money";
import {
  addCashEvent,
  closeShift,
  closeShiftResponse,
  createDrawer,
  listCashEvents,
  openShift,
  type ShiftOut,
} from "../helpers/shifts";

const store = () => env.STORE_MAIN;

let people = 0;
const newAccount = async (role: "cashier" | "manager"): Promise<Account> =>
  createAccount((await accounts()).admin.token, `blind${role}${++people}`, role);

async function orderOf(token: string, price: number, quantity = 1): Promise<Order> {
  const { admin } = await accounts();
  const product = await createProduct(admin.token, { price, stock_quantity: 50 });
  return sale(token, [{ product_id: product.id, quantity }]);
}

const payOk = (token: string, body: Record<string, unknown>) =>
  expectJson<{ id: number; shift_id: number | null }>(pay(token, body), 201);

describe("the blind count", () => {
  it("a cashier's event list before the close holds only the movements they recorded; after it, everything", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 50);
    const order = await orderOf(cashier.token, 12.5);
    await payOk(cashier.token, { order_id: order.id, payment_method: "cash", amount: 12.5, amount_tendered: 20 });
    const mine = await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 5, reason: "coins" });
    const theirs = await addCashEvent(manager.token, shift.id, { kind: "drop", amount: 30 });

    expect((await listCashEvents(cashier.token, shift.id)).map((e) => e.id)).toEqual([mine.id]);
    expect((await listCashEvents(manager.token, shift.id)).map((e) => e.kind)).toEqual(["sale", "paid_in", "drop"]);

    await closeShift(cashier.token, shift.id, { counted_cash: 37.5 });
    const after = await listCashEvents(cashier.token, shift.id);
    expect(after.map((e) => e.id)).toContain(theirs.id);
    expect(after).toHaveLength(3);
  });

  it("a close refused for a missing reason keeps the cashier's count: another count is refused, the same with a reason closes", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 100);

    const first = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 80 });
    expect(first.status).toBe(422);
    expect(((await first.json()) as { code: string }).code).toBe("VARIANCE_REASON_REQUIRED");
    const kept = await store()
      .prepare("SELECT first_blind_count, status FROM shifts WHERE id = ?1")
      .bind(shift.id)
      .first();
    expect(kept).toEqual({ first_blind_count: 8000, status: "open" });

    // Searching for expected cash by counting again is refused, and moves nothing.
    for (const counted of [90, 100, 99.99]) {
      const again = await closeShiftResponse(cashier.token, shift.id, { counted_cash: counted });
      expect(again.status).toBe(409);
      const body = (await again.json()) as { detail: string; first_count: number };
      expect(body.first_count).toBe(80);
      expect(body.detail).not.toContain("100.00");
    }
    const second = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 85 });
    expect(second.status).toBe(409);
    expect(await store().prepare("SELECT first_blind_count FROM shifts WHERE id = ?1").bind(shift.id).first()).toEqual({
      first_blind_count: 8000,
    });

    const closed = await closeShift(cashier.token, shift.id, { counted_cash: 80, variance_reason: "a note missing" });
    expect(closed).toMatchObject({ status: "closed", counted_cash: 80, variance: -20, first_blind_count: 80 });
  });

  it("a manager may recount after a cashier's refused close", async ({ expect }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 100);
    expect((await closeShiftResponse(cashier.token, shift.id, { counted_cash: 50 })).status).toBe(422);
    const closed = await closeShift(manager.token, shift.id, { counted_cash: 100 });
    expect(closed).toMatchObject({ counted_cash: 100, variance: 0, first_blind_count: 50 });
  });

  it("a count by denomination above the money cap is a 422 that writes nothing", async ({ expect }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 10);
    const res = await closeShiftResponse(cashier.token, shift.id, {
      denominations: [{ value: 99_999_999.99, count: 1000 }],
    });
    expect(res.status).toBe(422);
    const row = await store().prepare("SELECT status, counted_cash FROM shifts WHERE id = ?1").bind(shift.id).first();
    expect(row).toEqual({ status: "open", counted_cash: null });
  });
});

describe("a closed shift's Z-report", () => {
  it("keeps its orders when one it took money for is edited and completed on another shift; the order counts once", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const first = await newAccount("cashier");
    const second = await newAccount("cashier");
    const shiftA = await openShift(first.token, (await createDrawer(manager.token)).id, 0);
    const shiftB = await openShift(second.token, (await createDrawer(manager.token)).id, 0);
    // A manager rings the order up and takes a part of it on A's drawer, then the rest on B's.
    const order = await orderOf(manager.token, 10, 3);
    await payOk(manager.token, { order_id: order.id, payment_method: "cash", amount: 10, drawer_id: shiftA.drawer_id });
    await closeShift(first.token, shiftA.id, { counted_cash: 10 });
    const zBefore = await (await call("GET", `/api/v1/shifts/${shiftA.id}/z-report`, { token: manager.token })).json();

    const edited = await call("PUT", `/api/v1/orders/${order.id}`, { token: manager.token, body: { discount: 5 } });
    expect(edited.status).toBe(200);
    await payOk(manager.token, {
      order_id: order.id,
      payment_method: "credit_card",
      amount: 15,
      drawer_id: shiftB.drawer_id,
    });

    const zAfter = await (await call("GET", `/api/v1/shifts/${shiftA.id}/z-report`, { token: manager.token })).json();
    const { generated_at: _a, ...before } = zBefore as Record<string, unknown>;
    const { generated_at: _b, ...after } = zAfter as Record<string, unknown>;
    expect(after).toEqual(before);
    expect((after as { orders: { count: number } }).orders.count).toBe(0);

    const x = (await (await call("GET", `/api/v1/shifts/${shiftB.id}/x-report`, { token: manager.token })).json()) as {
      orders: { count: number; discounts: number; total: number };
    };
    expect(x.orders).toMatchObject({ count: 1, discounts: 5, total: 25 });
  });
});

describe("guards", () => {
  it("a confirmation names the drawer its money went into; a place without a confirmation is a 422", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 0);
    const order = await orderOf(cashier.token, 7);
    const pending = await payOk(cashier.token, {
      order_id: order.id,
      payment_method: "cash",
      amount: 7,
      status: "pending",
    });
    const stray = await call("PUT", `/api/v1/payments/${pending.id}`, {
      token: manager.token,
      body: { notes: "later", drawer_id: shift.drawer_id },
    });
    expect(stray.status).toBe(422);
    // The manager has no shift open: the drawer named puts the cash on the cashier's shift.
    const confirmed = await expectJson<{ shift_id: number | null }>(
      call("PUT", `/api/v1/payments/${pending.id}`, {
        token: manager.token,
        body: { status: "completed", drawer_id: shift.drawer_id },
      }),
      200,
    );
    expect(confirmed.shift_id).toBe(shift.id);
    expect(await closeShift(manager.token, shift.id, { counted_cash: 7 })).toMatchObject({ expected_cash: 7 });
  });

  it("a drawer with late cash waiting for its next shift cannot be retired", async ({ expect }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 0);
    await closeShift(cashier.token, shift.id, { counted_cash: 0 });
    await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 2, reason: "found under the till" });
    const retire = await call("PUT", `/api/v1/cash-drawers/${drawer.id}`, {
      token: manager.token,
      body: { active: false },
    });
    expect(retire.status).toBe(409);
    expect(((await retire.json()) as { detail: string }).detail).toContain("late cash");
    const next = await openShift(cashier.token, drawer.id, 0);
    await closeShift(cashier.token, next.id, { counted_cash: 2 });
    expect(
      (await call("PUT", `/api/v1/cash-drawers/${drawer.id}`, { token: manager.token, body: { active: false } }))
        .status,
    ).toBe(200);
  });

  it("racing decisions on a paid-out: the loser's retry with its key is refused again, never replayed as a success", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const other = await newAccount("manager");
    const cashier = await newAccount("cashier");
    const shift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 500);
    for (let round = 0; round < 6; round++) {
      const event = await addCashEvent(cashier.token, shift.id, {
        kind: "paid_out",
        amount: 60,
        reason: `supplier ${round}`,
      });
      expect(event.approval).toBe("pending");
      const decide = (token: string, decision: string, key: string) =>
        call("POST", `/api/v1/shifts/${shift.id}/cash-events/${event.id}/${decision}`, {
          token,
          headers: { "Idempotency-Key": key },
        });
      const [approve, reject] = await Promise.all([
        decide(manager.token, "approve", `approve-${round}`),
        decide(other.token, "reject", `reject-${round}`),
      ]);
      const statuses = [approve.status, reject.status].sort();
      expect(statuses).toEqual([200, 409]);
      const [loser, token, decision] =
        approve.status === 409
          ? ([`approve-${round}`, manager.token, "approve"] as const)
          : ([`reject-${round}`, other.token, "reject"] as const);
      expect((await decide(token, decision, loser)).status).toBe(409);
    }
  });

  it("the database refuses moving an event onto a closed shift", async ({ expect }) => {
    const { manager } = await accounts();
    const cashier = await newAccount("cashier");
    const closedShift = await openShift(cashier.token, (await createDrawer(manager.token)).id, 0);
    await closeShift(cashier.token, closedShift.id, { counted_cash: 0 });
    const open: ShiftOut = await openShift(cashier.token, (await createDrawer(manager.token)).id, 0);
    const event = await addCashEvent(cashier.token, open.id, { kind: "no_sale" });
    await expect(
      store().prepare("UPDATE cash_events SET shift_id = ?1 WHERE id = ?2").bind(closedShift.id, event.id).run(),
    ).rejects.toThrow(/SHIFT_NOT_OPEN/);
  });
});
