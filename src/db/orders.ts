/**
 * The orders aggregate's SQL (orders, order_items). Statements that other
 * protocols run on an order in their own batches (payments, refunds) live
 * here too, so the order's rules are written once.
 */
import { returningRow, type Statement, statement } from "./batch";
import { orders } from "./schema";

/**
 * A guard on an order: fails the whole batch when `failWhen` (SQL over the
 * order's row; parameters from ?2 on) holds as the batch runs. It works
 * through the order status trigger (migration 0005), which refuses setting a
 * status to itself: the UPDATE touches the row only when `failWhen` is true.
 * Use it with `batch.guard(name, …)`; a refusal is `isStatusTransitionRefusal`.
 */
export const orderGuard = (d1: D1Database, orderId: number, failWhen: string, ...params: unknown[]) =>
  d1.prepare(`UPDATE orders SET status = status WHERE id = ?1 AND (${failWhen})`).bind(orderId, ...params);

/**
 * Completes a pending order that is paid in full, in the batch that paid it:
 * whichever payment covers the total completes it, once (the completion
 * trigger of migration 0007 then applies its effects). RETURNING the row, or
 * nothing when the order is not (yet) covered.
 */
export const completeIfPaid = (d1: D1Database, by: { id: number } | { number: string }, now: string) =>
  returningRow(
    orders,
    d1
      .prepare(
        `UPDATE orders SET status = 'completed', completed_at = ?2, updated_at = ?2
         WHERE ${"id" in by ? "id" : "order_number"} = ?1 AND status = 'pending' AND paid_amount = total RETURNING *`,
      )
      .bind("id" in by ? by.id : by.number, now),
  );

/** Adds `amount` to what was paid on the order (the CHECK `orders_paid_within_total` refuses overpaying). */
export const addPaid = (d1: D1Database, orderId: number, amount: number, now: string): Statement<D1Result> =>
  statement(
    d1
      .prepare("UPDATE orders SET paid_amount = paid_amount + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(orderId, amount, now),
  );
