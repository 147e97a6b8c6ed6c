/**
 * A cash sale racing its shift's close is counted exactly once: each payment's
 * batch resolves its shift as it runs (db/cash-events.ts), and the close
 * freezes expected cash in one statement, so a sale lands before the close
 * (in it) or after (late, or refused when the store requires a shift), never
 * both and never lost.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { type Order, pay, sale } from "../helpers/money";
import { closeShift, createDrawer, getShift, openShift, setCashSettings } from "../helpers/shifts";

const RACERS = 24;
const main = () => env.STORE_MAIN;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `n` pending orders of 10.00 each, rung up by `cashier`. */
async function orders(cashier: Account, n: number): Promise<Order[]> {
  const { admin } = await accounts();
  const product = await createProduct(admin.token, { price: 10, stock_quantity: n + 5 });
  const list: Order[] = [];
  for (let i = 0; i < n; i++) list.push(await sale(cashier.token, [{ product_id: product.id, quantity: 1 }]));
  return list;
}

interface EventRow {
  payment_id: number;
  shift_id: number | null;
  late_of_shift_id: number | null;
  cash_delta: number;
}

/** The cash events of these payments, by payment id. */
async function eventsOf(paymentIds: number[]): Promise<Map<number, EventRow[]>> {
  const rows = await main()
    .prepare(
      "SELECT payment_id, shift_id, late_of_shift_id, cash_delta FROM cash_events WHERE payment_id IN (SELECT value FROM json_each(?1))",
    )
    .bind(JSON.stringify(paymentIds))
    .all<EventRow>();
  const byPayment = new Map<number, EventRow[]>();
  for (const row of rows.results) byPayment.set(row.payment_id, [...(byPayment.get(row.payment_id) ?? []), row]);
  return byPayment;
}

/** Opening float + Σ approved cash_delta of the shift's events, in cents, from the ledger itself. */
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

/** Fires one cash payment per order, staggered, and the close of `shiftId` in the middle of them. */
async function raceTheClose(
  cashier: Account,
  list: Order[],
  place: (i: number) => { shift_id?: number; drawer_id?: number },
  shiftId: number,
) {
  const payments = list.map(async (order, i) => {
    await pause(i * 3);
    const res = await pay(
      cashier.token,
      { order_id: order.id, payment_method: "cash", amount: 10, amount_tendered: 20, ...place(i) },
      { "Idempotency-Key": `race-${order.id}` },
    );
    return {
      order,
      status: res.status,
      body: (await res.json()) as { id: number; code?: string; shift_id: number | null },
    };
  });
  const close = (async () => {
    await pause((list.length / 2) * 3);
    return closeShift(cashier.token, shiftId, { counted_cash: 100, variance_reason: "counted during a rush" });
  })();
  const [closed, ...results] = await Promise.all([close, ...payments]);
  return { closed, results };
}

