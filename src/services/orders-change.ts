/** Changing orders after the sale: editing a pending order, and cancelling it (stock goes back). */

import { orderReturnStatements } from "../db/stock";
import { pointsFor } from "../domain/loyalty";
import { parseMoney } from "../domain/money";
import { computeTotals } from "../domain/order-totals";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { isCheckViolation, isStatusTransitionRefusal } from "../lib/db-errors";
import { ApiError, invalidField } from "../lib/errors";
import { assertDiscountAllowed, type OrderDeps } from "./orders-create";
import { getOrderFor, loadOrder } from "./orders-read";
import type { OrderView, RawOrder } from "./orders-view";
import { type BatchOutcome, runBatch, withStockGate } from "./stock-protocol";

export interface OrderChange {
  customer_id?: number | null | undefined;
  notes?: string | null | undefined;
  tax?: number | undefined;
  discount?: number | undefined;
  status?: RawOrder["status"] | undefined;
}

const notPending = (order: RawOrder) =>
  new ApiError(
    "INVALID_STATE",
    order.status === "completed"
      ? "Order is completed; money and goods come back through refunds"
      : `Order is ${order.status}; only pending orders can be changed`,
    { extra: { status: order.status } },
  );

/** The edit's guard refused its batch: the order row no longer holds what the edit read. Nothing was written. */
class StaleEdit extends Error {}

/**
 * Edits customer, notes, tax and discount of a pending order (totals
 * recomputed). A `status` of "cancelled" cancels it (409 when it already is,
 * as `POST /orders/{id}/cancel` answers); other statuses change only through
 * payments and refunds.
 *
 * An edit reads the order, decides, then writes in one batch, and it writes
 * back every field it did not change as it read it. Another write landing in
 * between (a second edit, a payment, a refund) would be overwritten, so the
 * batch starts with a guard that aborts it when the row no longer holds what
 * was read (see `editOnce`). A refused edit is then run once more from a
 * fresh read, every check included: an edit carries absolute values for only
 * the fields the client sent, so re-applying it to the fresh row gives exactly
 * what it would have given arriving just after the other write. That keeps a
 * harmless overlap (a tax edit and a notes edit, a payment landing) from
 * bouncing the till. Only once, to bound the work: if the row changed again,
 * the answer is a 409 CONFLICT and nothing of this edit is written.
 */
export async function updateOrder(
  deps: OrderDeps,
  actor: AuthUser,
  id: number,
  change: OrderChange,
): Promise<OrderView> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await editOnce(deps, actor, id, change);
    } catch (error) {
      if (!(error instanceof StaleEdit)) throw error;
      if (attempt === 2) {
        throw new ApiError(
          "CONFLICT",
          "The order changed while it was being edited; reload it and send the edit again",
        );
      }
    }
  }
}

