/**
 * The cashier's discount limit: without the right to override prices, line
 * and order discounts together may take off at most `maxPercent` of the
 * order's value before discounts (points redeemed are paid for with points and
 * do not count). Nothing here knows who the user is; the caller says whether
 * they may override.
 */
import { discountCap } from "./order-totals";

export interface DiscountRule {
  /** The user holds `prices:override` (no limit applies). */
  canOverride: boolean;
  /** CASHIER_MAX_DISCOUNT_PERCENT. */
  maxPercent: number;
}

/** Why a discount is refused: what was asked, the most allowed, and of what value. */
export interface DiscountRefusal {
  requested: number;
  cap: number;
  maxPercent: number;
  gross: number;
}

export type DiscountCheck = { ok: true } | { ok: false; refusal: DiscountRefusal };

/** Whether `discountCents` off goods worth `grossCents` (before any discount) is within the rule. */
export function checkDiscount(rule: DiscountRule, grossCents: number, discountCents: number): DiscountCheck {
  if (rule.canOverride) return { ok: true };
  const cap = discountCap(grossCents, rule.maxPercent);
  if (discountCents <= cap) return { ok: true };
  return { ok: false, refusal: { requested: discountCents, cap, maxPercent: rule.maxPercent, gross: grossCents } };
}
