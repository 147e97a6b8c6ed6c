/**
 * Taking money: payments against an order, split tender, cash change, and
 * the order's completion in the same batch as the payment that covers it.
 * The rules that must hold under races live in the batch itself:
 * - `orders.paid_amount <= total` (CHECK): racing payments cannot overpay;
 * - the order completes by a conditional UPDATE that runs after the paid
 *   amount moved, so whichever payment covers the total completes it, once;
 * - the status trigger refuses paying a cancelled or refunded order;
 * - cash that settles the balance with change was worked out from the balance
 *   read before the batch, so the batch refuses (409, nothing written) when an
 *   edit or refund moved that balance meanwhile: the change handed back is
 *   never computed from a stale figure.
 */

import { claimKeyStatement as idempotencyInsert, isKeyCollision, LAST_INSERTED } from "../db/idempotency-keys";
import type { PAYMENT_METHODS } from "../db/schema";
import { toDecimal } from "../domain/money";
import { canSeeOrder } from "../domain/order-access";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { isCheckViolation, isStatusTransitionRefusal, uniqueViolation } from "../lib/db-errors";
import { ApiError, notFound } from "../lib/errors";
import { type IdempotencyContext, KeyCollision } from "../lib/idempotency";
import { readPage, Where } from "../lib/sql-page";

import { type PaymentView, type RawPayment, toPaymentView } from "./payments-view";

export interface PaymentInput {
  order_id: number;
  payment_method: (typeof PAYMENT_METHODS)[number];
  amount: number;
  amount_tendered?: number | undefined;
  status?: "completed" | "pending" | undefined;
  transaction_id?: string | null | undefined;
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
}

interface OrderMoney {
  id: number;
  order_number: string;
  status: string;
  total: number;
  paid_amount: number;
  user_id: number;
}

export type PaymentResult = PaymentView & { order_status: string; remaining_amount: number };

const loadOrderMoney = (d1: D1Database, orderId: number) =>
  d1
    .prepare("SELECT id, order_number, status, total, paid_amount, user_id FROM orders WHERE id = ?1")
    .bind(orderId)
    .first<OrderMoney>();

function assertPayable(order: OrderMoney) {
  if (order.status === "pending") return;
  const why =
    order.status === "completed"
      ? "is already fully paid"
      : order.status === "cancelled"
        ? "was cancelled"
        : "was refunded";
  throw new ApiError("INVALID_STATE", `Order ${order.order_number} ${why} and cannot be paid`, {
    extra: { status: order.status },
  });
}

/**
 * The statements that apply `amount` to a pending order: a guard that fails
 * the batch if the order is no longer pending (the status trigger refuses
 * setting a status to itself), the paid amount, and completion when covered.
 */
