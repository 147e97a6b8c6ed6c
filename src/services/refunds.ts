/**
 * Refunds: money back from one payment, optionally itemised, with the goods
 * back on the shelf through their stock objects. Caps hold in the batch:
 * `payments.refunded_amount <= amount` and `order_items.refunded_quantity <=
 * quantity` are CHECKs, so two racing refunds can never give back more than
 * was taken. Loyalty points earned by the refunded money, and the money from
 * the customer's total spent, are taken back at the head office: the refund
 * row's store trigger writes a `refund.created` outbox row (the points the
 * plan takes back, the amount, whether the order had completed), sent after
 * the commit; the head office takes what the customer still has and records
 * the rest (outbox/apply.ts). What a refund reverses depends on the order's
 * status as read before the batch, so the batch refuses (409, nothing
 * written) when a payment completed the order, or anything else changed its
 * status, meanwhile.
 *
 *   plan (pure, domain/refund-plan) → one batch → commit, or through the
 *   stock protocol (gateAndWrite) when goods go back on the shelf
 */

import { auditAt, auditStatement, inBatch } from "../audit/record";
import { Batch, type Handle, statement } from "../db/batch";
import {
  insertTenderEvent,
  isNoOpenShift,
  type TenderEventRow,
  type TenderPlace,
  type TenderShift,
  tenderShiftOf,
} from "../db/cash-events";
import { LAST_INSERTED } from "../db/idempotency-keys";
import {
  addRefundedQuantity,
  findOrderStatus,
  findRefundableOrder,
  orderStatusAfter,
  type RefundableOrder,
  refundedWhenNothingPaid,
  takeBackPaid,
  unlessStatus,
} from "../db/orders";
import { findPayment, type Payment, refundFromPayment } from "../db/payments";
import {
  findRefund,
  findRefundIdByRef,
  insertRefund,
  insertRefundItem,
  type Refund,
  type RefundItem,
  refundByRef,
  refundLanded,
} from "../db/refunds";
import { stockChanges } from "../db/stock";
import { toDecimal } from "../domain/money";
import { canRefund, planRefund, type RefundPlan, type RefundRefusal } from "../domain/refund-plan";
import type { AuthUser } from "../lib/auth/current-user";
import { isStatusTransitionRefusal } from "../lib/db-errors";
import { ApiError, invalidField, notFound } from "../lib/errors";
import type { IdempotencyContext } from "../lib/idempotency";
import type { ServiceContext } from "./context";
import { type RefundView, type TenderShiftView, toRefundView, toTenderShiftView } from "./payments-view";
import { gateAndWrite, type StockChange } from "./stock-protocol";
import { noOpenShift, placeOf, placeRefusal, readTenderPlace } from "./tender-place";

export interface RefundInput {
  payment_id: number;
  /** Cents. */
  amount?: number | undefined;
  reason: string;
  items?: { order_item_id: number; quantity: number; restock?: boolean | undefined }[] | undefined;
  /** The drawer the money came out of (its open shift counts the refund). */
  drawer_id?: number | undefined;
  /** The shift the till believes it refunds on (late when that shift has ended or closed). */
  shift_id?: number | undefined;
}

export type RefundResult = RefundView &
  TenderShiftView & { payment_status: string; order_status: string; refundable_amount: number };

/** Everything the refund's batch writes, decided before it. */
interface PlannedRefund {
  actor: AuthUser;
  payment: Payment;
  order: RefundableOrder;
  plan: RefundPlan;
  reason: string;
  /** Where the refund says the money came from (checked against the store). */
  place: TenderPlace;
  /** The refund's stock ref (REF-…): finds its row within the batch and after a lost answer. */
  ref: string;
  now: string;
}

const exceedsRefundable = (refundable: number) =>
  new ApiError("BAD_REQUEST", `Refund exceeds the refundable ${toDecimal(refundable).toFixed(2)}`, {
    extra: { refundable_amount: toDecimal(refundable) },
  });

const unknownOutcome = () =>
  new ApiError("SERVICE_UNAVAILABLE", "Refund state unknown; retry with the same Idempotency-Key");

/** The answer to a plan's refusal; only here are the request's paths known. */
function refused(refusal: RefundRefusal): ApiError {
  switch (refusal.kind) {
    case "unknown_item":
      return invalidField(
        ["body", "items", refusal.index, "order_item_id"],
        `Item ${refusal.orderItemId} is not part of this order`,
      );
    case "item_twice":
      return invalidField(["body", "items", refusal.index, "order_item_id"], "Item listed twice");
    case "quantity_above_left":
      return invalidField(
        ["body", "items", refusal.index, "quantity"],
        `Only ${refusal.left} of this item can still be refunded`,
      );
    case "nothing_refundable":
      return new ApiError("INVALID_STATE", "Nothing remains to be refunded on this payment");
    case "exceeds_refundable":
      return exceedsRefundable(refusal.refundable);
  }
}

