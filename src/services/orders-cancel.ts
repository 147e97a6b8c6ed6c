/**
 * Cancelling an order: its status and the stock it still has out go back in
 * one store batch, through the stock protocol (the units are credited to the
 * products' objects, then committed with what the batch wrote). The points it
 * redeemed go back at the head office through the store's outbox: the
 * `order.cancelled` event (written by the status trigger) carries them.
 */
import { auditAt, auditStatement } from "../audit/record";
import { Batch, statement } from "../db/batch";
import { cancelLanded, findOrderMoney, markCancelled, type Order, orderGuard } from "../db/orders";
import { orderReturns, unitsReturnedUnder } from "../db/stock";
import { cancelRefusedBecause, checkCancel, unitsOut } from "../domain/order-cancel";
import type { AuthUser } from "../lib/auth/current-user";
import { isStatusTransitionRefusal } from "../lib/db-errors";
import { ApiError } from "../lib/errors";
import type { ServiceContext } from "./context";
import { notPending } from "./orders-errors";
import { getOrderFor, loadOrder } from "./orders-read";
import type { OrderView } from "./orders-view";
import { gateAndWrite } from "./stock-protocol";

const HAS_PAYMENTS = "Order has payments; refund them before cancelling";

/**
 * Cancels a pending order, or a completed one that totals 0 and holds no
 * money (it completed when made and has nothing to refund): status, restocked
 * quantities and `return` log rows in one batch. The status trigger refuses a
 * second cancellation, so two cancels racing restore the stock once. What
 * comes back is what is still out (quantity − refunded_quantity), computed by
 * the batch itself: units a refund already restocked, or refunded as damaged,
 * never come back again, even when that refund commits between our read and
 * our batch.
 */
export async function cancelOrder(
  ctx: ServiceContext,
  actor: AuthUser,
  id: number,
  reason?: string | null,
): Promise<OrderView> {
  const { order, items } = await getOrderFor(ctx, actor, { id });
  const allowed = checkCancel(order);
  if (!allowed.ok)
    throw allowed.reason === "not_pending" ? notPending(order) : new ApiError("INVALID_STATE", HAS_PAYMENTS);
  const ref = `CAN-${order.orderNumber}-${crypto.randomUUID().slice(0, 8)}`;
  const { batch, read } = cancelBatch(ctx, actor, order, { ref, reason: reason ?? null });
  await gateAndWrite(ctx, {
    ref,
    // Announced to the objects before the batch: at most what is out now (refunds
    // only ever grow refunded_quantity); each is committed with what the batch wrote.
    changes: unitsOut(items),
    batch,
    read,
    // The batch landed but its answer was lost: its log rows say what it put back.
    recover: () => unitsReturnedUnder(ctx.store.db, ref),
    // Whether it landed: a cancel with nothing left out writes no log row.
    probe: () => cancelLanded(ctx.store.d1, id),
    written: (returned) => returned,
  });
  // The cancel's outbox event (points back, total spent) goes to the head office after the response.
  ctx.notify.storeEvents();
  const reloaded = await loadOrder(ctx, { id });
  if (!reloaded) throw new ApiError("NOT_FOUND", "Order not found");
  return reloaded.view;
}

/** The cancel's batch, read as the units it put back per product. */
function cancelBatch(ctx: ServiceContext, actor: AuthUser, order: Order, why: { ref: string; reason: string | null }) {
  const { ref } = why;
  const { d1, idBase } = ctx.store;
  const now = ctx.now().toISOString();
  const batch = new Batch(d1);
  // A payment that committed since the read aborts the batch through the
  // status trigger: a cancelled order must not hold money.
  batch.guard("no money taken since the read", orderGuard(d1, order.id, "paid_amount > 0"));
  batch.add(markCancelled(d1, order.id, now));
  // The trigger refuses a second cancel (the batch fails with its event): a cancel records one event.
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: "order.cancelled",
        entityType: "order",
        entityId: order.id,
        before: { status: order.status },
        after: { status: "cancelled" },
        reason: why.reason,
        onlyIfChanged: true,
      }),
    ),
  );
  const returns = orderReturns(d1, order.id, {
    idBase,
    userId: actor.id,
    referenceNumber: order.orderNumber,
    notes: "Order cancelled",
    stockRef: ref,
    now,
  });
  batch.add(returns.update);
  const returned = batch.add(returns.logs);
  batch.refuseOn(isStatusTransitionRefusal, async () => {
    const why = cancelRefusedBecause(await findOrderMoney(ctx.store.db, order.id));
    return new ApiError(
      "INVALID_STATE",
      why === "has_payments" ? HAS_PAYMENTS : "Order was already cancelled or completed",
    );
  });
  const read = () => new Map(returned.value.map((row) => [row.productId, row.quantityChange]));
  return { batch, read };
}
