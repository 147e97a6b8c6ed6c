import fc from "fast-check";
import { describe, it } from "vitest";
import { formatMoney } from "../../src/domain/money";
import { computeTotals, mergeLines, newOrderNumber } from "../../src/domain/order-totals";

/** An independent calculation in decimal strings and BigInt, sharing no code with the domain. */
function expectedTotal(lines: { unit: bigint; qty: bigint; discount: bigint }[], tax: bigint, discount: bigint) {
  const subtotal = lines.reduce((sum, l) => sum + l.unit * l.qty - l.discount, 0n);
  return { subtotal, total: subtotal + tax - discount };
}

const line = fc.record({
  productId: fc.integer({ min: 1, max: 1000 }),
  quantity: fc.integer({ min: 1, max: 10_000 }),
  unitPrice: fc.integer({ min: 0, max: 9_999_999 }),
  discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe("order totals (property)", () => {
  it("total = Σ lines + tax − discount in cents, never negative, matching an independent calculation", () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (raw, tax, orderShare) => {
          const lines = raw.map((l) => ({
            productId: l.productId,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            discount: Math.floor(l.unitPrice * l.quantity * l.discountShare),
          }));
          const gross = lines.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
          const discount = Math.floor(gross * orderShare);
          const result = computeTotals(lines, tax, discount);
          if (!result.ok) return false;
          const expected = expectedTotal(
            lines.map((l) => ({ unit: BigInt(l.unitPrice), qty: BigInt(l.quantity), discount: BigInt(l.discount) })),
            BigInt(tax),
            BigInt(discount),
          );
          return (
            BigInt(result.totals.subtotal) === expected.subtotal &&
            BigInt(result.totals.total) === expected.total &&
            result.totals.total >= 0 &&
            Number.isSafeInteger(result.totals.total)
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("refuses discounts larger than what they discount", ({ expect }) => {
    expect(computeTotals([{ productId: 1, quantity: 2, unitPrice: 100, discount: 201 }], 0, 0)).toMatchObject({
      ok: false,
      problem: { kind: "line_discount", index: 0 },
    });
    expect(computeTotals([{ productId: 1, quantity: 2, unitPrice: 100, discount: 0 }], 50, 201)).toMatchObject({
      ok: false,
      problem: { kind: "order_discount" },
    });
    const exact = computeTotals([{ productId: 1, quantity: 2, unitPrice: 100, discount: 200 }], 0, 0);
    expect(exact).toMatchObject({ ok: true, totals: { total: 0 } });
    expect(formatMoney(202598)).toBe("2025.98");
  });

  it("merges duplicate lines and refuses conflicting prices", ({ expect }) => {
    expect(
      mergeLines(
        [
          { product_id: 1, quantity: 2 },
          { product_id: 2, quantity: 1 },
          { product_id: 1, quantity: 3, discount: 50 },
        ],
        10_000,
      ),
    ).toEqual({
      ok: true,
      lines: [
        { product_id: 1, quantity: 5, discount: 50 },
        { product_id: 2, quantity: 1 },
      ],
    });
    expect(
      mergeLines(
        [
          { product_id: 1, quantity: 1, unit_price: 5 },
          { product_id: 1, quantity: 1 },
        ],
        10_000,
      ),
    ).toMatchObject({
      ok: false,
      reason: "conflicting_unit_price",
    });
    expect(newOrderNumber(new Date("2026-11-25T10:00:00Z"), "MAIN", new Uint8Array([0x7f, 0x3a, 0x9c, 0x21]))).toBe(
      "ORD-MAIN-20261125-7F3A9C21",
    );
  });
});