export function applyToOrderStatements(d1: D1Database, orderId: number, amount: number, now: string) {
  return [
    d1.prepare("UPDATE orders SET status = status WHERE id = ?1 AND status != 'pending'").bind(orderId),
    d1
      .prepare("UPDATE orders SET paid_amount = paid_amount + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(orderId, amount, now),
    d1
      .prepare(
        "UPDATE orders SET status = 'completed', completed_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'pending' AND paid_amount = total",
      )
      .bind(orderId, now),
    d1.prepare("SELECT status, total, paid_amount FROM orders WHERE id = ?1").bind(orderId),
  ];
}

/** Maps a refused payment batch to the answer a till needs. */
async function explainRefusal(
  d1: D1Database,
  error: unknown,
  orderId: number,
  balanceRead: number | null = null,
): Promise<Error> {
  if (isKeyCollision(error)) return new KeyCollision();
  const field = uniqueViolation(error);
  if (field?.includes("transaction")) {
    return new ApiError("DUPLICATE", "A payment with this transaction_id already exists", {
      extra: { field: "transaction_id" },
    });
  }
  const order = await loadOrderMoney(d1, orderId);
  if (order && isStatusTransitionRefusal(error)) {
    try {
      assertPayable(order);
    } catch (stateError) {
      return stateError as Error;
    }
    const owed = order.total - order.paid_amount;
    if (balanceRead !== null && owed !== balanceRead) {
      return new ApiError(
        "CONFLICT",
        `The order's balance changed while this cash payment was taken (${toDecimal(balanceRead).toFixed(2)} then, ${toDecimal(owed).toFixed(2)} now); nothing was recorded: take the payment again`,
        { extra: { remaining_amount: toDecimal(owed) } },
      );
    }
  }
  if (order && isCheckViolation(error, "orders_paid_within_total")) {
    const remaining = order.total - order.paid_amount;
    return new ApiError("PAYMENT_EXCEEDS_BALANCE", `Amount exceeds the remaining ${toDecimal(remaining).toFixed(2)}`, {
      extra: { remaining_amount: toDecimal(remaining) },
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

export async function createPayment(
  d1: D1Database,
  actor: AuthUser,
  input: PaymentInput,
  idem: IdempotencyContext | null,
  at: Date = new Date(),
): Promise<PaymentResult> {
  const order = await loadOrderMoney(d1, input.order_id);
  // A cashier takes money only on orders they rang up; the others look absent, as on GET /orders/{id}.
  if (!order || !canSeeOrder(actor, order.user_id)) throw notFound("Order");
  assertPayable(order);
  const remaining = order.total - order.paid_amount;
  const status = input.status ?? "completed";

  let applied = input.amount;
  let tendered: number | null = input.amount_tendered ?? null;
  let change = 0;
  if (input.payment_method === "cash") {
    // Cash above what is owed settles the remainder and hands back change.
    tendered = input.amount_tendered ?? input.amount;
    applied = Math.min(input.amount, remaining);
    if (tendered < applied) {
      throw new ApiError("BAD_REQUEST", "amount_tendered is less than the amount applied");
    }
    change = tendered - applied;
  } else if (input.amount > remaining) {
    throw new ApiError(
      "PAYMENT_EXCEEDS_BALANCE",
      `Amount ${toDecimal(input.amount).toFixed(2)} exceeds the remaining ${toDecimal(remaining).toFixed(2)}`,
      { extra: { remaining_amount: toDecimal(remaining) } },
    );
  }
  if (applied <= 0) throw new ApiError("INVALID_STATE", "Nothing remains to be paid on this order");

  const now = at.toISOString();

  const statements: D1PreparedStatement[] = [];
  const insertIndex = 0;
  statements.push(
    d1
      .prepare(
        `INSERT INTO payments (order_id, payment_method, status, amount, amount_tendered, change_due, transaction_id,
           reference_number, notes, user_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING *`,
      )
      .bind(
        order.id,
        input.payment_method,
        status,
        applied,
        tendered,
        change,
        input.transaction_id ?? null,
        input.reference_number ?? null,
        input.notes ?? null,
        actor.id,
        now,
      ),
  );
  // The key names the payment just inserted (same connection, same transaction).
  if (idem) statements.push(idempotencyInsert(d1, idem, { type: "payment", ref: LAST_INSERTED }, now));
  // Cash capped at the balance: its change came from `remaining` as read above,
  // so the batch only goes ahead while the order still owes exactly that.
  const settlesReadBalance = status === "completed" && applied < input.amount;
  if (settlesReadBalance) {
    statements.push(
      d1
        .prepare("UPDATE orders SET status = status WHERE id = ?1 AND total - paid_amount != ?2")
        .bind(order.id, remaining),
    );
  }
  if (status === "completed") statements.push(...applyToOrderStatements(d1, order.id, applied, now));
  else statements.push(d1.prepare("SELECT status, total, paid_amount FROM orders WHERE id = ?1").bind(order.id));

  let results: D1Result[];
  try {
    results = await d1.batch(statements);
  } catch (error) {
    throw await explainRefusal(d1, error, order.id, settlesReadBalance ? remaining : null);
  }
  const payment = results[insertIndex]?.results[0] as RawPayment;
  const after = results[results.length - 1]?.results[0] as { status: string; total: number; paid_amount: number };
  return {
    ...toPaymentView(payment),
    order_status: after.status,
    remaining_amount: toDecimal(after.total - after.paid_amount),
  };
}

export async function getPayment(d1: D1Database, id: number): Promise<RawPayment> {
  const payment = await d1.prepare("SELECT * FROM payments WHERE id = ?1").bind(id).first<RawPayment>();
  if (!payment) throw notFound("Payment");
  return payment;
}

/** A payment as `actor` may see it: on an order they can see (see canSeeOrder), or absent. */
export async function getPaymentFor(d1: D1Database, actor: AuthUser, id: number): Promise<RawPayment> {
  const row = await d1
    .prepare(
      "SELECT p.*, o.user_id AS order_user_id FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = ?1",
    )
    .bind(id)
    .first<RawPayment & { order_user_id: number }>();
  if (!row || !canSeeOrder(actor, row.order_user_id)) throw notFound("Payment");
  const { order_user_id: _owner, ...payment } = row;
  return payment;
}

export async function paymentResult(d1: D1Database, actor: AuthUser, id: number): Promise<PaymentResult> {
  const payment = await getPaymentFor(d1, actor, id);
  const order = await loadOrderMoney(d1, payment.order_id);
  return {
    ...toPaymentView(payment),
    order_status: order?.status ?? "pending",
    remaining_amount: toDecimal((order?.total ?? 0) - (order?.paid_amount ?? 0)),
  };
}

export interface PaymentChange {
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
  status?: "completed" | "failed" | "pending" | "refunded" | "partially_refunded" | undefined;
}

/**
 * Reference and notes change freely; status moves only pending → completed
 * (the money is applied to the order, which may complete) or pending → failed.
 * `completedOrder` is true only when this very change completed the order.
 */
export async function updatePayment(
  d1: D1Database,
  actor: AuthUser,
  id: number,
  change: PaymentChange,
): Promise<{ payment: PaymentView; completedOrder: boolean }> {
  const payment = await getPaymentFor(d1, actor, id);
  const now = new Date().toISOString();
  let completingIndex: number | null = null;
  const statements: D1PreparedStatement[] = [
    d1
      .prepare("UPDATE payments SET reference_number = ?2, notes = ?3, updated_at = ?4 WHERE id = ?1")
      .bind(
        id,
        change.reference_number === undefined ? payment.reference_number : change.reference_number,
        change.notes === undefined ? payment.notes : change.notes,
        now,
      ),
  ];
  if (change.status !== undefined && change.status !== payment.status) {
    if (payment.status !== "pending" || (change.status !== "completed" && change.status !== "failed")) {
      throw new ApiError(
        "INVALID_STATE",
        change.status === "refunded" || change.status === "partially_refunded"
          ? "Payments become refunded through POST /payments/{id}/refund"
          : `A ${payment.status} payment cannot become ${change.status}`,
      );
    }
    statements.push(
      // A twin confirmation (or a fail) that committed since the read above aborts
      // this whole batch through the order's status trigger, so the money below
      // cannot be applied twice or for a payment that failed.
      d1
        .prepare(
          "UPDATE orders SET status = status WHERE id = ?1 AND (SELECT status FROM payments WHERE id = ?2) != 'pending'",
        )
        .bind(payment.order_id, id),
      d1.prepare("UPDATE payments SET status = ?2, updated_at = ?3 WHERE id = ?1").bind(id, change.status, now),
    );
    if (change.status === "completed") {
      const order = await loadOrderMoney(d1, payment.order_id);
      if (!order) throw notFound("Order");
      assertPayable(order);
      if (payment.amount > order.total - order.paid_amount) {
        throw new ApiError(
          "PAYMENT_EXCEEDS_BALANCE",
          `Amount exceeds the remaining ${toDecimal(order.total - order.paid_amount).toFixed(2)}`,
        );
      }
      // The third of these is the conditional "complete the order" UPDATE.
      completingIndex = statements.length + 2;
      statements.push(...applyToOrderStatements(d1, order.id, payment.amount, now));
    }
  }
  let completedOrder = false;
  try {
    const results = await d1.batch(statements);
    completedOrder = completingIndex !== null && (results[completingIndex]?.meta.changes ?? 0) > 0;
  } catch (error) {
    if ((await getPayment(d1, id)).status !== "pending" && payment.status === "pending") {
      throw new ApiError("INVALID_STATE", "The payment was confirmed or failed meanwhile");
    }
    throw await explainRefusal(d1, error, payment.order_id);
  }
  return { payment: toPaymentView(await getPayment(d1, id)), completedOrder };
}

export interface PaymentFilters {
  skip: number;
  limit: number;
  order_id?: number | undefined;
  status?: string | undefined;
  payment_method?: string | undefined;
}

/** Managers and admins see all payments; cashiers those on orders they rang up. */
export async function listPayments(d1: D1Database, actor: AuthUser, filters: PaymentFilters) {
  const where = new Where();
  if (!hasPermission(actor.role, "orders:manage")) where.and((p) => `o.user_id = ${p}`, actor.id);
  if (filters.order_id !== undefined) where.and((p) => `p.order_id = ${p}`, filters.order_id);
  if (filters.status) where.and((p) => `p.status = ${p}`, filters.status);
  if (filters.payment_method) where.and((p) => `p.payment_method = ${p}`, filters.payment_method);
  const page = await readPage<RawPayment>(d1, {
    select: "SELECT p.* FROM payments p JOIN orders o ON o.id = p.order_id",
    from: "FROM payments p JOIN orders o ON o.id = p.order_id",
    where,
    orderBy: "p.id DESC",
    skip: filters.skip,
    limit: filters.limit,
  });
  return { total: page.total, data: page.rows.map(toPaymentView) };
}

/** The contract's payment status of an order. */
export async function orderPaymentStatus(d1: D1Database, actor: AuthUser, orderId: number) {
  const order = await loadOrderMoney(d1, orderId);
  if (!order || !canSeeOrder(actor, order.user_id)) throw notFound("Order");
  return {
    order_id: order.id,
    order_total: toDecimal(order.total),
    paid_amount: toDecimal(order.paid_amount),
    remaining_amount: toDecimal(order.total - order.paid_amount),
    is_fully_paid: order.paid_amount >= order.total,
  };
}