describe("a cash sale racing the close", () => {
  it("is counted once: in the closed shift, or late for it (never both, never lost); the frozen figure never moves", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const cashier = await createAccount(admin.token, "racer1", "cashier");
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 100);
    const list = await orders(cashier, RACERS);

    // Half the tills name the shift they sell on, half name the drawer.
    const { closed, results } = await raceTheClose(
      cashier,
      list,
      (i) => (i % 2 ? { shift_id: shift.id } : { drawer_id: drawer.id }),
      shift.id,
    );
    expect(closed.status).toBe("closed");
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const events = await eventsOf(results.map((r) => r.body.id));
    let inShift = 0;
    for (const [i, r] of results.entries()) {
      const mine = events.get(r.body.id) ?? [];
      const namedShift = i % 2 === 1;
      if (mine.length === 0) {
        // Only a till that named the drawer, arriving after the close, records cash on no shift (as before shifts).
        expect(namedShift, `payment ${r.body.id}`).toBe(false);
        expect(r.body.shift_id).toBeNull();
        continue;
      }
      expect(mine, `payment ${r.body.id}`).toHaveLength(1);
      const [event] = mine;
      if (event?.shift_id === shift.id) {
        inShift += 1;
        expect(event.late_of_shift_id).toBeNull();
        expect(r.body.shift_id).toBe(shift.id);
      } else {
        expect(namedShift).toBe(true);
        expect(event).toMatchObject({ shift_id: null, late_of_shift_id: shift.id });
      }
    }
    console.log(`racing close: ${inShift} in the shift, ${RACERS - inShift} after it`);
    // Expected cash was frozen by the close as opening + Σ of its events: each sale in it once.
    expect(Math.round(Number(closed.expected_cash) * 100)).toBe(10_000 + 1000 * inShift);
    expect(await ledgerCash(shift.id)).toBe(10_000 + 1000 * inShift);

    // After the close, a till naming the closed shift is late; the closed shift does not move.
    const after = await orders(cashier, 1);
    const late = await expectJson<{ shift_id: number | null; late_of_shift_id: number | null }>(
      pay(cashier.token, { order_id: after[0]?.id, payment_method: "cash", amount: 10, shift_id: shift.id }),
      201,
    );
    expect(late).toMatchObject({ shift_id: null, late_of_shift_id: shift.id });
    const waiting = await main()
      .prepare(
        "SELECT COUNT(*) AS n, SUM(cash_delta) AS cash FROM cash_events WHERE drawer_id = ?1 AND shift_id IS NULL",
      )
      .bind(drawer.id)
      .first<{ n: number; cash: number }>();
    const next = await openShift(cashier.token, drawer.id, 50);
    expect(await ledgerCash(next.id)).toBe(5000 + Number(waiting?.cash ?? 0));
    expect((await getShift(manager.token, shift.id)).expected_cash).toBe(closed.expected_cash);
    expect(await ledgerCash(shift.id)).toBe(10_000 + 1000 * inShift);
    await closeShift(cashier.token, next.id, {
      counted_cash: (5000 + Number(waiting?.cash ?? 0)) / 100,
    });
  });

  it("with a shift required: each sale is on the shift or refused 409 NO_OPEN_SHIFT having written nothing", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const cashier = await createAccount(admin.token, "racer2", "cashier");
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 100);
    const list = await orders(cashier, RACERS);
    await setCashSettings(admin.token, { requires_shift: true });
    try {
      // Half name the drawer, half nothing (the cashier's own open shift).
      const { closed, results } = await raceTheClose(
        cashier,
        list,
        (i) => (i % 2 ? {} : { drawer_id: drawer.id }),
        shift.id,
      );
      const taken = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status !== 201);
      for (const r of refused) {
        expect(r.status, JSON.stringify(r.body)).toBe(409);
        expect(r.body.code).toBe("NO_OPEN_SHIFT");
        const wrote = await main()
          .prepare(
            `SELECT (SELECT COUNT(*) FROM payments WHERE order_id = ?1) AS payments,
                    (SELECT COUNT(*) FROM idempotency_keys WHERE key = ?2) AS keys,
                    (SELECT paid_amount FROM orders WHERE id = ?1) AS paid,
                    (SELECT status FROM orders WHERE id = ?1) AS status`,
          )
          .bind(r.order.id, `race-${r.order.id}`)
          .first();
        expect(wrote).toEqual({ payments: 0, keys: 0, paid: 0, status: "pending" });
      }
      const events = await eventsOf(taken.map((r) => r.body.id));
      for (const r of taken) {
        expect(events.get(r.body.id)).toMatchObject([{ shift_id: shift.id, late_of_shift_id: null, cash_delta: 1000 }]);
        expect(r.body.shift_id).toBe(shift.id);
      }
      expect(Math.round(Number(closed.expected_cash) * 100)).toBe(10_000 + 1000 * taken.length);
      expect(await ledgerCash(shift.id)).toBe(10_000 + 1000 * taken.length);

      // Once closed, every cash payment without a shift is refused and writes nothing.
      const [late] = await orders(cashier, 1);
      for (const place of [{}, { drawer_id: drawer.id }]) {
        const again = await pay(cashier.token, { order_id: late?.id, payment_method: "cash", amount: 10, ...place });
        expect(again.status).toBe(409);
        expect(((await again.json()) as { code: string }).code).toBe("NO_OPEN_SHIFT");
      }
      expect(
        await main().prepare("SELECT COUNT(*) AS n FROM payments WHERE order_id = ?1").bind(late?.id).first(),
      ).toEqual({
        n: 0,
      });
      console.log(`racing close (required): ${taken.length} on the shift, ${refused.length} refused`);
      expect((await getShift(manager.token, shift.id)).expected_cash).toBe(closed.expected_cash);
    } finally {
      await setCashSettings(admin.token, { requires_shift: false });
    }
  });
});