async function editOnce(deps: OrderDeps, actor: AuthUser, id: number, change: OrderChange): Promise<OrderView> {
  const { order, view } = await getOrderFor(deps.d1, actor, { id });
  const { status, ...fields } = change;
  // "cancelled" always goes to the cancel, which refuses an order that already is (409).
  if (status !== undefined && (status !== order.status || status === "cancelled")) {
    if (status === "cancelled") {
      if (!hasPermission(actor.role, "orders:manage"))
        throw new ApiError("FORBIDDEN", "Only a manager or admin may cancel orders");
      return cancelOrder(deps, actor, id);
    }
    throw new ApiError(
      "INVALID_STATE",
      status === "completed"
        ? "An order becomes completed when its payments cover the total"
        : "An order becomes refunded when all money taken is refunded",
    );
  }
  if (Object.values(fields).every((value) => value === undefined)) return view;
  if (order.status !== "pending") throw notPending(order);

  if (fields.customer_id !== undefined && fields.customer_id !== null) {
    const customer = await deps.d1
      .prepare("SELECT is_active FROM customers WHERE id = ?1")
      .bind(fields.customer_id)
      .first<{ is_active: number }>();
    if (!customer) throw invalidField(["body", "customer_id"], `Customer ${fields.customer_id} not found`);
    if (!customer.is_active) throw invalidField(["body", "customer_id"], `Customer ${fields.customer_id} is inactive`);
  }
  const tax = fields.tax ?? order.tax;
  const discount = fields.discount ?? order.discount;
  // Items are fixed after the sale: one line carrying the subtotal re-checks the discount rule.
  const priced = computeTotals(
    [{ productId: 0, quantity: 1, unitPrice: order.subtotal, discount: 0 }],
    tax,
    discount + order.points_discount,
  );
  if (!priced.ok) throw invalidField(["body", "discount"], "Order discount is larger than the subtotal");
  if (fields.discount !== undefined && fields.discount > order.discount) {
    // Raising the discount: line discounts (fixed at the sale) and the new order discount count together.
    const lineDiscounts = view.order_items.reduce((sum, item) => {
      const cents = parseMoney(item.discount);
      return sum + (cents.ok ? cents.cents : 0);
    }, 0);
    assertDiscountAllowed(deps, actor, order.subtotal + lineDiscounts, lineDiscounts + discount);
  }
  if (priced.totals.total < order.paid_amount) {
    throw new ApiError(
      "CONFLICT",
      `The new total would be below the ${view.payments_summary.paid_amount} already paid`,
    );
  }
  if (order.points_redeemed > 0 && fields.customer_id !== undefined && fields.customer_id !== order.customer_id) {
    throw new ApiError("CONFLICT", "Points were redeemed for this customer; cancel the order instead of moving it");
  }
  const customerId = fields.customer_id === undefined ? order.customer_id : fields.customer_id;
  const pointsEarned = customerId
    ? pointsFor(priced.totals.total, deps.loyalty ?? { pointsPerUnit: 1, pointValueCents: 1 })
    : 0;
  // The CHECK on paid_amount <= total also refuses a total cut below a payment racing this edit.
  // An edit that brings the total down to what has been paid (0 when nothing was)
  // completes the order in the same batch, as a covering payment would.
  const now = (deps.now ? deps.now() : new Date()).toISOString();
  const notes = fields.notes === undefined ? order.notes : fields.notes;
  const [, edited, completion] = await deps.d1
    .batch([
      // The guard: if any column this edit computed from or writes back no longer
      // holds what was read, setting the status to itself makes the status trigger
      // abort the whole batch (also when the order stopped being pending).
      deps.d1
        .prepare(
          `UPDATE orders SET status = status WHERE id = ?1 AND NOT (
             status = ?2 AND customer_id IS ?3 AND notes IS ?4 AND tax = ?5 AND discount = ?6
             AND subtotal = ?7 AND total = ?8 AND paid_amount = ?9 AND points_redeemed = ?10
             AND points_discount = ?11 AND points_earned = ?12)`,
        )
        .bind(
          id,
          order.status,
          order.customer_id,
          order.notes,
          order.tax,
          order.discount,
          order.subtotal,
          order.total,
          order.paid_amount,
          order.points_redeemed,
          order.points_discount,
          order.points_earned,
        ),
      deps.d1
        .prepare(
          `UPDATE orders SET customer_id = ?2, notes = ?3, tax = ?4, discount = ?5, total = ?6, points_earned = ?7, updated_at = ?8
           WHERE id = ?1 AND status = 'pending' RETURNING id`,
        )
        .bind(id, customerId, notes, tax, discount, priced.totals.total, pointsEarned, now),
      deps.d1
        .prepare(
          "UPDATE orders SET status = 'completed', completed_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'pending' AND paid_amount = total",
        )
        .bind(id, now),
    ])
    .catch((error: unknown) => {
      if (isStatusTransitionRefusal(error)) throw new StaleEdit();
      if (isCheckViolation(error, "orders_paid_within_total")) {
        throw new ApiError("CONFLICT", "The new total would be below what has been paid");
      }
      throw error;
    });
  if (!edited?.results[0]) throw new ApiError("INVALID_STATE", "Order stopped being pending while you edited it");
  if ((completion?.meta.changes ?? 0) > 0) deps.onCompleted?.(id);
  const reloaded = await loadOrder(deps.d1, { id });
  if (!reloaded) throw new ApiError("NOT_FOUND", "Order not found");
  return reloaded.view;
}

/**
 * Cancels a pending order, or a completed one that totals 0 and holds no
 * money (it completed when made and has nothing to refund): status, restocked
 * quantities and `return` log rows in one batch. The status trigger refuses a second cancellation, so
 * two cancels racing restore the stock once. What comes back is what is still
 * out (quantity − refunded_quantity), computed by the batch itself: units a
 * refund already restocked, or refunded as damaged, never come back again,
 * even when that refund commits between our read and our batch.
 */
