/**
 * What a client hears when an order rule says no: the domain's results mapped
 * to API errors, with the request paths (`["body", "order_items", i]`) only
 * the service knows.
 */
import type { Order } from "../db/orders";
import { toDecimal } from "../domain/money";
import type { DiscountRefusal } from "../domain/order-discount";
import type { EditProblem } from "../domain/order-edit";
import type { SaleProblem } from "../domain/order-sale";
import type { MergeResult } from "../domain/order-totals";
import { ApiError, invalidField } from "../lib/errors";

/** 403: the discounts exceed what the user may give without a manager. */
export const discountRefused = (r: DiscountRefusal) =>
  new ApiError(
    "FORBIDDEN",
    `Discounts of ${toDecimal(r.requested).toFixed(2)} exceed ${r.maxPercent}% of the order's ${toDecimal(r.gross).toFixed(2)} before discounts; at most ${toDecimal(r.cap).toFixed(2)} without a manager (prices:override)`,
    {
      extra: {
        max_discount: toDecimal(r.cap),
        max_discount_percent: r.maxPercent,
        requested_discount: toDecimal(r.requested),
      },
    },
  );

/** 422: the cart's lines cannot be merged per product. */
export const cartRefused = (merge: Extract<MergeResult, { ok: false }>, maxQuantity: number) =>
  invalidField(
    ["body", "order_items"],
    merge.reason === "conflicting_unit_price"
      ? `Lines for product ${merge.productId} name different unit prices`
      : `Quantity for product ${merge.productId} exceeds ${maxQuantity}`,
  );

export function saleRefused(problem: SaleProblem): ApiError {
  switch (problem.kind) {
    case "price_override":
      return new ApiError("FORBIDDEN", "Only a manager or admin may override a unit price");
    case "unknown_product":
      return invalidField(
        ["body", "order_items", problem.index, "product_id"],
        `Product ${problem.productId} not found`,
      );
    case "inactive_product":
      return invalidField(
        ["body", "order_items", problem.index, "product_id"],
        `Product ${problem.productId} (${problem.name}) is not for sale`,
      );
    case "unknown_customer":
      return invalidField(["body", "customer_id"], `Customer ${problem.customerId} not found`);
    case "inactive_customer":
      return invalidField(["body", "customer_id"], `Customer ${problem.customerId} is inactive`);
    case "redeem_without_customer":
      return invalidField(["body", "redeem_points"], "Redeeming points needs a customer_id");
    case "points_short":
      return new ApiError("CONFLICT", `Customer has ${problem.available} points; cannot redeem ${problem.requested}`, {
        extra: { available_points: problem.available },
      });
    case "line_discount":
      return invalidField(
        ["body", "order_items", problem.index, "discount"],
        "Line discount is larger than the line's value",
      );
    case "order_discount":
      return problem.redeeming
        ? invalidField(["body", "redeem_points"], "Discount plus redeemed points exceed the subtotal")
        : invalidField(["body", "discount"], "Order discount is larger than the subtotal");
    case "discount_cap":
      return discountRefused(problem);
  }
}

export function editRefused(problem: EditProblem): ApiError {
  switch (problem.kind) {
    case "order_discount":
      return invalidField(["body", "discount"], "Order discount is larger than the subtotal");
    case "discount_cap":
      return discountRefused(problem);
    case "below_paid":
      return new ApiError("CONFLICT", `The new total would be below the ${toDecimal(problem.paid)} already paid`);
    case "moves_redeemed_points":
      return new ApiError("CONFLICT", "Points were redeemed for this customer; cancel the order instead of moving it");
  }
}

/** 409 INVALID_STATE: the order is past changing (or cancelling). */
export const notPending = (order: Pick<Order, "status">) =>
  new ApiError(
    "INVALID_STATE",
    order.status === "completed"
      ? "Order is completed; money and goods come back through refunds"
      : `Order is ${order.status}; only pending orders can be changed`,
    { extra: { status: order.status } },
  );
