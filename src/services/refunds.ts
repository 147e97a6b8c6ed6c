/**
 * Refunds: money back from one payment, optionally itemised, with the goods
 * back on the shelf through their stock objects. Caps hold in the batch:
 * `payments.refunded_amount <= amount` and `order_items.refunded_quantity <=
 * quantity` are CHECKs, so two racing refunds can never give back more than
 * was taken. Loyalty points earned by the refunded money are taken back, as
 * far as the customer still has them; the rest is recorded as unreversed.
 * What a refund reverses (points, spend) depends on the order's status as read
 * before the batch, so the batch refuses (409, nothing written) when a payment
 * completed the order, or anything else changed its status, meanwhile.
 */

import { claimKeyStatement as idempotencyInsert, isKeyCollision, LAST_INSERTED } from "../db/idempotency-keys";
import { stockStatements } from "../db/stock";
import { toDecimal } from "../domain/money";
import type { AuthUser } from "../lib/auth/current-user";
import { isCheckViolation, isStatusTransitionRefusal } from "../lib/db-errors";
import { ApiError, invalidField } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import type { OrderDeps } from "./orders-create";
import { loadOrder } from "./orders-read";
import { getPayment } from "./payments";
import { type RawRefund, type RawRefundItem, type RefundView, toRefundView } from "./payments-view";
import { type BatchOutcome, runBatch, type StockChange, withStockGate } from "./stock-protocol";

export interface RefundInput {
  amount?: number | undefined;
  reason: string;
  items?: { order_item_id: number; quantity: number; restock?: boolean | undefined }[] | undefined;
}

export type RefundResult = RefundView & { payment_status: string; order_status: string; refundable_amount: number };

