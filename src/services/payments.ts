/**
 * Taking money: payments against an order, split tender, cash change, and
 * the order's completion in the same batch as the payment that covers it.
 * The rules that must hold under races live in the batch itself:
 * - `orders.paid_amount <= total` (CHECK): racing payments cannot overpay;
 * - the order completes by a conditional UPDATE that runs after the paid
 *   amount moved, so whichever payment covers the total completes it, once;
 * - the batch's guard refuses paying an order that is no longer pending;
 * - cash that settles the balance with change was worked out from the balance
 *   read before the batch, so the batch refuses (409, nothing written) when an
 *   edit or refund moved that balance meanwhile: the change handed back is
 *   never computed from a stale figure.
 *
 * Payments live in the order's store database (the order id says which). A
 * completion's effects on the customer (spend, points) are the store's
 * outbox rows, written by its trigger in the same batch and sent to the head
 * office after the commit (`ctx.notify.storeEvents`).
 *
 * POST /payments makes two sequential remote round trips: the caller's check
 * (head office) in parallel with the store's reads (the order's money, the
 * Idempotency-Key), then the store's batch (`takePayment`); one more when
 * this isolate's store directory does not know the order's store yet.
 */

import { auditAt, auditAtAs, auditStatement, changedFields, inBatch } from "../audit/record";
import { Batch, type Handle, runAlone, statement } from "../db/batch";
import {
  insertTenderEvent,
  isNoOpenShift,
  namesPlace,
  paymentTenderShift,
  type TenderPlace,
  type TenderPlaceFound,
  type TenderShift,
  tenderShiftOf,
} from "../db/cash-events";
import { dbFor } from "../db/client";
import { LAST_INSERTED } from "../db/idempotency-keys";
import {
  addPaid,
  completeIfPaid,
  findOrderMoney,
  type OrderBalance,
  type OrderMoney,
  orderBalanceAfter,
  unlessOwing,
  unlessPending,
} from "../db/orders";
import { mapPage, type Page } from "../db/paging";
import {
  findPayment,
  findPaymentWithOwner,
  insertPayment,
  type NewPayment,
  type Payment,
  paymentNoLongerPending,
  paymentsPage,
  setPaymentStatus,
  updatePaymentDetails,
} from "../db/payments";
import type { PAYMENT_METHODS, PAYMENT_STATUSES } from "../db/schema";
import { storeOfId } from "../db/stores";
import { type StoreAsked, type UserCheckRow, userCheckStatement } from "../db/users";
import { planTender, type Tender, type TenderRefusal } from "../domain/cash";
import { toDecimal } from "../domain/money";
import { canSeeOrder } from "../domain/order-access";
import type { AuthUser } from "../lib/auth/current-user";
import { type PendingUserCheck, settleUserCheck } from "../lib/auth/middleware";
import { hasPermission } from "../lib/auth/rbac";
import type { StoreFromPath } from "../lib/auth/store-request";
import { isStatusTransitionRefusal, uniqueViolation } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import { findReplay, type IdempotencyContext, KeyCollision, type Replay } from "../lib/idempotency";
import { storeIdentity } from "../stores/directory";
import { scopeOf, storeDatabase } from "../stores/scope";
import { type ServiceContext, timed } from "./context";
import { type PaymentShiftView, toPaymentShiftView } from "./payments-view";
import { noOpenShift, placeOf, placeRefusal, readTenderPlace } from "./tender-place";

export interface PaymentInput {
  order_id: number;
  payment_method: (typeof PAYMENT_METHODS)[number];
  amount: number;
  amount_tendered?: number | undefined;
  status?: "completed" | "pending" | undefined;
  transaction_id?: string | null | undefined;
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
  /** The drawer the money went into (its open shift counts the tender). */
  drawer_id?: number | undefined;
  /** The shift the till believes it sells on (late when that shift has ended or closed). */
  shift_id?: number | undefined;
}

export type PaymentResult = PaymentShiftView & { order_status: string; remaining_amount: number };

const owed = (order: Pick<OrderMoney, "total" | "paidAmount">) => order.total - order.paidAmount;
const money = (cents: number) => toDecimal(cents).toFixed(2);

/** Why `order` cannot take money, or null when it is pending. */
function notPayable(order: OrderMoney): ApiError | null {
  if (order.status === "pending") return null;
  const why =
    order.status === "completed"
      ? "is already fully paid"
      : order.status === "cancelled"
        ? "was cancelled"
        : "was refunded";
  return new ApiError("INVALID_STATE", `Order ${order.orderNumber} ${why} and cannot be paid`, {
    extra: { status: order.status },
  });
}

