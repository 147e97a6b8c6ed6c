import fc from "fast-check";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct, type ProductOut } from "../helpers/catalog";

/** Cents from the API's decimal, via its text, so no float arithmetic is involved. */
const cents = (value: number) => {
  const [whole = "0", fraction = ""] = String(value).split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
};

describe("order totals through the API (property)", () => {
  it("the server's total matches an independent calculation for random carts", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const prices = [0.01, 0.1, 0.29, 1.99, 9.95, 19.99, 99.99, 333.33, 999.99, 1234.56];
    const products: ProductOut[] = [];
    for (const price of prices) products.push(await createProduct(admin.token, { price, stock_quantity: 1_000_000 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            index: fc.integer({ min: 0, max: prices.length - 1 }),
            quantity: fc.integer({ min: 1, max: 50 }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 0, max: 5000 }),
        async (picked, taxCents) => {
          const lines = new Map<number, number>();
          for (const p of picked) lines.set(p.index, (lines.get(p.index) ?? 0) + p.quantity);
          const body = {
            order_items: [...lines].map(([index, quantity]) => ({ product_id: products[index]?.id, quantity })),
            tax: (taxCents / 100).toFixed(2),
          };
          const created = await expectJson<{ subtotal: number; total: number }>(
            call("POST", "/api/v1/orders", { token: manager.token, body }),
            201,
          );
          const expected = [...lines].reduce((sum, [index, quantity]) => sum + cents(prices[index] ?? 0) * quantity, 0);
          expect(cents(created.subtotal)).toBe(expected);
          expect(cents(created.total)).toBe(expected + taxCents);
          expect(created.total).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
