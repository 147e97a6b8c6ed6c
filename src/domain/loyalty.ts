/** Loyalty points: what a sale earns. (Redeeming is priced by `pointValueCents` in the order's totals.) */

export interface LoyaltyRates {
  /** Points per currency unit (may be fractional: 0.5 = one point per two units). */
  pointsPerUnit: number;
  /** Cents one point is worth when redeemed. */
  pointValueCents: number;
}

/** Points an order of `totalCents` earns (rounded down). */
export const pointsFor = (totalCents: number, rates: Pick<LoyaltyRates, "pointsPerUnit">) =>
  Math.floor((totalCents * rates.pointsPerUnit) / 100);
