import { describe, it } from "vitest";
import { planSale, type SaleFacts, type SaleRequest, type SaleRules } from "../../src/domain/order-sale";

const products: SaleFacts["products"] = new Map([
  [1, { name: "Pen", sku: "PEN", price: 250, isActive: true, categoryId: 4, categoryName: "Office", costPrice: 90 }],
  [2, { name: "Ink", sku: "INK", price: 1_000, isActive: true }],
  [3, { name: "Quill", sku: "QUILL", price: 5_000, isActive: false }],
]);
const customer = { isActive: true, loyaltyPoints: 500 };
const cashier: SaleRules = {
  canOverridePrices: false,
  maxDiscountPercent: 20,
  loyalty: { pointsPerUnit: 1, pointValueCents: 1 },
};
const manager: SaleRules = { ...cashier, canOverridePrices: true };

const request = (over: Partial<SaleRequest> = {}): SaleRequest => {
  const lines = over.lines ?? [
    { product_id: 1, quantity: 2 },
    { product_id: 2, quantity: 1 },
  ];
  return { sent: lines, lines, tax: 0, discount: 0, redeemPoints: 0, ...over };
};

describe("planning a sale", () => {
  it("prices each line from the catalog and sums the order", ({ expect }) => {
    const result = planSale(request({ tax: 150 }), { products, customer: undefined }, cashier);
    expect(result).toEqual({
      ok: true,
      plan: {
        lines: [
          // What the catalog said is copied onto the line (a product with no category or cost: none, 0).
          {
            productId: 1,
            quantity: 2,
            unitPrice: 250,
            discount: 0,
            subtotal: 500,
            name: "Pen",
            sku: "PEN",
            categoryId: 4,
            categoryName: "Office",
            unitCost: 90,
          },
          {
            productId: 2,
            quantity: 1,
            unitPrice: 1_000,
            discount: 0,
            subtotal: 1_000,
            name: "Ink",
            sku: "INK",
            categoryId: null,
            categoryName: null,
            unitCost: 0,
          },
        ],
        subtotal: 1_500,
        tax: 150,
        discount: 0,
        total: 1_650,
        pointsRedeemed: 0,
        pointsDiscount: 0,
        pointsEarned: 0,
      },
    });
  });

  it("earns points only with a customer, and turns redeemed points into a discount kept apart", ({ expect }) => {
    const result = planSale(request({ customerId: 7, redeemPoints: 100 }), { products, customer }, cashier);
    expect(result).toMatchObject({
      ok: true,
      plan: { subtotal: 1_500, discount: 0, pointsRedeemed: 100, pointsDiscount: 100, total: 1_400, pointsEarned: 14 },
    });
  });

  it("refuses a unit price override without the right, and takes it with it", ({ expect }) => {
    const lines = [{ product_id: 1, quantity: 1, unit_price: 100 }];
    expect(planSale(request({ lines }), { products, customer: undefined }, cashier)).toEqual({
      ok: false,
      problem: { kind: "price_override" },
    });
    expect(planSale(request({ lines }), { products, customer: undefined }, manager)).toMatchObject({
      ok: true,
      plan: { total: 100 },
    });
  });

  it("names the line as sent for a product that is missing or not for sale", ({ expect }) => {
    const sent = [
      { product_id: 1, quantity: 1 },
      { product_id: 1, quantity: 1 },
      { product_id: 9, quantity: 1 },
    ];
    const merged = [
      { product_id: 1, quantity: 2 },
      { product_id: 9, quantity: 1 },
    ];
    expect(planSale(request({ sent, lines: merged }), { products, customer: undefined }, cashier)).toEqual({
      ok: false,
      problem: { kind: "unknown_product", index: 2, productId: 9 },
    });
    const inactive = [{ product_id: 3, quantity: 1 }];
    expect(planSale(request({ lines: inactive }), { products, customer: undefined }, cashier)).toEqual({
      ok: false,
      problem: { kind: "inactive_product", index: 0, productId: 3, name: "Quill" },
    });
  });

  it("refuses a customer that is missing or inactive, and redeeming without one or beyond their points", ({
    expect,
  }) => {
    const none = { products, customer: undefined };
    expect(planSale(request({ customerId: 7 }), none, cashier)).toMatchObject({
      problem: { kind: "unknown_customer", customerId: 7 },
    });
    expect(
      planSale(request({ customerId: 7 }), { products, customer: { ...customer, isActive: false } }, cashier),
    ).toMatchObject({ problem: { kind: "inactive_customer", customerId: 7 } });
    expect(planSale(request({ redeemPoints: 10 }), none, cashier)).toMatchObject({
      problem: { kind: "redeem_without_customer" },
    });
    expect(planSale(request({ customerId: 7, redeemPoints: 501 }), { products, customer }, cashier)).toEqual({
      ok: false,
      problem: { kind: "points_short", available: 500, requested: 501 },
    });
  });

  it("refuses a line discount above the line's value and an order discount above the subtotal", ({ expect }) => {
    const lines = [
      { product_id: 1, quantity: 1 },
      { product_id: 2, quantity: 1, discount: 1_001 },
    ];
    expect(planSale(request({ lines }), { products, customer: undefined }, manager)).toEqual({
      ok: false,
      problem: { kind: "line_discount", index: 1 },
    });
    expect(planSale(request({ discount: 1_501 }), { products, customer: undefined }, manager)).toEqual({
      ok: false,
      problem: { kind: "order_discount", redeeming: false },
    });
    expect(
      planSale(request({ customerId: 7, discount: 1_450, redeemPoints: 100 }), { products, customer }, manager),
    ).toEqual({ ok: false, problem: { kind: "order_discount", redeeming: true } });
  });

  it("counts line and order discounts together against the cashier's limit, not redeemed points", ({ expect }) => {
    const lines = [
      { product_id: 1, quantity: 2, discount: 100 },
      { product_id: 2, quantity: 1 },
    ];
    // Worth 15.00 before discounts: at most 3.00 off.
    expect(planSale(request({ lines, discount: 200 }), { products, customer: undefined }, cashier)).toMatchObject({
      ok: true,
    });
    expect(planSale(request({ lines, discount: 201 }), { products, customer: undefined }, cashier)).toEqual({
      ok: false,
      problem: { kind: "discount_cap", requested: 301, cap: 300, maxPercent: 20, gross: 1_500 },
    });
    const redeeming = request({ lines, discount: 200, customerId: 7, redeemPoints: 400 });
    expect(planSale(redeeming, { products, customer }, cashier)).toMatchObject({ ok: true, plan: { total: 800 } });
  });
});
