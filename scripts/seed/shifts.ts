/**
 * Three closed days of till shifts in each seeded store (the store's last
 * three days before today, in its own time zone), written through the
 * services the API uses, each at a clock fixed at its moment: two drawers,
 * one shift a day on "Till 1" opened and blind-closed by the store's cashier
 * and, on the last day, a manager's short shift on "Till 2". The day's sales
 * are rung up on the shift (cash with change, exact cash, cards, mobile,
 * split tenders), so every cash payment of those days is counted in a shift;
 * a manager refunds cash out of Till 1; paid-ins, paid-outs (one approved
 * by a manager above the threshold, one rejected), drops to the safe and
 * no-sales move the drawer. Each count matches the expected cash, except
 * the second day's, which is short with a reason. The seed keeps its own
 * tally of what each shift should expect and stops if a closed shift
 * disagrees.
 */
import type { D1Database } from "@cloudflare/workers-types";
import type { Role } from "../../src/db/schema";
import type { Store } from "../../src/db/stores";
import { addDays, localDate, localDayStart } from "../../src/domain/time-zone";
import type { AuthUser } from "../../src/lib/auth/current-user";
import { createDrawer } from "../../src/services/cash-drawers";
import { createOrder } from "../../src/services/orders-create";
import { createPayment } from "../../src/services/payments";
import { refundPayment } from "../../src/services/refunds";
import { openShift } from "../../src/services/shifts";
import { addCashEvent, decideCashEvent } from "../../src/services/shifts-cash";
import { closeShift } from "../../src/services/shifts-close";
import { type SeedChain, seedActor, seedContext } from "./orders";

/** Closed shift days before the store's today. */
export const SHIFT_DAYS = 3;

/** The local midnight that starts the first seeded shift day (where the random sales history stops). */
export const firstShiftDay = (store: Store, now = new Date()): Date =>
  localDayStart(addDays(localDate(now, store.timeZone), -SHIFT_DAYS), store.timeZone);

/** Cents left in Till 1 at each close for the next morning (or all of the count, when less). */
const FLOAT = 20_000;
/** The dearest product (cents) the shift days sell. */
const SHELF_PRICE = 2_500;
/** The one count that comes up short (cents), and why. */
const SHORT_BY = 1_250;
const SHORT_REASON = "Change given for a larger note than the customer handed over";

type SeedUser = { id: number; username: string; role: Role };
type Tender = { method: "cash" | "credit_card" | "debit_card" | "mobile_payment"; share: number; tendered?: "note" };

export interface ShiftSeedSummary {
  drawers: number;
  shifts: number;
  /** Orders rung up on the shifts (on top of the month of sales before them). */
  sales: number;
  cash_events: number;
  /** The closed shift whose count was off, and by how much (cents, counted − expected). */
  variance: { shift_id: number; cents: number };
}

/** The next note up for a cash amount (10.00 steps), so the customer gets change back. */
const noteAbove = (cents: number) => (Math.floor(cents / 1_000) + 1) * 1_000;