/** Reads the payment (with the drawer or shift named) and its order, and plans the refund on them. */
async function planned(ctx: ServiceContext, actor: AuthUser, input: RefundInput): Promise<PlannedRefund> {
  const place = placeOf(input);
  const [payment, placeFound] = await Promise.all([
    findPayment(ctx.store.db, input.payment_id),
    readTenderPlace(ctx.store.d1, place),
  ]);
  if (!payment) throw notFound("Payment");
  const misplaced = placeRefusal(place, placeFound);
  if (misplaced) throw misplaced;
  if (!canRefund(payment.status)) {
    throw new ApiError("INVALID_STATE", `A ${payment.status} payment cannot be refunded`, {
      extra: { status: payment.status },
    });
  }
  const order = await findRefundableOrder(ctx.store.db, payment.orderId);
  if (!order) throw notFound("Order");
  const items = input.items?.map((item) => ({
    orderItemId: item.order_item_id,
    quantity: item.quantity,
    restock: item.restock,
  }));
  const result = planRefund(payment, order, { amount: input.amount, items });
  if (!result.ok) throw refused(result.refusal);
  const now = ctx.now().toISOString();
  const ref = `REF-${crypto.randomUUID()}`;
  return { actor, payment, order, plan: result.plan, reason: input.reason, place, ref, now };
}

/** The refund's batch, its refusals mapped, and how to read its result once committed. */
function refundBatch(ctx: ServiceContext, r: PlannedRefund, idem: IdempotencyContext | null) {
  const { d1, idBase } = ctx.store;
  const { payment, order, plan, now } = r;
  const batch = new Batch(d1);
  batch.add(
    insertRefund(
      d1,
      {
        paymentId: payment.id,
        orderId: order.id,
        amount: plan.amount,
        reason: r.reason,
        userId: r.actor.id,
        stockRef: r.ref,
        pointsReversed: plan.points,
      },
      now,
      idBase,
    ),
  );
  batch.claimKey(idem, { type: "refund", ref: LAST_INSERTED }, now);
  const tender = addRefundTender(batch, ctx, r);
  // A payment that completed the order since the read would otherwise leave its points and spend unreversed.
  batch.guard("order status as the refund was planned on", unlessStatus(d1, order.id, order.status));
  const paymentAfter = batch.add(refundFromPayment(d1, payment.id, plan.amount, now));
  batch.add(statement(refundEvent(ctx, r)));
  batch.add(takeBackPaid(d1, order.id, plan.amount, now));
  batch.add(refundedWhenNothingPaid(d1, order.id, now));
  const items = returnLines(batch, r, idBase);
  const refund = batch.add(refundByRef(d1, r.ref));
  const orderAfter = batch.add(orderStatusAfter(d1, order.id));
  refuseRaces(ctx, batch, r);
  const read = (): RefundResult => {
    const paid = paymentAfter.value;
    if (!refund.value || !paid) throw new Error("refund missing from a committed batch");
    return withStates(refund.value, items.value, paid, orderAfter.value?.status, tenderShiftOf(tender.value));
  };
  return { batch, read };
}

/** This batch's refund (ids are MAX + 1 inside the batch) and its payment, as the batch left it. */
const THIS_REFUND = "SELECT MAX(id) FROM refunds";
const OF_ITS_PAYMENT = `FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.id = (${THIS_REFUND})`;

/**
 * The refund's audit event, on its payment, added after the payment moved:
 * its refunded amount and status before and after are read from the batch
 * (a racing refund that committed first moved them since the plan's read);
 * a refundable payment with nothing refunded yet was completed.
 */
const refundEvent = (ctx: ServiceContext, r: PlannedRefund) =>
  auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
    action: "payment.refunded",
    entityType: "payment",
    entityId: r.payment.id,
    before: {
      status: inBatch(
        `SELECT CASE WHEN p.refunded_amount = r.amount THEN 'completed' ELSE 'partially_refunded' END ${OF_ITS_PAYMENT}`,
      ),
      refunded_amount: inBatch(`SELECT p.refunded_amount - r.amount ${OF_ITS_PAYMENT}`),
    },
    after: {
      status: inBatch(`SELECT p.status ${OF_ITS_PAYMENT}`),
      refunded_amount: inBatch(`SELECT p.refunded_amount ${OF_ITS_PAYMENT}`),
      refund_id: inBatch(THIS_REFUND),
      refund_amount: r.plan.amount,
    },
    reason: r.reason,
  });

/**
 * The refund's cash event, in the refund's own batch (also when it runs
 * through the stock protocol): the money given back counts on the shift the
 * request names (or the refunder's), whichever shift the sale was on. Added
 * right after the refund's insert and key, it names the newest refund: this one.
 */
