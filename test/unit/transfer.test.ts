import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLines,
  checkReceipt,
  inTransit,
  type LineState,
  MAX_TRANSFER_LINES,
  newTransferNumber,
  receiveStepKey,
  returnsOnCancel,
  sameLines,
  stepStockRef,
} from "../../src/domain/transfer";
import { TRANSFER_STEP_MS } from "../../src/services/transfers-protocol";
import { HOLD_MS } from "../../src/stock/product-stock";

const line = (productId: number, sent: number, received = 0, returned = 0): LineState => ({
  productId,
  productName: `P${productId}`,
  quantity: sent || 5,
  sent,
  received,
  returned,
});

describe("newTransferNumber", () => {
  it("reads TRF-<FROM>-<UTC date>-<8 hex>", () => {
    const number = newTransferNumber(
      new Date("2026-11-30T23:30:00-05:00"),
      "EAST",
      new Uint8Array([0x7f, 0x3a, 0x9c, 0x01]),
    );
    expect(number).toBe("TRF-EAST-20261201-7F3A9C01");
  });
});

describe("stepStockRef", () => {
  it("names the transfer, the step and the attempt", () => {
    const ref = stepStockRef({ transferId: 12, stepKey: "receive:abc", createdAt: "2026-11-30T10:00:00.000Z" });
    expect(ref).toBe(`TRF-12-receive:abc@${Date.parse("2026-11-30T10:00:00.000Z")}`);
    expect(stepStockRef({ transferId: 12, stepKey: "send", createdAt: "2026-11-30T10:00:00.001Z" })).not.toBe(
      stepStockRef({ transferId: 12, stepKey: "send", createdAt: "2026-11-30T10:00:00.002Z" }),
    );
    expect(receiveStepKey("k-1")).toBe("receive:k-1");
  });
});

describe("a step's deadline", () => {
  it("falls before the stock objects' holds expire, so their alarm reads the store's final answer", () => {
    expect(TRANSFER_STEP_MS).toBeLessThanOrEqual(HOLD_MS - 10_000);
  });
});

describe("checkLines", () => {
  it("wants 1 to 100 lines, each product once, positive integer quantities", () => {
    expect(checkLines([])).toEqual({ kind: "empty" });
    expect(checkLines([{ product_id: 1, quantity: 2 }])).toBeNull();
    expect(
      checkLines(Array.from({ length: MAX_TRANSFER_LINES + 1 }, (_, i) => ({ product_id: i + 1, quantity: 1 }))),
    ).toEqual({ kind: "too_many", count: 101 });
    expect(
      checkLines([
        { product_id: 1, quantity: 2 },
        { product_id: 1, quantity: 3 },
      ]),
    ).toEqual({ kind: "duplicate", index: 1, productId: 1 });
    expect(checkLines([{ product_id: 1, quantity: 0 }])).toEqual({ kind: "not_positive", index: 0 });
    expect(checkLines([{ product_id: 1, quantity: 1.5 }])).toEqual({ kind: "not_positive", index: 0 });
  });
});

describe("receipts and cancels", () => {
  it("takes at most what is in transit of a product on the transfer", () => {
    const lines = [line(1, 6, 2, 0), line(2, 3)];
    expect(checkReceipt(lines, [{ product_id: 1, quantity: 4 }])).toBeNull();
    expect(checkReceipt(lines, [{ product_id: 1, quantity: 5 }])).toEqual({
      kind: "more_than_in_transit",
      index: 0,
      productId: 1,
      productName: "P1",
      inTransit: 4,
    });
    expect(checkReceipt(lines, [{ product_id: 9, quantity: 1 }])).toEqual({
      kind: "not_on_transfer",
      index: 0,
      productId: 9,
    });
  });

  it("a cancel returns exactly what is in transit, and a receipt then a cancel account for every sent unit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sent: fc.integer({ min: 1, max: 50 }), take: fc.nat() }), { minLength: 1, maxLength: 10 }),
        (specs) => {
          const lines = specs.map((s, i) => line(i + 1, s.sent));
          const receipt = specs.map((s, i) => ({ product_id: i + 1, quantity: 1 + (s.take % s.sent) }));
          expect(checkReceipt(lines, receipt)).toBeNull();
          const after = lines.map((l, i) => ({ ...l, received: receipt[i]?.quantity ?? 0 }));
          const returns = returnsOnCancel(after);
          const settled = after.map((l) => ({
            ...l,
            returned: returns.find((r) => r.product_id === l.productId)?.quantity ?? 0,
          }));
          for (const l of settled) {
            expect(inTransit(l)).toBe(0);
            expect(l.received + l.returned).toBe(l.sent);
          }
          expect(returns.every((r) => r.quantity > 0)).toBe(true);
        },
      ),
    );
  });

  it("compares receipts whatever their order", () => {
    const a = [
      { product_id: 1, quantity: 2 },
      { product_id: 3, quantity: 1 },
    ];
    expect(sameLines(a, [...a].reverse())).toBe(true);
    expect(sameLines(a, [{ product_id: 1, quantity: 2 }])).toBe(false);
    expect(sameLines(a, [a[0] as never, { product_id: 3, quantity: 2 }])).toBe(false);
  });
});