export async function seedShifts(
  chain: SeedChain,
  store: Store,
  staff: { cashier: string; manager: string },
): Promise<ShiftSeedSummary> {
  const hq = chain.databases.DB as D1Database;
  const d1 = chain.databases[store.binding] as D1Database;
  const users = (await hq.prepare("SELECT id, username, role FROM users").all<SeedUser>()).results;
  const user = (name: string): AuthUser => {
    const found = users.find((u) => u.username === name);
    if (!found) throw new Error(`seed: no user ${name}`);
    return seedActor(found, store);
  };
  const cashier = user(staff.cashier);
  const manager = user(staff.manager);
  // Shelf goods a till sells for cash (no laptops), that the store has plenty of.
  const stocked = (
    await d1.prepare("SELECT product_id AS id FROM stock_levels WHERE quantity > 20").all<{ id: number }>()
  ).results.map((r) => r.id);
  const products = (
    await hq
      .prepare("SELECT id FROM products WHERE price <= ?1 AND id IN (SELECT value FROM json_each(?2)) ORDER BY id")
      .bind(SHELF_PRICE, JSON.stringify(stocked))
      .all<{ id: number }>()
  ).results;
  if (products.length === 0) throw new Error(`seed: ${store.code} has no stock to sell on its shifts`);

  const first = firstShiftDay(store);
  let day = first;
  /** The instant `hh:mm` on the day being seeded, in the store's time zone. */
  const at = (hhmm: string) => {
    const [h = 0, m = 0] = hhmm.split(":").map(Number);
    return new Date(day.getTime() + (h * 60 + m) * 60_000);
  };
  const ctxAt = (hhmm: string) => seedContext(chain, store, at(hhmm));
  /** What each shift should expect, kept apart from the database: opening float + cash in − cash out. */
  const expected = new Map<number, number>();
  const move = (shiftId: number, cents: number) => expected.set(shiftId, (expected.get(shiftId) ?? 0) + cents);
  let sold = 0;
  let events = 0;

  /** A sale of one to three products by `seller`, paid by `tenders` (shares of the total, the last takes the rest). */
  const sale = async (hhmm: string, seller: AuthUser, shiftId: number, tenders: Tender[]) => {
    const ctx = ctxAt(hhmm);
    const lines = new Map<number, number>();
    for (let k = 0; k <= sold % 3; k++) {
      const product = products[(sold * 7 + k * 5) % products.length] as { id: number };
      lines.set(product.id, (lines.get(product.id) ?? 0) + 1 + ((sold + k) % 2));
    }
    sold += 1;
    const order = await createOrder(
      ctx,
      seller,
      { order_items: [...lines].map(([product_id, quantity]) => ({ product_id, quantity })), tax: 0 },
      null,
    );
    let left = Math.round(order.total * 100);
    const payments: { id: number; method: string; cents: number }[] = [];
    for (const [i, tender] of tenders.entries()) {
      const cents = i === tenders.length - 1 ? left : Math.round(left * tender.share);
      left -= cents;
      const tendered = tender.tendered === "note" ? noteAbove(cents) : undefined;
      const { result } = await createPayment(
        ctx,
        seller,
        { order_id: order.id, payment_method: tender.method, amount: cents, amount_tendered: tendered },
        null,
      );
      if (result.shift_id !== shiftId)
        throw new Error(`seed: a ${tender.method} payment landed on shift ${result.shift_id}, not ${shiftId}`);
      if (tender.method === "cash") move(shiftId, cents);
      events += 1;
      payments.push({ id: result.id, method: tender.method, cents });
    }
    return payments;
  };
  /** A paid-in, paid-out, drop or no-sale on `shiftId`; a paid-out above the threshold waits for `decision`. */
  const cash = async (
    hhmm: string,
    by: AuthUser,
    shiftId: number,
    kind: "paid_in" | "paid_out" | "drop" | "no_sale",
    cents: number,
    reason: string,
    decision?: { hhmm: string; verdict: "approved" | "rejected" },
  ) => {
    let event = await addCashEvent(ctxAt(hhmm), by, shiftId, { kind, amount: cents, reason }, null);
    events += 1;
    if (decision) {
      if (event.approval !== "pending") throw new Error(`seed: the ${kind} of ${cents} was not held for approval`);
      event = await decideCashEvent(ctxAt(decision.hhmm), manager, shiftId, event.id, decision.verdict, null);
    }
    if (event.approval === "approved") move(shiftId, kind === "paid_in" ? cents : kind === "no_sale" ? 0 : -cents);
  };
  const open = async (hhmm: string, by: AuthUser, drawerId: number, float: number) => {
    const shift = await openShift(ctxAt(hhmm), by, { drawer_id: drawerId, opening_float: float }, null);
    expected.set(shift.id, float);
    return shift.id;
  };
  /**
   * Closes with a count `off` from the tally (cents), keeping up to `keep` in the drawer; answers what
   * was kept. Stops the seed if the shift's frozen figures disagree with the tally.
   */
  const close = async (hhmm: string, by: AuthUser, shiftId: number, keep: number, off = 0, reason?: string) => {
    const counted = (expected.get(shiftId) ?? 0) + off;
    const kept = Math.min(keep, counted);
    await closeShift(
      ctxAt(hhmm),
      by,
      shiftId,
      { counted_cash: counted, kept_in_drawer: kept, variance_reason: reason },
      null,
    );
    const row = await d1
      .prepare("SELECT expected_cash, variance FROM shifts WHERE id = ?1 AND status = 'closed'")
      .bind(shiftId)
      .first<{ expected_cash: number; variance: number }>();
    if (row?.expected_cash !== expected.get(shiftId) || row?.variance !== off)
      throw new Error(
        `seed: shift ${shiftId} closed expecting ${row?.expected_cash} (variance ${row?.variance}); its tally says ${expected.get(shiftId)} (variance ${off})`,
      );
    return kept;
  };

  const till1 = (await createDrawer(seedContext(chain, store, new Date(first.getTime() - 3600_000)), "Till 1")).id;
  const till2 = (await createDrawer(seedContext(chain, store, new Date(first.getTime() - 3600_000)), "Till 2")).id;

  // Day 1: the drawer's first shift (no expected opening yet).
  let shift = await open("09:00", cashier, till1, FLOAT);
  await cash("09:05", manager, shift, "paid_in", 5_000, "Coins and small notes from the bank");
  await sale("10:15", cashier, shift, [{ method: "cash", share: 1, tendered: "note" }]);
  await sale("11:30", cashier, shift, [{ method: "credit_card", share: 1 }]);
  await cash("12:40", cashier, shift, "no_sale", 0, "Change for the parking meter");
  await sale("13:20", cashier, shift, [
    { method: "cash", share: 0.5 },
    { method: "debit_card", share: 0.5 },
  ]);
  await cash("14:00", cashier, shift, "drop", 5_000, "Midday drop to the safe");
  await sale("15:45", cashier, shift, [{ method: "cash", share: 1 }]);
  await sale("16:30", cashier, shift, [{ method: "mobile_payment", share: 1 }]);
  let kept = await close("18:00", cashier, shift, FLOAT);

  // Day 2: a cash refund out of the till, a small paid-out, and a count that comes up short.
  day = localDayStart(addDays(localDate(first, store.timeZone), 1), store.timeZone);
  shift = await open("09:00", cashier, till1, kept);
  await sale("09:40", cashier, shift, [{ method: "cash", share: 1, tendered: "note" }]);
  const [returned] = await sale("10:50", cashier, shift, [{ method: "cash", share: 1, tendered: "note" }]);
  await cash("11:30", cashier, shift, "paid_out", 1_250, "Window cleaner");
  if (returned) {
    const refunded = Math.min(500, returned.cents);
    await refundPayment(
      ctxAt("12:10"),
      manager,
      { payment_id: returned.id, amount: refunded, reason: "Customer returned an item", drawer_id: till1 },
      null,
    );
    move(shift, -refunded);
    events += 1;
  }
  await sale("13:00", cashier, shift, [{ method: "credit_card", share: 1 }]);
  await cash("14:30", cashier, shift, "drop", 2_000, "Drop to the safe");
  await sale("16:00", cashier, shift, [
    { method: "cash", share: 0.4, tendered: "note" },
    { method: "credit_card", share: 0.6 },
  ]);
  const short = shift;
  kept = await close("18:00", cashier, shift, FLOAT, -SHORT_BY, SHORT_REASON);

  // Day 3: the morning count finds 0.50 less than was kept; paid-outs above the threshold
  // (one approved, one rejected); a manager's short shift on Till 2.
  day = localDayStart(addDays(localDate(first, store.timeZone), 2), store.timeZone);
  shift = await open("09:00", cashier, till1, kept - 50);
  await sale("09:20", cashier, shift, [{ method: "cash", share: 1, tendered: "note" }]);
  await cash("10:30", cashier, shift, "paid_out", 7_500, "Cash on delivery: bread supplier", {
    hhmm: "10:35",
    verdict: "approved",
  });
  await cash("11:15", cashier, shift, "paid_out", 6_000, "Staff lunch", { hhmm: "11:20", verdict: "rejected" });
  await sale("12:00", cashier, shift, [{ method: "credit_card", share: 1 }]);
  const second = await open("12:00", manager, till2, 10_000);
  await sale("12:30", manager, second, [{ method: "cash", share: 1, tendered: "note" }]);
  await cash("13:00", manager, second, "no_sale", 0, "Till check");
  await sale("13:30", cashier, shift, [{ method: "cash", share: 1 }]);
  await cash("15:00", cashier, shift, "drop", 2_000, "Drop to the safe");
  await sale("16:20", cashier, shift, [{ method: "cash", share: 1, tendered: "note" }]);
  await close("17:00", manager, second, 0);
  await close("18:00", cashier, shift, FLOAT);

  return { drawers: 2, shifts: 4, sales: sold, cash_events: events, variance: { shift_id: short, cents: -SHORT_BY } };
}
