import fc from "fast-check";
import { describe, it } from "vitest";
import { printedReport, renderShiftReportText, row, TILL_WIDTH, wrap } from "../../src/documents/z-report-text";
import type { ShiftReport } from "../../src/services/shift-reports";

const UTC = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "short", timeStyle: "short" });

function sample(overrides: { name?: string; drawer?: string; reason?: string; amount?: number } = {}): ShiftReport {
  const amount = overrides.amount ?? 1234.56;
  const late = {
    kind: "sale",
    payment_method: "cash",
    amount: 5,
    cash_delta: 5,
    payment_id: 11,
    refund_id: null,
    created_at: "2026-11-30T10:00:00.000Z",
  };
  return {
    report: "Z",
    generated_at: "2026-11-30T18:00:00.000Z",
    store: { id: 1, code: "MAIN", name: overrides.name ?? "Corner Shop", currency: "EUR", time_zone: "UTC" },
    shift: {
      id: 4294967297,
      status: "closed",
      drawer_id: 4294967297,
      drawer_name: overrides.drawer ?? "Till 1",
      cashier: { id: 3, username: "cashier1", full_name: "Casey Cashier" },
      opened_at: "2026-11-30T08:00:00.000Z",
      ended_at: null,
      closed_at: "2026-11-30T17:30:00.000Z",
      closed_by: { id: 2, username: "manager1", full_name: null },
      z_number: 17,
    },
    sales: {
      by_tender: [
        { payment_method: "cash", count: 3, amount },
        { payment_method: "mobile_payment", count: 1, amount: 9.99 },
      ],
      count: 4,
      amount: amount + 9.99,
    },
    refunds: { by_tender: [{ payment_method: "cash", count: 1, amount: 2.5 }], count: 1, amount: 2.5 },
    orders: { count: 4, subtotal: amount, discounts: 2, points_discounts: 0, tax: 3.36, total: amount + 1.36 },
    cash: {
      opening_float: 100,
      cash_sales: amount,
      tendered: amount + 7.5,
      change_given: 7.5,
      cash_refunds: 2.5,
      paid_in: { count: 1, amount: 20 },
      paid_out: { count: 1, amount: 15 },
      drops: { count: 2, amount: 500 },
      no_sales: { count: 1 },
      rejected_movements: 0,
      pending: [],
      expected_cash: 837.06,
      counted_cash: 836.06,
      variance: -1,
      variance_reason: overrides.reason ?? "coins miscounted",
      kept_in_drawer: 100,
      expected_opening: 100,
      opening_variance: 0,
    },
    late: {
      counted_elsewhere: [
        { ...late, event_id: 9, counted_on_shift_id: 4294967298, note: "arrived late, counted on shift 4294967298" },
      ],
      adjustments: [{ ...late, event_id: 8, from_shift_id: 4294967296, note: "adjustment from shift 4294967296" }],
    },
  };
}

const render = (r: ShiftReport) => renderShiftReportText(printedReport(r, UTC));

describe("Z-report text (42 columns)", () => {
  it("prints the header, z number, tenders and the drawer's count with money right-aligned", ({ expect }) => {
    const text = render(sample());
    const lines = text.split("\n");
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(TILL_WIDTH);
    expect(text).toContain("Z-REPORT 17");
    expect(text).toContain("Amounts in EUR");
    expect(lines).toContain(row("Closed by", "manager1"));
    expect(lines).toContain(row("cash (3)", "1234.56"));
    expect(lines).toContain(row("mobile payment (1)", "9.99"));
    expect(lines).toContain(`Expected cash${" ".repeat(42 - 13 - 6)}837.06`);
    expect(lines).toContain(`Counted cash${" ".repeat(42 - 12 - 6)}836.06`);
    expect(lines).toContain(`Variance${" ".repeat(42 - 8 - 5)}-1.00`);
    expect(lines).toContain(row("Opening variance", "0.00"));
    expect(text).toContain("Variance reason: coins miscounted");
    const words = text.replace(/\s+/g, " ");
    expect(words).toContain("arrived late, counted on shift 4294967298");
    expect(words).toContain("adjustment from shift 4294967296");
  });

  it("an X-report (a manager's, before the close) prints expected cash so far and no count or variance", ({
    expect,
  }) => {
    const r = sample();
    const soFar: ShiftReport = {
      ...r,
      report: "X",
      shift: { ...r.shift, status: "open", closed_at: null, z_number: null },
      cash: { ...r.cash, variance: null, counted_cash: null, variance_reason: null, kept_in_drawer: null },
    };
    const text = render(soFar);
    expect(text).toContain("X-REPORT (not closed)");
    expect(text).toMatch(/Expected cash +837\.06/);
    expect(text).not.toMatch(/Counted cash|\nVariance|836\.06/);
  });

  it("long names, reasons and large amounts (any characters, line breaks too) still fit every line", ({ expect }) => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80, unit: "binary" }),
        fc.string({ maxLength: 80, unit: "binary" }),
        fc.string({ maxLength: 300, unit: "binary" }),
        fc.integer({ min: 0, max: 9_999_999_999 }),
        (name, drawer, reason, cents) => {
          const text = render(sample({ name, drawer, reason, amount: cents / 100 }));
          for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(TILL_WIDTH);
        },
      ),
    );
  });

  it("row keeps the value whole and cuts the label; wrap splits words longer than a line", ({ expect }) => {
    const line = row("A drawer name far too long to fit beside its value", "99999999.99");
    expect(line).toHaveLength(42);
    expect(line.endsWith(" 99999999.99")).toBe(true);
    expect(line).toContain("…");
    expect(wrap("x".repeat(100))).toEqual(["x".repeat(42), "x".repeat(42), "x".repeat(16)]);
    expect(wrap("one two three", 7)).toEqual(["one two", "three"]);
  });
});
