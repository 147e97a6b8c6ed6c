/**
 * Editing a pending order: customer, notes, tax and discount (totals
 * recomputed). A `status` of "cancelled" cancels it (409 when it already is,
 * as `POST /orders/{id}/cancel` answers); other statuses change only through
 * payments and refunds.
 */

import { auditAt, auditStatement, changedFields } from "../audit/record";
import { Batch, runAlone, statement } from "../db/batch";
import { completeIfPaid, type Order, unchangedSince, writeEdit } from "../db/orders";
import { saleCustomer } from "../db/sale-facts";
import { planEdit } from "../domain/order-edit";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { isStatusTransitionRefusal } from "../lib/db-errors";
import { ApiError, invalidField } from "../lib/errors";
import type { ServiceContext } from "./context";
import { cancelOrder } from "./orders-cancel";
import { editRefused, notPending } from "./orders-errors";
import { getOrderFor, loadOrder } from "./orders-read";
import type { OrderView } from "./orders-view";

export interface OrderChange {
  customer_id?: number | null | undefined;
  notes?: string | null | undefined;
  tax?: number | undefined;
  discount?: number | undefined;
  status?: Order["status"] | undefined;
}

type FieldChange = Omit<OrderChange, "status">;

/** The edit's guard refused its batch: the order row no longer holds what the edit read. Nothing was written. */
class StaleEdit extends Error {}

/**
 * An edit reads the order, decides, then writes in one batch, and it writes
 * back every field it did not change as it read it. Another write landing in
 * between (a second edit, a payment, a refund) would be overwritten, so the
 * batch starts with a guard that aborts it when the row no longer holds what
 * was read (see `writeOnce`). A refused edit is then run once more from a
 * fresh read, every check included: an edit carries absolute values for only
 * the fields the client sent, so re-applying it to the fresh row gives exactly
 * what it would have given arriving just after the other write. That keeps a
 * harmless overlap (a tax edit and a notes edit, a payment landing) from
 * bouncing the till. Only once, to bound the work: if the row changed again,
 * the answer is a 409 CONFLICT and nothing of this edit is written.
 */
export async function updateOrder(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  change: OrderChange,
): Promise<OrderView> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await editOnce(ctx, actor, id, change);
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

/** One read → decide → write of the edit. */
async function editOnce(ctx: ServiceContext, actor: AuthUser, id: number, change: OrderChange): Promise<OrderView> {
  const { order, items, view } = await getOrderFor(ctx, actor, { id });
  const { status, ...fields } = change;
  // "cancelled" always goes to the cancel, which refuses an order that already is (409).
  if (status !== undefined && (status !== order.status || status === "cancelled")) {
    if (status !== "cancelled") throw statusNotSettable(status);
    if (!hasPermission(actor.role, "orders:manage"))
      throw new ApiError("FORBIDDEN", "Only a manager or admin may cancel orders");
    return cancelOrder(ctx, actor, id);
  }
  if (Object.values(fields).every((value) => value === undefined)) {
    // Nothing to change is still a successful write: its one event says so (before/after {}).
    await auditEdit(ctx, order.id, { before: {}, after: {} }).run();
    return view;
  }
  if (order.status !== "pending") throw notPending(order);
  await assertCustomerUsable(ctx, fields.customer_id);
  const planned = planEdit(
    order,
    { customerId: fields.customer_id, tax: fields.tax, discount: fields.discount },
    items.reduce((sum, item) => sum + item.discount, 0),
    {
      canOverridePrices: hasPermission(actor.role, "prices:override"),
      maxDiscountPercent: ctx.config.cashierMaxDiscountPercent,
      loyalty: ctx.config.loyalty,
    },
  );
  if (!planned.ok) throw editRefused(planned.problem);
  const notes = fields.notes === undefined ? order.notes : fields.notes;
  await writeOnce(ctx, order, { ...planned.plan, notes });
  const reloaded = await loadOrder(ctx, { id });
  if (!reloaded) throw new ApiError("NOT_FOUND", "Order not found");
  return reloaded.view;
}

