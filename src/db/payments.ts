/**
 * The payments table's SQL (a store's database): Drizzle for reads, raw
 * statements for what runs inside a payment's or refund's batch (typed by
 * `returningRow`).
 */
import { asc, eq } from "drizzle-orm";
import { returningRow, type Statement } from "./batch";
import { type TenderShift, tenderShiftOf } from "./cash-events";
import type { AppDatabase } from "./client";
import { orderGuard } from "./orders";
import { type Page, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { cashEvents, orders, payments } from "./schema";

export type Payment = Row<typeof payments>;

export type NewPayment = Pick<
  Payment,
  | "orderId"
  | "paymentMethod"
  | "status"
  | "amount"
  | "amountTendered"
  | "changeDue"
  | "transactionId"
  | "referenceNumber"
  | "notes"
  | "userId"
>;

/**
 * Inserts a payment with the next id of the store's range (`idBase`, see
 * db/stores.ts): the id alone says which store's database holds it.
 */
export const insertPayment = (
  d1: D1Database,
  p: NewPayment,
  now: string,
  idBase: number,
): Statement<Payment | undefined> =>
  returningRow(
    payments,
    d1
      .prepare(
        `INSERT INTO payments (id, order_id, payment_method, status, amount, amount_tendered, change_due, transaction_id,
           reference_number, notes, user_id, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?12) + 1 FROM payments), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
         RETURNING *`,
      )
      .bind(
        p.orderId,
        p.paymentMethod,
        p.status,
        p.amount,
        p.amountTendered,
        p.changeDue,
        p.transactionId,
        p.referenceNumber,
        p.notes,
        p.userId,
        now,
        idBase,
      ),
  );

export const findPayment = (db: AppDatabase, id: number): Promise<Payment | undefined> =>
  db.select().from(payments).where(eq(payments.id, id)).get();

/** A payment with the cashier of its order (who may see it) and the shift its tender counted on. */
export async function findPaymentWithOwner(
  db: AppDatabase,
  id: number,
): Promise<{ payment: Payment; orderUserId: number; tender: TenderShift } | undefined> {
  const found = await db
    .select({
      payment: payments,
      orderUserId: orders.userId,
      shiftId: cashEvents.shiftId,
      lateOfShiftId: cashEvents.lateOfShiftId,
    })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    // One event per payment at most (unique index on payment_id).
    .leftJoin(cashEvents, eq(cashEvents.paymentId, payments.id))
    .where(eq(payments.id, id))
    .get();
  if (!found) return undefined;
  const tender = tenderShiftOf({ shift_id: found.shiftId, late_of_shift_id: found.lateOfShiftId });
  return { payment: found.payment, orderUserId: found.orderUserId, tender };
}

/** An order's payments, oldest first (receipts, invoices). */
export const paymentsOfOrder = (db: AppDatabase, orderId: number): Promise<Payment[]> =>
  db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id));

export const updatePaymentDetails = (
  d1: D1Database,
  id: number,
  details: Pick<Payment, "referenceNumber" | "notes">,
  now: string,
) =>
  returningRow(
    payments,
    d1
      .prepare("UPDATE payments SET reference_number = ?2, notes = ?3, updated_at = ?4 WHERE id = ?1 RETURNING *")
      .bind(id, details.referenceNumber, details.notes, now),
  );

export const setPaymentStatus = (d1: D1Database, id: number, status: Payment["status"], now: string) =>
  returningRow(
    payments,
    d1.prepare("UPDATE payments SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING *").bind(id, status, now),
  );

/**
 * Guard: fails the batch when the payment is no longer pending as it runs (a
 * twin confirmation or a fail committed since it was read). It goes through
 * the payment's order row, whose status trigger is what refuses.
 */
export const paymentNoLongerPending = (d1: D1Database, orderId: number, paymentId: number) =>
  orderGuard(d1, orderId, "(SELECT status FROM payments WHERE id = ?2) != 'pending'", paymentId);

/**
 * Gives `amount` back from a payment: partially_refunded, or refunded once
 * all of it is back (the CHECK `payments_refunds_within_amount` refuses more).
 */
export const refundFromPayment = (d1: D1Database, id: number, amount: number, now: string) =>
  returningRow(
    payments,
    d1
      .prepare(
        `UPDATE payments SET refunded_amount = refunded_amount + ?2,
           status = CASE WHEN refunded_amount + ?2 >= amount THEN 'refunded' ELSE 'partially_refunded' END, updated_at = ?3
         WHERE id = ?1 RETURNING *`,
      )
      .bind(id, amount, now),
  );

export interface PaymentQuery {
  skip: number;
  limit: number;
  /** Only payments on orders this user rang up. */
  cashierId?: number | undefined;
  orderId?: number | undefined;
  status?: Payment["status"] | undefined;
  paymentMethod?: Payment["paymentMethod"] | undefined;
}

/** A payment of a page, with the shift its tender counted on. */
export interface PaymentWithShift {
  payment: Payment;
  tender: TenderShift;
}

/** Newest first; each payment with its tender's shift (a LEFT JOIN on the unique cash_events.payment_id). */
export function paymentsPage(d1: D1Database, q: PaymentQuery): Promise<Page<PaymentWithShift>> {
  const where = new Where();
  if (q.cashierId !== undefined) where.and((p) => `o.user_id = ${p}`, q.cashierId);
  if (q.orderId !== undefined) where.and((p) => `p.order_id = ${p}`, q.orderId);
  if (q.status) where.and((p) => `p.status = ${p}`, q.status);
  if (q.paymentMethod) where.and((p) => `p.payment_method = ${p}`, q.paymentMethod);
  return readPage(d1, {
    select: `SELECT p.*, ce.shift_id AS tender_shift_id, ce.late_of_shift_id AS tender_late_of_shift_id
             FROM payments p JOIN orders o ON o.id = p.order_id LEFT JOIN cash_events ce ON ce.payment_id = p.id`,
    from: "FROM payments p JOIN orders o ON o.id = p.order_id",
    where,
    orderBy: "p.id DESC",
    skip: q.skip,
    limit: q.limit,
    decode: (raw) => {
      const row = raw as { tender_shift_id: number | null; tender_late_of_shift_id: number | null };
      return {
        payment: decodeRow(payments, raw),
        tender: tenderShiftOf({ shift_id: row.tender_shift_id, late_of_shift_id: row.tender_late_of_shift_id }),
      };
    },
  });
}