function tenderRefused(refusal: TenderRefusal): ApiError {
  switch (refusal.kind) {
    case "tendered_below_applied":
      return new ApiError("BAD_REQUEST", "amount_tendered is less than the amount applied");
    case "exceeds_balance":
      return new ApiError(
        "PAYMENT_EXCEEDS_BALANCE",
        `Amount ${money(refusal.amount)} exceeds the remaining ${money(refusal.remaining)}`,
        { extra: { remaining_amount: toDecimal(refusal.remaining) } },
      );
    case "nothing_owed":
      return new ApiError("INVALID_STATE", "Nothing remains to be paid on this order");
  }
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

interface RefusalContext {
  /** The balance cash change was worked out from (its guard is in the batch). */
  balanceRead?: number | undefined;
  /** Checked first: the request's own premise that changed meanwhile (a payment confirmed by a twin). */
  movedMeanwhile?: () => Promise<Error | null>;
}

/**
 * The answers to a refused payment batch, read from the order as it is now:
 * it stopped being payable, its balance moved under cash change worked out
 * from `balanceRead`, or the payment would overpay it.
 */
function refuseLikeATill(ctx: ServiceContext, batch: Batch, orderId: number, why: RefusalContext = {}) {
  const explain = (fromOrder: (order: OrderMoney) => Error | null) => async (error: unknown) => {
    const moved = await why.movedMeanwhile?.();
    if (moved) return moved;
    const order = await findOrderMoney(ctx.store.db, orderId);
    return (order && fromOrder(order)) ?? asError(error);
  };
  batch.refuseOn(
    (error) => uniqueViolation(error)?.includes("transaction") ?? false,
    () =>
      new ApiError("DUPLICATE", "A payment with this transaction_id already exists", {
        extra: { field: "transaction_id" },
      }),
  );
  batch.refuseOn(
    isStatusTransitionRefusal,
    explain((order) => notPayable(order) ?? balanceMoved(order, why.balanceRead)),
  );
  batch.refuseOn(
    "orders_paid_within_total",
    explain(
      (order) =>
        new ApiError("PAYMENT_EXCEEDS_BALANCE", `Amount exceeds the remaining ${money(owed(order))}`, {
          extra: { remaining_amount: toDecimal(owed(order)) },
        }),
    ),
  );
}

function balanceMoved(order: OrderMoney, balanceRead: number | undefined): ApiError | null {
  if (balanceRead === undefined || owed(order) === balanceRead) return null;
  return new ApiError(
    "CONFLICT",
    `The order's balance changed while this cash payment was taken (${money(balanceRead)} then, ${money(owed(order))} now); nothing was recorded: take the payment again`,
    { extra: { remaining_amount: toDecimal(owed(order)) } },
  );
}

/**
 * Applies `amount` to a pending order in `batch`: a guard that fails the batch
 * if the order is no longer pending, the paid amount, and completion when
 * covered. The handle holds the completed order, or nothing when this did not complete it.
 */
function applyToOrder(batch: Batch, orderId: number, amount: number, now: string) {
  batch.guard("order still pending", unlessPending(batch.d1, orderId));
  batch.add(addPaid(batch.d1, orderId, amount, now));
  return batch.add(completeIfPaid(batch.d1, { id: orderId }, now));
}

const withOrder = (payment: Payment, order: OrderBalance | undefined, tender: TenderShift): PaymentResult => ({
  ...toPaymentShiftView(payment, tender),
  order_status: order?.status ?? "pending",
  remaining_amount: toDecimal((order?.total ?? 0) - (order?.paidAmount ?? 0)),
});

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} missing from a committed batch`);
  return value;
}

/** The payment row as taken: what it applied, what was handed over and what went back. */
const newPayment = (actor: AuthUser, input: PaymentInput, tender: Tender, status: Payment["status"]): NewPayment => ({
  orderId: input.order_id,
  paymentMethod: input.payment_method,
  status,
  amount: tender.applied,
  amountTendered: tender.tendered,
  changeDue: tender.change,
  transactionId: input.transaction_id ?? null,
  referenceNumber: input.reference_number ?? null,
  notes: input.notes ?? null,
  userId: actor.id,
});

/** A payment taken: its answer, and whether it completed its order (then its receipt goes out). */
export interface TakenPayment {
  result: PaymentResult;
  completedOrder: boolean;
}

/**
 * Takes a payment on an order of the acting store, as `actor` (already
 * confirmed): reads the order (and the drawer or shift named), then one batch.
 */
export async function createPayment(
  ctx: ServiceContext,
  actor: AuthUser,
  input: PaymentInput,
  idem: IdempotencyContext | null,
): Promise<TakenPayment> {
  const [order, place] = await Promise.all([
    findOrderMoney(ctx.store.db, input.order_id),
    readTenderPlace(ctx.store.d1, placeOf(input)),
  ]);
  return payOrder(ctx, actor, { order, place }, input, idem);
}

/** What the payment's batch is planned on: the order (undefined: no such order) and the place the request named. */
interface PaymentReads {
  order: OrderMoney | undefined;
  place: TenderPlaceFound | null;
}

/** A sale's tender: who took it, the payment's money, where the request says it went, and when. */
interface SaleTender {
  actor: AuthUser;
  payment: Pick<Payment, "paymentMethod" | "amount" | "amountTendered" | "changeDue" | "orderId">;
  place: TenderPlace;
  now: string;
  /** The payment, when an earlier request inserted it (omitted: the payment inserted just before in this batch). */
  paymentId?: number;
}

/**
 * The sale's cash event, added after the payment's insert (and its key): the
 * shift is resolved as the batch runs (db/cash-events.ts). Only cash records
 * what was handed over and back.
 */
function addSaleTender(batch: Batch, ctx: ServiceContext, sale: SaleTender) {
  const { payment, place } = sale;
  const cash = payment.paymentMethod === "cash";
  const event = batch.add(
    insertTenderEvent(batch.d1, {
      kind: "sale",
      paymentMethod: payment.paymentMethod,
      amount: payment.amount,
      tendered: cash ? payment.amountTendered : null,
      changeGiven: cash ? payment.changeDue : null,
      orderId: payment.orderId,
      paymentId: sale.paymentId,
      userId: sale.actor.id,
      place,
      now: sale.now,
      idBase: ctx.store.idBase,
    }),
  );
  // A cash tender at a store that requires a shift, with none to count on: the whole batch is refused.
  // A confirmation that names no place is told to open a shift (it counts on the confirmer's).
  const named = namesPlace(place);
  batch.refuseOn(isNoOpenShift, () => noOpenShift(sale.paymentId === undefined || named ? place : "confirmation"));
  return event;
}

/** The payment's batch on the order as read. */
async function payOrder(
  ctx: ServiceContext,
  actor: AuthUser,
  { order, place: placeFound }: PaymentReads,
  input: PaymentInput,
  idem: IdempotencyContext | null,
): Promise<TakenPayment> {
  // A cashier takes money only on orders they rang up; the others look absent, as on GET /orders/{id}.
  if (!order || !canSeeOrder(actor, order.userId)) throw notFound("Order");
  const place = placeOf(input);
  const misplaced = placeRefusal(place, placeFound);
  if (misplaced) throw misplaced;
  const refusal = notPayable(order);
  if (refusal) throw refusal;
  const remaining = owed(order);
  const planned = planTender(
    { method: input.payment_method, amount: input.amount, tendered: input.amount_tendered },
    remaining,
  );
  if (!planned.ok) throw tenderRefused(planned.refusal);
  const { tender } = planned;
  const status = input.status ?? "completed";
  const now = ctx.now().toISOString();
  const { d1, idBase } = ctx.store;

  const batch = new Batch(d1);
  const row = newPayment(actor, input, tender, status);
  const payment = batch.add(insertPayment(d1, row, now, idBase));
  batch.claimKey(idem, { type: "payment", ref: LAST_INSERTED }, now);
  // A pending payment moves no money yet: its tender goes on a shift when it is confirmed (moveStatus).
  const event = status === "completed" ? addSaleTender(batch, ctx, { actor, payment: row, place, now }) : null;
  // Cash capped at the balance: its change came from `remaining` as read above.
  const settlesReadBalance = status === "completed" && tender.capped;
  if (settlesReadBalance) {
    batch.guard("order still owes the balance the change was worked out from", unlessOwing(d1, order.id, remaining));
  }
  const completed = status === "completed" ? applyToOrder(batch, order.id, tender.applied, now) : null;
  batch.add(statement(paymentCreatedEvent(ctx, actor, row)));
  const after = batch.add(orderBalanceAfter(d1, order.id));
  refuseLikeATill(ctx, batch, order.id, { balanceRead: settlesReadBalance ? remaining : undefined });
  await timed(ctx, "batch", () => batch.commit());
  const completedOrder = completed?.value !== undefined;
  // The completion trigger wrote the customer's outbox row: send it to the head office.
  if (completedOrder) ctx.notify.storeEvents();
  const tenderShift = tenderShiftOf(event?.value);
  return { result: withOrder(required(payment.value, "payment"), after.value, tenderShift), completedOrder };
}

/** This batch's payment: the key's claim took last_insert_rowid(), and ids are MAX + 1 inside the batch. */
const THIS_PAYMENT = "SELECT MAX(id) FROM payments";

/**
 * The payment's audit event, added after the order moved (its status as the
 * batch left it shows the payment that completed it). No card details: the
 * transaction id and references stay on the payment.
 */
const paymentCreatedEvent = (ctx: ServiceContext, actor: AuthUser, row: NewPayment) =>
  auditStatement(ctx.store.d1, auditAtAs(ctx, "store", actor), {
    action: "payment.created",
    entityType: "payment",
    entityId: inBatch(THIS_PAYMENT),
    after: {
      payment_method: row.paymentMethod,
      amount: row.amount,
      status: row.status,
      order_id: row.orderId,
      order_status: inBatch(
        `SELECT status FROM orders WHERE id = (SELECT order_id FROM payments WHERE id = (${THIS_PAYMENT}))`,
      ),
    },
  });

/** POST /payments/…: the store of the id in `order_id`; a caller with no role there finds no order. */
const PAYMENT_ORDER: StoreFromPath = { param: "order_id", resource: "Order" };

/** What the store says before the batch: the order's money, the place named and an earlier request with the same key. */
interface StoreReads extends PaymentReads {
  replay: Replay | null;
}

/**
 * The store's reads, started before the head office has confirmed the caller:
 * the store's database comes from the directory of stores (cached), the store
 * from the order's id. Null when no store hands out such ids.
 */
async function readStore(
  ctx: ServiceContext,
  storeId: number,
  input: PaymentInput,
  idem: IdempotencyContext | null,
): Promise<StoreReads | null> {
  if (!storeId) return null;
  const identity = await storeIdentity(ctx.env.DB, storeId);
  if (!identity) return null;
  const d1 = storeDatabase(ctx.env, identity);
  const db = dbFor(d1);
  const [order, place, replay] = await Promise.all([
    findOrderMoney(db, input.order_id),
    readTenderPlace(d1, placeOf(input)),
    idem ? findReplay(db, idem) : null,
  ]);
  return { order, place, replay };
}

const outcomeOf = <T>(settled: PromiseSettledResult<T>): T => {
  if (settled.status === "rejected") throw settled.reason;
  return settled.value;
};

/** What POST /payments answers: a payment just taken, or the answer of an earlier request with the same key. */
export type PaymentAnswer =
  | { kind: "taken"; actor: AuthUser; taken: TakenPayment }
  | { kind: "replayed"; actor: AuthUser; body: unknown };

/**
 * POST /payments with the caller's check deferred (`requirePermissionInBatch`):
 * the check, asked about the order's store, goes to the head office while the
 * store reads the order and the key; the caller is settled first (a revoked
 * token is 401, a stranger to the store finds no order), then a replay is
 * answered or the batch runs. Two sequential round trips.
 */
export async function takePayment(
  ctx: ServiceContext,
  pending: PendingUserCheck,
  input: PaymentInput,
  idem: IdempotencyContext | null,
): Promise<PaymentAnswer> {
  const storeId = storeOfId(input.order_id);
  const asked: StoreAsked & { from: StoreFromPath } = { id: storeId || null, from: PAYMENT_ORDER };
  const [checked, read] = await timed(ctx, "reads", () =>
    Promise.allSettled([
      runAlone(userCheckStatement(ctx.hq.d1, pending.claims, asked)),
      readStore(ctx, storeId, input, idem),
    ]),
  );
  const { store, ...actor } = settleUserCheck({ ...pending, asked }, outcomeOf<UserCheckRow | undefined>(checked));
  ctx.actOn(scopeOf(ctx.env, store));
  const reads = outcomeOf(read);
  if (!reads) throw notFound("Order");
  if (reads.replay) return { kind: "replayed", actor, body: await replayed(ctx, actor, reads.replay) };
  try {
    return { kind: "taken", actor, taken: await payOrder(ctx, actor, reads, input, idem) };
  } catch (error) {
    if (!(error instanceof KeyCollision) || !idem) throw error;
    // A twin with the same key committed first: its answer is this one's.
    const replay = await findReplay(ctx.store.db, idem);
    if (!replay)
      throw new ApiError("CONFLICT", "A request with this Idempotency-Key is still being processed; retry it");
    return { kind: "replayed", actor, body: await replayed(ctx, actor, replay) };
  }
}

/** The answer an earlier request with the same key gave, or its payment as it is now. */
async function replayed(ctx: ServiceContext, actor: AuthUser, replay: Replay): Promise<unknown> {
  if (replay.kind === "response") return replay.body;
  return paymentResult(ctx, actor, Number(replay.resourceRef));
}

/** A payment as `actor` may see it (on an order they can see, see canSeeOrder, or absent), with its tender's shift. */
export async function getPaymentFor(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
): Promise<{ payment: Payment; tender: TenderShift }> {
  const found = await findPaymentWithOwner(ctx.store.db, id);
  if (!found || !canSeeOrder(actor, found.orderUserId)) throw notFound("Payment");
  return { payment: found.payment, tender: found.tender };
}

/** GET /payments/{id}. */
export async function paymentView(ctx: ServiceContext, actor: AuthUser, id: number): Promise<PaymentShiftView> {
  const { payment, tender } = await getPaymentFor(ctx, actor, id);
  return toPaymentShiftView(payment, tender);
}

/** A payment with its order's status and balance as they are now (what a replayed POST /payments answers). */
export async function paymentResult(ctx: ServiceContext, actor: AuthUser, id: number): Promise<PaymentResult> {
  const { payment, tender } = await getPaymentFor(ctx, actor, id);
  return withOrder(payment, await findOrderMoney(ctx.store.db, payment.orderId), tender);
}

export interface PaymentChange {
  id: number;
  reference_number?: string | null | undefined;
  notes?: string | null | undefined;
  status?: (typeof PAYMENT_STATUSES)[number] | undefined;
  /** Where a confirmed payment's money went (else the confirmer's open shift). */
  drawer_id?: number | undefined;
  shift_id?: number | undefined;
}

/**
 * A pending payment moves to completed (its money applied to the order, its
 * tender on the drawer or shift the confirmation names, else on the shift the
 * confirmer has open at that moment) or failed; nothing else moves.
 */
async function moveStatus(
  ctx: ServiceContext,
  batch: Batch,
  confirmation: { actor: AuthUser; payment: Payment; place: TenderPlace },
  status: "completed" | "failed",
  now: string,
): Promise<{ payment: Handle<Payment | undefined>; completed: Handle<unknown> | null }> {
  const { payment } = confirmation;
  // A twin confirmation (or a fail) that committed since the read aborts this
  // whole batch, so the money below cannot be applied twice or for a payment that failed.
  batch.guard("payment still pending", paymentNoLongerPending(batch.d1, payment.orderId, payment.id));
  const moved = batch.add(setPaymentStatus(batch.d1, payment.id, status, now));
  if (status === "failed") return { payment: moved, completed: null };
  const order = await findOrderMoney(ctx.store.db, payment.orderId);
  if (!order) throw notFound("Order");
  const refusal = notPayable(order);
  if (refusal) throw refusal;
  if (payment.amount > owed(order)) {
    throw new ApiError("PAYMENT_EXCEEDS_BALANCE", `Amount exceeds the remaining ${money(owed(order))}`);
  }
  const completed = applyToOrder(batch, order.id, payment.amount, now);
  // The money arrives now: it counts on the named place or the confirmer's open shift, the event naming
  // the payment by its id (not the newest payment).
  addSaleTender(batch, ctx, { ...confirmation, now, paymentId: payment.id });
  return { payment: moved, completed };
}

/**
 * Reference and notes change freely; status moves only pending → completed
 * (the money is applied to the order, which may complete) or pending → failed.
 * `completedOrder` is true only when this very change completed the order.
 */
export async function updatePayment(
  ctx: ServiceContext,
  actor: AuthUser,
  change: PaymentChange,
): Promise<{ payment: PaymentShiftView; completedOrder: boolean }> {
  const { payment } = await getPaymentFor(ctx, actor, change.id);
  const confirms = payment.status === "pending" && change.status === "completed";
  if (!confirms && (change.drawer_id !== undefined || change.shift_id !== undefined)) {
    throw invalidField(
      ["body", change.drawer_id !== undefined ? "drawer_id" : "shift_id"],
      "drawer_id and shift_id say where a confirmed payment's money went: send them with status completed on a pending payment",
    );
  }
  const now = ctx.now().toISOString();
  const batch = new Batch(ctx.store.d1);
  let updated = batch.add(
    updatePaymentDetails(
      ctx.store.d1,
      payment.id,
      {
        referenceNumber: change.reference_number === undefined ? payment.referenceNumber : change.reference_number,
        notes: change.notes === undefined ? payment.notes : change.notes,
      },
      now,
    ),
  );
  let completed: Handle<unknown> | null = null;
  if (change.status !== undefined && change.status !== payment.status) {
    if (payment.status !== "pending" || (change.status !== "completed" && change.status !== "failed")) {
      throw new ApiError(
        "INVALID_STATE",
        change.status === "refunded" || change.status === "partially_refunded"
          ? "Payments become refunded through POST /payments/{id}/refund"
          : `A ${payment.status} payment cannot become ${change.status}`,
      );
    }
    const place = placeOf(change);
    const misplaced = placeRefusal(place, await readTenderPlace(ctx.store.d1, place));
    if (misplaced) throw misplaced;
    ({ payment: updated, completed } = await moveStatus(ctx, batch, { actor, payment, place }, change.status, now));
    refuseLikeATill(ctx, batch, payment.orderId, {
      movedMeanwhile: async () => {
        const current = await findPayment(ctx.store.db, payment.id);
        if (!current) return notFound("Payment");
        return current.status === "pending"
          ? null
          : new ApiError("INVALID_STATE", "The payment was confirmed or failed meanwhile");
      },
    });
  }
  batch.add(statement(paymentUpdatedEvent(ctx, payment, change)));
  // Read last in the batch: the tender's shift as the confirmation (if any) left it.
  const tender = batch.add(paymentTenderShift(ctx.store.d1, payment.id));
  await batch.commit();
  const completedOrder = completed?.value !== undefined;
  if (completedOrder) ctx.notify.storeEvents();
  return { payment: toPaymentShiftView(required(updated.value, "payment"), tender.value), completedOrder };
}

/** The update's audit event: the fields it changed (a status moves only from pending, under the batch's guard). */
function paymentUpdatedEvent(ctx: ServiceContext, payment: Payment, change: PaymentChange) {
  const { before, after } = changedFields(
    { reference_number: payment.referenceNumber, notes: payment.notes, status: payment.status },
    { reference_number: change.reference_number, notes: change.notes, status: change.status },
  );
  return auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
    action: "payment.updated",
    entityType: "payment",
    entityId: payment.id,
    before,
    after,
  });
}

export interface PaymentFilters {
  skip: number;
  limit: number;
  order_id?: number | undefined;
  status?: Payment["status"] | undefined;
  payment_method?: Payment["paymentMethod"] | undefined;
}

/** The acting store's payments: managers and admins see all, cashiers those on orders they rang up. */
export async function listPayments(
  ctx: ServiceContext,
  actor: AuthUser,
  filters: PaymentFilters,
): Promise<Page<PaymentShiftView>> {
  const page = await paymentsPage(ctx.store.d1, {
    skip: filters.skip,
    limit: filters.limit,
    cashierId: hasPermission(actor.role, "orders:manage") ? undefined : actor.id,
    orderId: filters.order_id,
    status: filters.status,
    paymentMethod: filters.payment_method,
  });
  return mapPage(page, ({ payment, tender }) => toPaymentShiftView(payment, tender));
}

/** The contract's payment status of an order. */
export async function orderPaymentStatus(ctx: ServiceContext, actor: AuthUser, orderId: number) {
  const order = await findOrderMoney(ctx.store.db, orderId);
  if (!order || !canSeeOrder(actor, order.userId)) throw notFound("Order");
  return {
    order_id: order.id,
    order_total: toDecimal(order.total),
    paid_amount: toDecimal(order.paidAmount),
    remaining_amount: toDecimal(owed(order)),
    is_fully_paid: order.paidAmount >= order.total,
  };
}