export async function refundPayment(
  deps: OrderDeps,
  actor: AuthUser,
  paymentId: number,
  input: RefundInput,
  idem: IdempotencyContext | null,
): Promise<RefundResult> {
  const d1 = deps.d1;
  const payment = await getPayment(d1, paymentId);
  if (payment.status !== "completed" && payment.status !== "partially_refunded") {
    throw new ApiError("INVALID_STATE", `A ${payment.status} payment cannot be refunded`, {
      extra: { status: payment.status },
    });
  }
  const loaded = await loadOrder(d1, { id: payment.order_id });
  if (!loaded) throw new ApiError("NOT_FOUND", "Order not found");
  const { order } = loaded;
  const items = new Map(loaded.view.order_items.map((item) => [item.id, item]));
  const refundable = payment.amount - payment.refunded_amount;

  const lines = input.items ?? [];
  const seen = new Set<number>();
  let itemsValue = 0;
  for (const [index, line] of lines.entries()) {
    const item = items.get(line.order_item_id);
    if (!item)
      throw invalidField(
        ["body", "items", index, "order_item_id"],
        `Item ${line.order_item_id} is not part of this order`,
      );
    if (seen.has(line.order_item_id))
      throw invalidField(["body", "items", index, "order_item_id"], "Item listed twice");
    seen.add(line.order_item_id);
    const left = item.quantity - item.refunded_quantity;
    if (line.quantity > left) {
      throw invalidField(["body", "items", index, "quantity"], `Only ${left} of this item can still be refunded`);
    }
    // The line's value after its discount, pro rata.
    itemsValue += Math.round((Math.round(item.subtotal * 100) * line.quantity) / item.quantity);
  }
  const amount = input.amount ?? (lines.length ? Math.min(refundable, itemsValue) : refundable);
  if (amount <= 0) throw new ApiError("INVALID_STATE", "Nothing remains to be refunded on this payment");
  if (amount > refundable) {
    throw new ApiError("BAD_REQUEST", `Refund exceeds the refundable ${toDecimal(refundable).toFixed(2)}`, {
      extra: { refundable_amount: toDecimal(refundable) },
    });
  }

  const now = (deps.now ? deps.now() : new Date()).toISOString();
  const ref = `REF-${crypto.randomUUID()}`;

  const completed = order.status === "completed";
  const points =
    completed && order.customer_id !== null && order.total > 0
      ? Math.floor((order.points_earned * amount) / order.total)
      : 0;
  const statements: D1PreparedStatement[] = [
    d1
      .prepare(
        `INSERT INTO refunds (payment_id, order_id, amount, reason, user_id, stock_ref, points_reversed, points_unreversed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)`,
      )
      .bind(payment.id, order.id, amount, input.reason, actor.id, ref, now),
  ];
  if (idem) statements.push(idempotencyInsert(d1, idem, { type: "refund", ref: LAST_INSERTED }, now));
  statements.push(
    // The status this refund was planned on must still hold (the status trigger
    // refuses a same-status update): a payment that completed the order since
    // the read would otherwise leave its points and spend unreversed.
    d1.prepare("UPDATE orders SET status = status WHERE id = ?1 AND status != ?2").bind(order.id, order.status),
    d1
      .prepare(
        `UPDATE payments SET refunded_amount = refunded_amount + ?2,
           status = CASE WHEN refunded_amount + ?2 >= amount THEN 'refunded' ELSE 'partially_refunded' END, updated_at = ?3
         WHERE id = ?1`,
      )
      .bind(payment.id, amount, now),
    d1
      .prepare(
        "UPDATE orders SET paid_amount = paid_amount - ?2, refunded_amount = refunded_amount + ?2, updated_at = ?3 WHERE id = ?1",
      )
      .bind(order.id, amount, now),
    // All money taken has come back: the order is refunded (trigger-checked transition).
    d1
      .prepare(
        "UPDATE orders SET status = 'refunded', updated_at = ?2 WHERE id = ?1 AND status = 'completed' AND paid_amount = 0",
      )
      .bind(order.id, now),
  );
  for (const line of lines) {
    const item = items.get(line.order_item_id);
    if (!item) continue;
    statements.push(
      d1
        .prepare("UPDATE order_items SET refunded_quantity = refunded_quantity + ?2 WHERE id = ?1")
        .bind(item.id, line.quantity),
      d1
        .prepare(
          "INSERT INTO refund_items (refund_id, order_item_id, product_id, quantity, restock) SELECT id, ?2, ?3, ?4, ?5 FROM refunds WHERE stock_ref = ?1",
        )
        .bind(ref, item.id, item.product_id, line.quantity, line.restock ? 1 : 0),
    );
  }
  const restock: StockChange[] = lines
    .filter((line) => line.restock)
    .map((line) => ({ productId: items.get(line.order_item_id)?.product_id ?? 0, delta: line.quantity }));
  if (restock.length) {
    statements.push(
      ...stockStatements(d1, restock, {
        userId: actor.id,
        action: "return",
        referenceNumber: order.order_number,
        notes: `Refund: ${input.reason}`.slice(0, 500),
        stockRef: ref,
        now,
      }),
    );
  }
  if (completed && order.customer_id !== null) {
    if (points > 0) {
      // Ledger first: it reads the balance before the update takes what it can.
      statements.push(
        d1
          .prepare(
            `UPDATE refunds SET points_reversed = MIN(?2, (SELECT loyalty_points FROM customers WHERE id = ?3)),
               points_unreversed = ?2 - MIN(?2, (SELECT loyalty_points FROM customers WHERE id = ?3))
             WHERE stock_ref = ?1`,
          )
          .bind(ref, points, order.customer_id),
        d1
          .prepare(
            `INSERT INTO loyalty_ledger (customer_id, delta, balance_after, reason, user_id, order_id, created_at)
             SELECT id, -MIN(loyalty_points, ?2), loyalty_points - MIN(loyalty_points, ?2), 'Reversed: refund on ' || ?3, ?4, ?5, ?6
             FROM customers WHERE id = ?1 AND MIN(loyalty_points, ?2) > 0`,
          )
          .bind(order.customer_id, points, order.order_number, actor.id, order.id, now),
        d1
          .prepare(
            "UPDATE customers SET loyalty_points = loyalty_points - MIN(loyalty_points, ?2), updated_at = ?3 WHERE id = ?1",
          )
          .bind(order.customer_id, points, now),
      );
    }
    statements.push(
      d1
        .prepare("UPDATE customers SET total_spent = MAX(0, total_spent - ?2) WHERE id = ?1")
        .bind(order.customer_id, amount),
    );
  }
  statements.push(
    d1.prepare("SELECT * FROM refunds WHERE stock_ref = ?1").bind(ref),
    d1
      .prepare("SELECT * FROM refund_items WHERE refund_id = (SELECT id FROM refunds WHERE stock_ref = ?1) ORDER BY id")
      .bind(ref),
    d1.prepare("SELECT status, amount, refunded_amount FROM payments WHERE id = ?1").bind(payment.id),
    d1.prepare("SELECT status FROM orders WHERE id = ?1").bind(order.id),
  );

  const render = (results: D1Result[]): RefundResult => {
    const n = results.length;
    const refund = results[n - 4]?.results[0] as RawRefund;
    const refundItems = (results[n - 3]?.results ?? []) as RawRefundItem[];
    const pay = results[n - 2]?.results[0] as { status: string; amount: number; refunded_amount: number };
    const ord = results[n - 1]?.results[0] as { status: string };
    return {
      ...toRefundView(refund, refundItems),
      payment_status: pay.status,
      order_status: ord.status,
      refundable_amount: toDecimal(pay.amount - pay.refunded_amount),
    };
  };
  const write = async (): Promise<BatchOutcome<RefundResult>> => {
    const probe = () => d1.prepare("SELECT 1 AS found FROM refunds WHERE stock_ref = ?1").bind(ref).first();

    const outcome = await runBatch(d1, statements, ref, render, probe);

    if (outcome.kind !== "refused") return outcome;
    if (idem && isKeyCollision(outcome.error)) return { kind: "refused", error: new KeyCollision() };
    if (isCheckViolation(outcome.error, "payments_refunds_within_amount")) {
      const now = await getPayment(d1, payment.id);
      return {
        kind: "refused",
        error: new ApiError(
          "BAD_REQUEST",
          `Refund exceeds the refundable ${toDecimal(now.amount - now.refunded_amount).toFixed(2)}`,
          {
            extra: { refundable_amount: toDecimal(now.amount - now.refunded_amount) },
          },
        ),
      };
    }
    if (isCheckViolation(outcome.error, "order_items_refunded_within_quantity")) {
      return { kind: "refused", error: new ApiError("CONFLICT", "Those items were refunded meanwhile") };
    }
    if (isStatusTransitionRefusal(outcome.error)) {
      const current = await d1
        .prepare("SELECT status FROM orders WHERE id = ?1")
        .bind(order.id)
        .first<{ status: string }>();
      return {
        kind: "refused",
        error: new ApiError(
          "CONFLICT",
          `Order ${order.order_number} went from ${order.status} to ${current?.status ?? "unknown"} while this refund was being made; nothing was refunded: send it again`,
          { extra: { order_status: current?.status ?? null } },
        ),
      };
    }
    return outcome;
  };
  const recover = async () => {
    const refund = await d1.prepare("SELECT id FROM refunds WHERE stock_ref = ?1").bind(ref).first<{ id: number }>();
    if (!refund) throw new ApiError("SERVICE_UNAVAILABLE", "Refund state unknown; retry with the same Idempotency-Key");
    return refundResult(d1, refund.id);
  };
  if (!restock.length) {
    const outcome = await write();
    if (outcome.kind === "committed") return outcome.value;
    if (outcome.kind === "written") return recover();
    if (outcome.kind === "unknown")
      throw new ApiError("SERVICE_UNAVAILABLE", "Refund state unknown; retry with the same Idempotency-Key");
    throw outcome.error;
  }
  return withStockGate(deps, ref, restock, write, recover);
}

/** Re-reads a refund with its payment and order states (for replays). */
export async function refundResult(d1: D1Database, refundId: number): Promise<RefundResult> {
  const [refunds, items] = await d1.batch([
    d1.prepare("SELECT * FROM refunds WHERE id = ?1").bind(refundId),
    d1.prepare("SELECT * FROM refund_items WHERE refund_id = ?1 ORDER BY id").bind(refundId),
  ]);
  const refund = refunds?.results[0] as RawRefund;
  const [pay, ord] = await d1.batch([
    d1.prepare("SELECT status, amount, refunded_amount FROM payments WHERE id = ?1").bind(refund.payment_id),
    d1.prepare("SELECT status FROM orders WHERE id = ?1").bind(refund.order_id),
  ]);
  const payment = pay?.results[0] as { status: string; amount: number; refunded_amount: number };
  return {
    ...toRefundView(refund, (items?.results ?? []) as RawRefundItem[]),
    payment_status: payment.status,
    order_status: (ord?.results[0] as { status: string } | undefined)?.status ?? "unknown",

    refundable_amount: toDecimal(payment.amount - payment.refunded_amount),
  };
}