function addRefundTender(batch: Batch, ctx: ServiceContext, r: PlannedRefund): Handle<TenderEventRow | undefined> {
  const event = batch.add(
    insertTenderEvent(batch.d1, {
      kind: "refund",
      paymentMethod: r.payment.paymentMethod,
      amount: r.plan.amount,
      tendered: null,
      changeGiven: null,
      orderId: r.order.id,
      userId: r.actor.id,
      place: r.place,
      now: r.now,
      idBase: ctx.store.idBase,
    }),
  );
  batch.refuseOn(isNoOpenShift, () => noOpenShift(r.place));
  return event;
}

/** The returned lines: counted as refunded on the order, listed on the refund, and back on the shelf when asked. */
function returnLines(batch: Batch, r: PlannedRefund, idBase: number): Handle<RefundItem[]> {
  const { d1 } = batch;
  for (const line of r.plan.lines) batch.add(addRefundedQuantity(d1, line.orderItemId, line.quantity));
  const items = batch.addEach(r.plan.lines.map((line) => insertRefundItem(d1, r.ref, line)));
  const log = {
    idBase,
    userId: r.actor.id,
    action: "return" as const,
    referenceNumber: r.order.orderNumber,
    notes: `Refund: ${r.reason}`.slice(0, 500),
    stockRef: r.ref,
    now: r.now,
  };
  const restock = stockChanges(d1, restockOf(r.plan), log);
  for (const update of restock.updates) batch.add(update);
  batch.addEach(restock.logs);
  return items;
}

/** What a racing request explains when the batch is refused. */
function refuseRaces(ctx: ServiceContext, batch: Batch, r: PlannedRefund) {
  batch.refuseOn("payments_refunds_within_amount", async () => {
    const now = await findPayment(ctx.store.db, r.payment.id);
    if (!now) return notFound("Payment");
    return exceedsRefundable(now.amount - now.refundedAmount);
  });
  batch.refuseOn(
    "order_items_refunded_within_quantity",
    () => new ApiError("CONFLICT", "Those items were refunded meanwhile"),
  );
  batch.refuseOn(isStatusTransitionRefusal, async () => {
    const status = (await findOrderStatus(ctx.store.db, r.order.id)) ?? null;
    return new ApiError(
      "CONFLICT",
      `Order ${r.order.orderNumber} went from ${r.order.status} to ${status ?? "unknown"} while this refund was being made; nothing was refunded: send it again`,
      { extra: { order_status: status } },
    );
  });
}

const restockOf = (plan: RefundPlan): StockChange[] =>
  plan.lines.filter((line) => line.restock).map((line) => ({ productId: line.productId, delta: line.quantity }));

const withStates = (
  refund: Refund,
  items: RefundItem[],
  payment: Payment,
  orderStatus: string | undefined,
  tender: TenderShift,
): RefundResult => ({
  ...toRefundView(refund, items),
  ...toTenderShiftView(tender),
  payment_status: payment.status,
  order_status: orderStatus ?? "unknown",
  refundable_amount: toDecimal(payment.amount - payment.refundedAmount),
});

export async function refundPayment(
  ctx: ServiceContext,
  actor: AuthUser,
  input: RefundInput,
  idem: IdempotencyContext | null,
): Promise<RefundResult> {
  const r = await planned(ctx, actor, input);
  const result = await writeRefund(ctx, r, idem);
  // The refund row's trigger wrote the customer's outbox row: send it to the head office.
  ctx.notify.storeEvents();
  return result;
}

/** Runs the refund's batch (through the stock protocol when goods go back on the shelf). */
async function writeRefund(ctx: ServiceContext, r: PlannedRefund, idem: IdempotencyContext | null) {
  const { batch, read } = refundBatch(ctx, r, idem);
  const probe = () => refundLanded(ctx.store.d1, r.ref);
  const recover = async () => {
    const id = await findRefundIdByRef(ctx.store.db, r.ref);
    if (id === undefined) throw unknownOutcome();
    return refundResult(ctx, id);
  };
  const restock = restockOf(r.plan);
  if (restock.length) return gateAndWrite(ctx, { ref: r.ref, changes: restock, batch, read, recover, probe });
  const outcome = await batch.run(probe);
  if (outcome.kind === "committed") return read();
  if (outcome.kind === "written") return recover();
  if (outcome.kind === "unknown") throw unknownOutcome();
  throw outcome.error;
}

/** Re-reads a refund with its payment and order states (for replays). */
export async function refundResult(ctx: ServiceContext, refundId: number): Promise<RefundResult> {
  const found = await findRefund(ctx.store.db, refundId);
  if (!found) throw notFound("Refund");
  const [payment, orderStatus] = await Promise.all([
    findPayment(ctx.store.db, found.refund.paymentId),
    findOrderStatus(ctx.store.db, found.refund.orderId),
  ]);
  if (!payment) throw notFound("Payment");
  return withStates(found.refund, found.items, payment, orderStatus, found.tender);
}
