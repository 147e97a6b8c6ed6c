/**
 * Manual stock movements (deliveries, counts, damage, returns): which way each
 * action moves stock, and what a movement must say to be one. Pure: the
 * service turns a problem into the client's 422.
 */

export const MANUAL_ACTIONS = ["stock_in", "stock_out", "adjustment", "damage", "return"] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

/**
 * The signed change of `quantity` units moved by `action`: stock_in and
 * return add, stock_out and damage remove (whatever sign the quantity was
 * sent with, as older clients send removals as positive amounts), an
 * adjustment moves by the quantity as given.
 */
export function movementDelta(action: ManualAction, quantity: number): number {
  if (action === "stock_out" || action === "damage") return -Math.abs(quantity);
  if (action === "stock_in" || action === "return") return Math.abs(quantity);
  return quantity;
}

/** A movement as asked: a change (`quantity`) or a count (`count`, the stock there should be), never both. */
export interface MovementRequest {
  action?: ManualAction | undefined;
  quantity?: number | undefined;
  count?: number | undefined;
}

export type MovementProblem =
  /** Neither a change nor a count, or both. */
  | { kind: "change_or_count" }
  /** A count sets the stock: only an adjustment does that. */
  | { kind: "count_not_adjustment"; action: ManualAction }
  /** The count is what the stock already is: nothing to move. */
  | { kind: "count_unchanged"; stock: number }
  | { kind: "zero_change" }
  /** An addition (stock_in, return) sent with a negative quantity. */
  | { kind: "negative_addition"; action: ManualAction };

export type MovementPlan = { ok: true; action: ManualAction; delta: number } | { ok: false; problem: MovementProblem };

/**
 * What a movement does to a product whose stock is `stock`: its action
 * (default: adjustment for a count, stock_in or stock_out by the change's
 * sign) and its signed change, or why it is not a movement.
 */
export function planMovement(request: MovementRequest, stock: number): MovementPlan {
  const hasChange = request.quantity !== undefined;
  if (hasChange === (request.count !== undefined)) return { ok: false, problem: { kind: "change_or_count" } };
  if (request.count !== undefined) {
    const action = request.action ?? "adjustment";
    if (action !== "adjustment") return { ok: false, problem: { kind: "count_not_adjustment", action } };
    const delta = request.count - stock;
    if (delta === 0) return { ok: false, problem: { kind: "count_unchanged", stock } };
    return { ok: true, action, delta };
  }
  const quantity = request.quantity ?? 0;
  const action = request.action ?? (quantity > 0 ? "stock_in" : "stock_out");
  if (quantity === 0) return { ok: false, problem: { kind: "zero_change" } };
  if ((action === "stock_in" || action === "return") && quantity < 0) {
    return { ok: false, problem: { kind: "negative_addition", action } };
  }
  return { ok: true, action, delta: movementDelta(action, quantity) };
}