export async function cancelOrder(deps: OrderDeps, actor: AuthUser, id: number): Promise<OrderView> {
  const { order, view } = await getOrderFor(deps.d1, actor, { id });
  // A zero-total order completed when it was made (it takes no payment), so it
  // is cancelled from completed: that is how goods sold at 0 come back.
  const completedAtZero = order.status === "completed" && order.total === 0 && order.paid_amount === 0;
  if (order.status !== "pending" && !completedAtZero) throw notPending(order);
  if (order.paid_amount > 0) {
    throw new ApiError("INVALID_STATE", "Order has payments; refund them before cancelling");
  }
  const d1 = deps.d1;
  const now = (deps.now ? deps.now() : new Date()).toISOString();
  const ref = `CAN-${order.order_number}-${crypto.randomUUID().slice(0, 8)}`;
  const statements: D1PreparedStatement[] = [
    // A payment that committed since the read above aborts the batch through the
    // status trigger: a cancelled order must not hold money.
    d1.prepare("UPDATE orders SET status = status WHERE id = ?1 AND paid_amount > 0").bind(id),
    d1.prepare("UPDATE orders SET status = 'cancelled', updated_at = ?2 WHERE id = ?1").bind(id, now),
  ];
  const returnsIndex = statements.length + 1;
  statements.push(
    ...orderReturnStatements(d1, id, {
      userId: actor.id,
      referenceNumber: order.order_number,
      notes: "Order cancelled",
      stockRef: ref,
      now,
    }),
  );
  const byProduct = (rows: { product_id: number; quantity_change: number }[]) =>
    new Map(rows.map((row) => [row.product_id, row.quantity_change]));
  const write = async (): Promise<BatchOutcome<Map<number, number>>> => {
    const outcome = await runBatch(
      d1,
      statements,
      ref,
      (results) =>
        byProduct((results[returnsIndex]?.results ?? []) as { product_id: number; quantity_change: number }[]),
      // Whether it landed: a cancel with nothing left out writes no log row.
      () => d1.prepare("SELECT 1 AS found FROM orders WHERE id = ?1 AND status = 'cancelled'").bind(id).first(),
    );
    if (outcome.kind === "refused" && isStatusTransitionRefusal(outcome.error)) {
      const current = await d1
        .prepare("SELECT status, paid_amount FROM orders WHERE id = ?1")
        .bind(id)
        .first<RawOrder>();
      const why =
        current?.status === "pending" && current.paid_amount > 0
          ? "Order has payments; refund them before cancelling"
          : "Order was already cancelled or completed";
      return { kind: "refused", error: new ApiError("INVALID_STATE", why) };
    }
    return outcome;
  };
  // The batch landed but its answer was lost: its log rows say what it put back.
  const recover = async () =>
    byProduct(
      (
        await d1
          .prepare("SELECT product_id, quantity_change FROM inventory_logs WHERE stock_ref = ?1")
          .bind(ref)
          .all<{ product_id: number; quantity_change: number }>()
      ).results,
    );
  if (order.points_redeemed > 0 && order.customer_id !== null) {
    statements.push(
      d1
        .prepare("UPDATE customers SET loyalty_points = loyalty_points + ?2, updated_at = ?3 WHERE id = ?1")
        .bind(order.customer_id, order.points_redeemed, now),
      d1
        .prepare(
          `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
           SELECT id, ?2, loyalty_points, 'Returned: ' || ?3 || ' cancelled', ?4, ?5, ?6 FROM customers WHERE id = ?1`,
        )
        .bind(order.customer_id, order.points_redeemed, order.order_number, actor.id, order.id, now),
    );
  }
  // Announced to the objects before the batch: at most what is out now (refunds
  // only ever grow refunded_quantity); each is committed with what the batch wrote.
  const outNow = new Map<number, number>();
  for (const item of view.order_items) {
    outNow.set(item.product_id, (outNow.get(item.product_id) ?? 0) + item.quantity - item.refunded_quantity);
  }
  const changes = [...outNow].filter(([, delta]) => delta > 0).map(([productId, delta]) => ({ productId, delta }));
  await withStockGate(deps, ref, changes, write, recover, (written) => written);
  const reloaded = await loadOrder(d1, { id });
  if (!reloaded) throw new ApiError("NOT_FOUND", "Order not found");
  return reloaded.view;
}
