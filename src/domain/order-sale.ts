/**
 * A sale, decided before anything is written: which lines are sold at what
 * price, what the customer redeems and earns, and whether the cashier may
 * give the discounts asked for. It reads only facts already loaded (the
 * cart's products, the customer) and answers with a plan or the first problem
 * found, in the order a till should hear about them.
 */
import { type LoyaltyRates, pointsFor } from "./loyalty";
import { checkDiscount, type DiscountRefusal, type DiscountRule } from "./order-discount";
import { computeTotals, type PricedLine, type RequestedLine } from "./order-totals";

export interface SaleRequest {
  /** The lines as sent (problems name them by their index here). */
  sent: RequestedLine[];
  /** The same lines merged per product (`mergeLines`), in order of first appearance. */
  lines: RequestedLine[];
  customerId?: number | null | undefined;
  tax: number;
  /** The manual order discount, in cents. */
  discount: number;
  redeemPoints: number;
}

export interface SaleFacts {
  /** `price` is the selling store's (its override, else the catalog's); the rest is copied onto the lines. */
  products: ReadonlyMap<number, SaleProductFacts>;
  /** The customer the sale names, when it names one that exists. */
  customer: { isActive: boolean; loyaltyPoints: number } | undefined;
}

export interface SaleProductFacts {
  name: string;
  sku: string;
  price: number;
  isActive: boolean;
  /** Copied onto the line so the store's reports need no catalog (defaults: none, 0). */
  categoryId?: number | null;
  categoryName?: string | null;
  costPrice?: number;
}

export interface SaleRules {
  /** The user holds `prices:override`: unit prices and any discount. */
  canOverridePrices: boolean;
  maxDiscountPercent: number;
  loyalty: LoyaltyRates;
}

export type SaleProblem =
  | { kind: "price_override" }
  | { kind: "unknown_product"; index: number; productId: number }
  | { kind: "inactive_product"; index: number; productId: number; name: string }
  | { kind: "unknown_customer"; customerId: number }
  | { kind: "inactive_customer"; customerId: number }
  | { kind: "redeem_without_customer" }
  | { kind: "points_short"; available: number; requested: number }
  /** `index` is the merged line's. */
  | { kind: "line_discount"; index: number }
  | { kind: "order_discount"; redeeming: boolean }
  | ({ kind: "discount_cap" } & DiscountRefusal);

/** A priced line with what the catalog said of its product at sale time. */
export interface SaleLine extends PricedLine {
  name: string;
  sku: string;
  categoryId: number | null;
  categoryName: string | null;
  unitCost: number;
}

export interface SalePlan {
  lines: SaleLine[];
  subtotal: number;
  tax: number;
  /** The manual discount (the points' discount is apart). */
  discount: number;
  total: number;
  pointsRedeemed: number;
  pointsDiscount: number;
  pointsEarned: number;
}

export type SaleResult = { ok: true; plan: SalePlan } | { ok: false; problem: SaleProblem };

const refuse = (problem: SaleProblem): SaleResult => ({ ok: false, problem });

export function planSale(request: SaleRequest, facts: SaleFacts, rules: SaleRules): SaleResult {
  const problem = checkCart(request, facts, rules) ?? checkCustomer(request, facts);
  if (problem) return refuse(problem);
  const pointsDiscount = request.redeemPoints * rules.loyalty.pointValueCents;
  const cart = request.lines.map((line) => {
    const product = facts.products.get(line.product_id);
    return {
      productId: line.product_id,
      quantity: line.quantity,
      unitPrice: line.unit_price ?? product?.price ?? 0,
      discount: line.discount ?? 0,
    };
  });
  const priced = computeTotals(cart, request.tax, request.discount + pointsDiscount);
  if (!priced.ok) {
    if (priced.problem.kind === "line_discount") return refuse({ kind: "line_discount", index: priced.problem.index });
    return refuse({ kind: "order_discount", redeeming: request.redeemPoints > 0 });
  }
  const { totals } = priced;
  const lineDiscounts = totals.lines.reduce((sum, line) => sum + line.discount, 0);
  const rule: DiscountRule = { canOverride: rules.canOverridePrices, maxPercent: rules.maxDiscountPercent };
  const allowed = checkDiscount(rule, totals.subtotal + lineDiscounts, lineDiscounts + request.discount);
  if (!allowed.ok) return refuse({ kind: "discount_cap", ...allowed.refusal });
  return {
    ok: true,
    plan: {
      lines: totals.lines.map((line) => {
        const product = facts.products.get(line.productId);
        return {
          ...line,
          name: product?.name ?? "",
          sku: product?.sku ?? "",
          categoryId: product?.categoryId ?? null,
          categoryName: product?.categoryName ?? null,
          unitCost: product?.costPrice ?? 0,
        };
      }),
      subtotal: totals.subtotal,
      tax: totals.tax,
      discount: request.discount,
      total: totals.total,
      pointsRedeemed: request.redeemPoints,
      pointsDiscount,
      pointsEarned: facts.customer ? pointsFor(totals.total, rules.loyalty) : 0,
    },
  };
}

/** Price overrides need the right; every product sent must exist and be for sale. */
function checkCart(request: SaleRequest, facts: SaleFacts, rules: SaleRules): SaleProblem | undefined {
  if (request.lines.some((line) => line.unit_price !== undefined) && !rules.canOverridePrices) {
    return { kind: "price_override" };
  }
  for (const [index, line] of request.sent.entries()) {
    const product = facts.products.get(line.product_id);
    if (!product) return { kind: "unknown_product", index, productId: line.product_id };
    if (!product.isActive) return { kind: "inactive_product", index, productId: line.product_id, name: product.name };
  }
  return undefined;
}

/** A named customer must exist and be active; redeeming needs one with the points. */
function checkCustomer(request: SaleRequest, facts: SaleFacts): SaleProblem | undefined {
  const { customerId, redeemPoints } = request;
  if (customerId !== undefined && customerId !== null) {
    if (!facts.customer) return { kind: "unknown_customer", customerId };
    if (!facts.customer.isActive) return { kind: "inactive_customer", customerId };
  }
  if (redeemPoints > 0) {
    if (!facts.customer) return { kind: "redeem_without_customer" };
    if (redeemPoints > facts.customer.loyaltyPoints) {
      return { kind: "points_short", available: facts.customer.loyaltyPoints, requested: redeemPoints };
    }
  }
  return undefined;
}
