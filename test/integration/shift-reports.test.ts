import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { type Account, accounts, userAtStores } from "../helpers/accounts";
import { BASE, call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { pdfText } from "../helpers/pdf-text";
import { addCashEvent, closeShift, createDrawer, decideCashEvent, endShift, openShift } from "../helpers/shifts";
import { MAIN_STORE, SECOND_STORE } from "../helpers/stores";

/**
 * One shift lived through the API: a cash sale with change, a card sale of a
 * discounted and taxed order, a cash refund, paid in, paid out, a drop, a
 * no-sale and a paid-out left pending; its X-report, its close and its
 * Z-report (JSON, text, PDF), and a tender that arrives after the close.
 * Every expected figure is worked out here from what the test did, not read
 * back from the database.
 */

async function sell(token: string, items: { product_id: number; quantity: number }[], extra = {}) {
  return expectJson<{ id: number; total: number }>(
    call("POST", "/api/v1/orders", { token, body: { order_items: items, ...extra } }),
    201,
  );
}

async function pay(token: string, body: Record<string, unknown>) {
  return expectJson<{ id: number; shift_id: number | null; late_of_shift_id: number | null }>(
    call("POST", "/api/v1/payments", { token, body }),
    201,
  );
}

interface Report {
  report: "X" | "Z";
  shift: { id: number; status: string; z_number: number | null; drawer_name: string; cashier: { id: number } };
  sales: { by_tender: { payment_method: string; count: number; amount: number }[]; count: number; amount: number };
  refunds: { by_tender: { payment_method: string; count: number; amount: number }[]; count: number; amount: number };
  orders: { count: number; subtotal: number; discounts: number; tax: number; total: number };
  cash: {
    opening_float: number;
    cash_sales: number;
    tendered: number;
    change_given: number;
    cash_refunds: number;
    paid_in: { count: number; amount: number };
    paid_out: { count: number; amount: number };
    drops: { count: number; amount: number };
    no_sales: { count: number };
    pending: { id: number; kind: string; amount: number }[];
    expected_cash: number | null;
    counted_cash: number | null;
    variance: number | null;
  };
  late: {
    counted_elsewhere: { event_id: number; counted_on_shift_id: number | null; amount: number; note: string }[];
    adjustments: { event_id: number; from_shift_id: number; amount: number; note: string }[];
  };
}

const report = (token: string, shiftId: number, kind: "x-report" | "z-report") =>
  call("GET", `/api/v1/shifts/${shiftId}/${kind}`, { token });

/** What the test did on the shift, in cents, to compute every figure independently. */
const OPENING = 10_000;
const CASH_SALE = { price: 12.5, tendered: 20 };
const CARD_ORDER = { price: 21, quantity: 2, discount: 2, tax: 3.36 };
const CASH_REFUND = 2.5;
const PAID_IN = 2_000;
const PAID_OUT = 1_500;
const DROP = 5_000;
const PENDING_PAID_OUT = 8_000;
const COUNTED = 6_400;
/** Left in the drawer at close: the next shift's expected opening. */
const KEPT = 4_000;

let scenario: Promise<Awaited<ReturnType<typeof liveShift>>> | undefined;

/** The shift, lived once per file; each test reads what it needs. */
async function liveShift() {
  const { admin, manager, cashier } = await accounts();
  const cashProduct = await createProduct(admin.token, { price: CASH_SALE.price, stock_quantity: 50 });
  const cardProduct = await createProduct(admin.token, { price: CARD_ORDER.price, stock_quantity: 50 });
  const drawer = (await createDrawer(manager.token, "Till 1")).id;
  const shift = (await openShift(cashier.token, drawer, OPENING / 100)).id;

  const cashOrder = await sell(cashier.token, [{ product_id: cashProduct.id, quantity: 1 }]);
  const cashPayment = await pay(cashier.token, {
    order_id: cashOrder.id,
    payment_method: "cash",
    amount: cashOrder.total,
    amount_tendered: CASH_SALE.tendered,
  });
  const cardOrder = await sell(cashier.token, [{ product_id: cardProduct.id, quantity: CARD_ORDER.quantity }], {
    discount: CARD_ORDER.discount,
    tax: CARD_ORDER.tax,
  });
  const cardPayment = await pay(cashier.token, {
    order_id: cardOrder.id,
    payment_method: "credit_card",
    amount: cardOrder.total,
  });
  // The manager gives the refund out of the cashier's drawer: it names the shift.
  await expectJson(
    call("POST", `/api/v1/payments/${cashPayment.id}/refund`, {
      token: manager.token,
      body: { amount: CASH_REFUND, reason: "scratched", shift_id: shift },
    }),
    201,
  );
  await addCashEvent(cashier.token, shift, { kind: "paid_in", amount: PAID_IN / 100, reason: "float top-up" });
  await addCashEvent(cashier.token, shift, { kind: "paid_out", amount: PAID_OUT / 100, reason: "window cleaner" });
  await addCashEvent(manager.token, shift, { kind: "drop", amount: DROP / 100 });
  await addCashEvent(cashier.token, shift, { kind: "no_sale" });
  // Above the store's approval threshold (50.00): waits for a manager.
  const pending = (
    await addCashEvent(cashier.token, shift, { kind: "paid_out", amount: PENDING_PAID_OUT / 100, reason: "supplier" })
  ).id;
  return { drawer, shift, cashOrder, cardOrder, cashPayment, cardPayment, pending };
}

const lived = () => {
  scenario ??= liveShift();
  return scenario;
};

const cents = (amount: number) => Math.round(amount * 100);
/** Expected cash by the issue's formula: opening + cash taken − change − cash refunded + paid in − paid out − drops. */
const EXPECTED =
  OPENING +
  cents(CASH_SALE.tendered) -
  (cents(CASH_SALE.tendered) - cents(CASH_SALE.price)) -
  cents(CASH_REFUND) +
  PAID_IN -
  PAID_OUT -
  DROP;
const CARD_SUBTOTAL = cents(CARD_ORDER.price) * CARD_ORDER.quantity;
const CARD_TOTAL = CARD_SUBTOTAL - cents(CARD_ORDER.discount) + cents(CARD_ORDER.tax);

describe("X- and Z-reports", () => {
  it("X-report so far: sales and refunds by tender, orders once, movements, pending, expected cash", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const s = await lived();
    expect(s.cashPayment.shift_id).toBe(s.shift);
    expect(s.cardPayment.shift_id).toBe(s.shift);
    const x = await expectJson<Report>(report(manager.token, s.shift, "x-report"), 200);
    expect(x.report).toBe("X");
    expect(x.shift).toMatchObject({ id: s.shift, status: "open", z_number: null, drawer_name: "Till 1" });
    expect(x.sales).toEqual({
      by_tender: [
        { payment_method: "cash", count: 1, amount: CASH_SALE.price },
        { payment_method: "credit_card", count: 1, amount: CARD_TOTAL / 100 },
      ],
      count: 2,
      amount: (cents(CASH_SALE.price) + CARD_TOTAL) / 100,
    });
    expect(x.refunds).toEqual({
      by_tender: [{ payment_method: "cash", count: 1, amount: CASH_REFUND }],
      count: 1,
      amount: CASH_REFUND,
    });
    expect(x.orders).toMatchObject({
      count: 2,
      subtotal: (cents(CASH_SALE.price) + CARD_SUBTOTAL) / 100,
      discounts: CARD_ORDER.discount,
      tax: CARD_ORDER.tax,
      total: (cents(CASH_SALE.price) + CARD_TOTAL) / 100,
    });
    expect(x.cash).toMatchObject({
      opening_float: OPENING / 100,
      cash_sales: CASH_SALE.price,
      tendered: CASH_SALE.tendered,
      change_given: CASH_SALE.tendered - CASH_SALE.price,
      cash_refunds: CASH_REFUND,
      paid_in: { count: 1, amount: PAID_IN / 100 },
      paid_out: { count: 1, amount: PAID_OUT / 100 },
      drops: { count: 1, amount: DROP / 100 },
      no_sales: { count: 1 },
      expected_cash: EXPECTED / 100,
      counted_cash: null,
      variance: null,
    });
    // The pending paid-out is listed and moves nothing yet.
    expect(x.cash.pending).toEqual([expect.objectContaining({ id: s.pending, kind: "paid_out", amount: 80 })]);
    // Not closed: no Z yet.
    const z = await report(manager.token, s.shift, "z-report");
    expect(z.status).toBe(409);
    expect(((await z.json()) as { detail: string }).detail).toContain("x-report");
  });

  it("a cashier gets no X-report of their open shift (its figures add up to expected cash); other roles and stores see nothing", async ({
    expect,
  }) => {
    const { admin, cashier, inventory_officer } = await accounts();
    const s = await lived();
    const blind = await report(cashier.token, s.shift, "x-report");
    expect(blind.status).toBe(403);
    const refusal = await blind.text();
    expect(refusal).toContain("blind");
    expect(refusal).not.toContain(String(CASH_SALE.price));
    const other = await userAtStores(admin.token, "cashier2", { role: "cashier", homeStoreId: MAIN_STORE.id });
    expect((await report(other.token, s.shift, "x-report")).status).toBe(404);
    expect((await report(inventory_officer.token, s.shift, "x-report")).status).toBe(403);
    const eastManager = await userAtStores(admin.token, "eastmanager", {
      role: "manager",
      homeStoreId: SECOND_STORE.id,
    });
    expect((await report(eastManager.token, s.shift, "x-report")).status).toBe(404);
    expect((await report(admin.token, s.shift + 1000, "x-report")).status).toBe(404);
  });
});

