/**
 * Re-totalling an edited order. Items are fixed after the sale, so an edit
 * changes only who the customer is, the tax and the order discount; the
 * total follows from the subtotal as the sale computed it, and the rules the
 * sale checked are checked again.
 */
import { type LoyaltyRates, pointsFor } from "./loyalty";
import { checkDiscount, type DiscountRefusal } from "./order-discount";
import { computeTotals } from "./order-totals";

/** What the edit reads of the order (cents). */
export interface EditedOrder {
  customerId: number | null;
  subtotal: number;
  tax: number;
  discount: number;
  pointsRedeemed: number;
  pointsDiscount: number;
  paidAmount: number;
}

/** The fields the client sent (absent ones keep their value). */
export interface EditRequest {
  customerId?: number | null | undefined;
  tax?: number | undefined;
  discount?: number | undefined;
}

export interface EditRules {
  canOverridePrices: boolean;
  maxDiscountPercent: number;
  loyalty: Pick<LoyaltyRates, "pointsPerUnit">;
}

export type EditProblem =
  | { kind: "order_discount" }
  | ({ kind: "discount_cap" } & DiscountRefusal)
  | { kind: "below_paid"; paid: number }
  /** Points were redeemed for the order's customer: moving it would move them. */
  | { kind: "moves_redeemed_points" };

export interface EditPlan {
  customerId: number | null;
  tax: number;
  discount: number;
  total: number;
  pointsEarned: number;
}

export type EditResult = { ok: true; plan: EditPlan } | { ok: false; problem: EditProblem };

/**
 * `lineDiscounts` is the sum of the items' discounts (fixed at the sale):
 * raising the order discount counts them with it against the cashier's limit.
 */
export function planEdit(order: EditedOrder, edit: EditRequest, lineDiscounts: number, rules: EditRules): EditResult {
  const tax = edit.tax ?? order.tax;
  const discount = edit.discount ?? order.discount;
  // One line carrying the subtotal re-checks the discount against it.
  const priced = computeTotals(
    [{ productId: 0, quantity: 1, unitPrice: order.subtotal, discount: 0 }],
    tax,
    discount + order.pointsDiscount,
  );
  if (!priced.ok) return { ok: false, problem: { kind: "order_discount" } };
  if (edit.discount !== undefined && edit.discount > order.discount) {
    const rule = { canOverride: rules.canOverridePrices, maxPercent: rules.maxDiscountPercent };
    const allowed = checkDiscount(rule, order.subtotal + lineDiscounts, lineDiscounts + discount);
    if (!allowed.ok) return { ok: false, problem: { kind: "discount_cap", ...allowed.refusal } };
  }
  const total = priced.totals.total;
  if (total < order.paidAmount) return { ok: false, problem: { kind: "below_paid", paid: order.paidAmount } };
  if (order.pointsRedeemed > 0 && edit.customerId !== undefined && edit.customerId !== order.customerId) {
    return { ok: false, problem: { kind: "moves_redeemed_points" } };
  }
  const customerId = edit.customerId === undefined ? order.customerId : edit.customerId;
  return {
    ok: true,
    plan: { customerId, tax, discount, total, pointsEarned: customerId ? pointsFor(total, rules.loyalty) : 0 },
  };
}