const statusNotSettable = (status: Order["status"]) =>
  new ApiError(
    "INVALID_STATE",
    status === "completed"
      ? "An order becomes completed when its payments cover the total"
      : "An order becomes refunded when all money taken is refunded",
  );

/** A customer the edit names must exist and be active. */
async function assertCustomerUsable(ctx: ServiceContext, customerId: FieldChange["customer_id"]) {
  if (customerId === undefined || customerId === null) return;
  const customer = await runAlone(saleCustomer(ctx.hq.d1, customerId));
  if (!customer) throw invalidField(["body", "customer_id"], `Customer ${customerId} not found`);
  if (!customer.isActive) throw invalidField(["body", "customer_id"], `Customer ${customerId} is inactive`);
}

/**
 * The edit's batch: the guard (the row still holds what was read), the write,
 * and the completion of an order whose new total is what has been paid (0
 * when nothing was), as a covering payment would complete it. The CHECK on
 * paid_amount <= total also refuses a total cut below a payment racing this edit.
 */
async function writeOnce(
  ctx: ServiceContext,
  read: Order,
  edit: Pick<Order, "customerId" | "notes" | "tax" | "discount" | "total" | "pointsEarned">,
) {
  const now = ctx.now().toISOString();
  const { d1 } = ctx.store;
  const batch = new Batch(d1);
  batch.guard("the order row still holds what the edit read", unchangedSince(d1, read));
  const edited = batch.add(writeEdit(d1, read.id, edit, now));
  // The guard holds the row as read, so the edit's effect is known here; written only if the edit wrote.
  batch.add(statement(auditEdit(ctx, read.id, editedFields(read, edit), { onlyIfChanged: true })));
  const completed = batch.add(completeIfPaid(d1, { id: read.id }, now));
  batch.refuseOn(isStatusTransitionRefusal, () => new StaleEdit());
  batch.refuseOn(
    "orders_paid_within_total",
    () => new ApiError("CONFLICT", "The new total would be below what has been paid"),
  );
  await batch.commit();
  if (!edited.value) throw new ApiError("INVALID_STATE", "Order stopped being pending while you edited it");
  if (completed.value) {
    ctx.notify.orderCompleted(read.id);
    // Its completion event (points earned, total spent) goes to the head office after the response.
    ctx.notify.storeEvents();
  }
}

/** The order's fields an edit may change, as the audit trail names them (money in cents). */
const auditedFields = (o: Pick<Order, OrderEditField>) => ({
  customer_id: o.customerId,
  notes: o.notes,
  tax: o.tax,
  discount: o.discount,
  total: o.total,
  points_earned: o.pointsEarned,
});

type OrderEditField = "customerId" | "notes" | "tax" | "discount" | "total" | "pointsEarned";

/** What the edit changed: the fields it wrote that differ, and the completion when the new total is what was paid. */
function editedFields(read: Order, edit: Pick<Order, OrderEditField>) {
  const changed = changedFields(auditedFields(read), auditedFields(edit));
  if (edit.total !== read.paidAmount) return changed;
  return { before: { ...changed.before, status: read.status }, after: { ...changed.after, status: "completed" } };
}

/** The edit's one audit event (the request carries no reason: a discount needs none below the cap, and above it is refused). */
const auditEdit = (
  ctx: ServiceContext,
  orderId: number,
  change: { before: Record<string, unknown>; after: Record<string, unknown> },
  options: { onlyIfChanged?: boolean } = {},
) =>
  auditStatement(ctx.store.d1, auditAt(ctx, "store"), {
    action: "order.updated",
    entityType: "order",
    entityId: orderId,
    before: change.before,
    after: change.after,
    onlyIfChanged: options.onlyIfChanged,
  });