describe("the close and the Z-report", () => {
  let closed: Promise<{ shift: number; cashier: Account }> | undefined;
  const closeOnce = () => {
    closed ??= (async () => {
      const { manager, cashier } = await accounts();
      const s = await lived();
      // The pending paid-out is rejected before the count (the close waits for it).
      await decideCashEvent(manager.token, s.shift, s.pending, "reject");
      await closeShift(cashier.token, s.shift, {
        counted_cash: COUNTED / 100,
        variance_reason: "coins miscounted",
        kept_in_drawer: KEPT / 100,
      });
      return { shift: s.shift, cashier };
    })();
    return closed;
  };

  it("Z-report: frozen expected, counted and variance, for the cashier too once closed; X is then a 409", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const { shift, cashier } = await closeOnce();
    for (const token of [manager.token, cashier.token]) {
      const z = await expectJson<Report>(report(token, shift, "z-report"), 200);
      expect(z.report).toBe("Z");
      expect(z.shift.status).toBe("closed");
      expect(z.shift.z_number).toBeGreaterThan(0);
      expect(z.cash).toMatchObject({
        expected_cash: EXPECTED / 100,
        counted_cash: COUNTED / 100,
        variance: (COUNTED - EXPECTED) / 100,
        pending: [],
        paid_out: { count: 1, amount: PAID_OUT / 100 },
      });
    }
    const x = await report(manager.token, shift, "x-report");
    expect(x.status).toBe(409);
    expect(((await x.json()) as { detail: string }).detail).toContain("z-report");
  });

  it("Z text: every line at most 42 characters, with the z number, expected, counted and variance", async ({
    expect,
  }) => {
    const { manager } = await accounts();
    const { shift } = await closeOnce();
    const z = await expectJson<Report>(report(manager.token, shift, "z-report"), 200);
    const res = await call("GET", `/api/v1/shifts/${shift}/z-report/text`, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/plain");
    const text = await res.text();
    const lines = text.split("\n");
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(42);
    expect(text).toContain(`Z-REPORT ${z.shift.z_number}`);
    expect(text).toContain("Amounts in USD");
    const line = (label: string) => lines.find((l) => l.startsWith(label)) ?? "";
    // Money is right-aligned: the amount ends the 42-column line.
    expect(line("Expected cash")).toMatch(new RegExp(`^Expected cash +${(EXPECTED / 100).toFixed(2)}$`));
    expect(line("Counted cash")).toMatch(new RegExp(`^Counted cash +${(COUNTED / 100).toFixed(2)}$`));
    expect(line("Variance")).toMatch(new RegExp(`^Variance +${((COUNTED - EXPECTED) / 100).toFixed(2)}$`));
    expect(line("Expected cash")).toHaveLength(42);
    expect(text).toContain("Variance reason: coins miscounted");
    expect(lines).toContain(`Kept in drawer${" ".repeat(42 - 14 - 5)}${(KEPT / 100).toFixed(2)}`);
  });

  it("Z PDF behind a signed link: the report's text, the same stored document twice, a changed link 403", async ({
    expect,
  }) => {
    const { manager, cashier } = await accounts();
    const { shift } = await closeOnce();
    const link = await expectJson<{ url: string; expires_at: string }>(
      call("GET", `/api/v1/shifts/${shift}/z-report/pdf`, { token: manager.token }),
      200,
    );
    expect(Date.parse(link.expires_at)).toBeGreaterThan(Date.now());
    const file = await call("GET", link.url.replace(BASE, ""));
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/pdf");
    const { text } = await pdfText(await file.arrayBuffer());
    const all = text.join("\n");
    const z = await expectJson<Report>(report(manager.token, shift, "z-report"), 200);
    expect(all).toContain(`Z-REPORT ${z.shift.z_number}`);
    expect(all).toContain("Counted cash");
    expect(all).toContain((COUNTED / 100).toFixed(2));
    expect(all).toContain(((COUNTED - EXPECTED) / 100).toFixed(2));
    // A closed shift's document is rendered once: the cashier's link names the same stored key.
    const again = await expectJson<{ url: string }>(
      call("GET", `/api/v1/shifts/${shift}/z-report/pdf`, { token: cashier.token }),
      200,
    );
    expect(new URL(again.url).pathname).toBe(new URL(link.url).pathname);
    const url = new URL(link.url);
    const stored = await env.FILES.list({ prefix: "z-reports/MAIN/" });
    expect(stored.objects.map((o) => `/files/${o.key}`)).toEqual([url.pathname]);
    // Tampering: another shift's key, or a changed signature.
    const otherKey = `${url.pathname.replace(`/${shift}-`, `/${shift + 1}-`)}${url.search}`;
    expect((await call("GET", otherKey)).status).toBe(403);
    const sig = url.searchParams.get("sig") ?? "";
    url.searchParams.set("sig", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    expect((await call("GET", `${url.pathname}${url.search}`)).status).toBe(403);
  });

  it("a tender that names the closed shift counts on the drawer's next shift, flagged on both reports", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const { shift, cashier } = await closeOnce();
    const s = await lived();
    const next = (await openShift(cashier.token, s.drawer, 50)).id;
    const product = await createProduct(admin.token, { price: 5, stock_quantity: 5 });
    const order = await sell(cashier.token, [{ product_id: product.id, quantity: 1 }]);
    // An offline till's sale from before the close, sent now with the shift it was rung on.
    const late = await pay(cashier.token, { order_id: order.id, payment_method: "cash", amount: 5, shift_id: shift });
    expect(late).toMatchObject({ shift_id: next, late_of_shift_id: shift });

    const z = await expectJson<Report>(report(manager.token, shift, "z-report"), 200);
    expect(z.late.counted_elsewhere).toEqual([
      expect.objectContaining({ counted_on_shift_id: next, amount: 5, note: `arrived late, counted on shift ${next}` }),
    ]);
    // The closed shift's figures do not move.
    expect(z.cash.expected_cash).toBe(EXPECTED / 100);
    expect(z.sales.count).toBe(2);
    const x = await expectJson<Report>(report(manager.token, next, "x-report"), 200);
    expect(x.late.adjustments).toEqual([
      expect.objectContaining({ from_shift_id: shift, amount: 5, note: `adjustment from shift ${shift}` }),
    ]);
    expect(x.cash.expected_cash).toBe(50 + 5);
    // The next shift opened with 50.00 where 40.00 was left: an opening variance of +10.00, apart from its own.
    expect(x.cash).toMatchObject({ expected_opening: KEPT / 100, opening_variance: 50 - KEPT / 100 });
    expect(x.sales).toMatchObject({ count: 1, amount: 5 });
    const text = await (await call("GET", `/api/v1/shifts/${shift}/z-report/text`, { token: manager.token })).text();
    // Notes wrap at 42 columns: read them as one run of words.
    expect(text.replace(/\s+/g, " ")).toContain(`arrived late, counted on shift ${next}`);
    // An ended shift still has an X-report (no more sales on it), not yet a Z.
    await endShift(cashier.token, next);
    expect(await expectJson<Report>(report(manager.token, next, "x-report"), 200)).toMatchObject({
      shift: { status: "ended" },
      cash: { expected_cash: 55 },
    });
    expect((await report(manager.token, next, "z-report")).status).toBe(409);
  });
});
