/**
 * Selling, as the stock protocol of DESIGN.md runs it:
 *   plan   merge the cart's lines per product (pure);
 *   facts  the cart's products, the customer and the caller's deferred auth
 *          check, in one round trip; price the sale on the server (pure);
 *   batch  the idempotency key, the order, redeemed points, the items, the
 *          stock changes with their `sale` log rows, and the completion of an
 *          order that costs nothing, in one D1 batch;
 *   gate   `gateAndWrite` reserves the units, runs the batch, then commits or
 *          releases them.
 */

import { Batch, type Handle } from "../db/batch";
import { type SaleCustomer, saleCustomer } from "../db/customers";
import { redeemPoints } from "../db/loyalty";
import { completeIfPaid, insertOrder, insertOrderItems, type Order, type OrderItem } from "../db/orders";
import { type SaleProduct, saleProducts } from "../db/products";
import { type InventoryLog, stockChanges } from "../db/stock";
import { type UserCheckRow, userCheckStatement } from "../db/users";
import { planSale, type SalePlan } from "../domain/order-sale";
import { mergeLines, newOrderNumber, type RequestedLine } from "../domain/order-totals";
import type { AuthUser } from "../lib/auth/current-user";
import { type PendingUserCheck, settleUserCheck } from "../lib/auth/middleware";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError } from "../lib/errors";
import type { IdempotencyContext } from "../lib/idempotency";
import { type ServiceContext, timed } from "./context";
import { cartRefused, saleRefused } from "./orders-errors";
import { loadOrder } from "./orders-read";
import { type OrderView, toOrderView } from "./orders-view";
import { gateAndWrite } from "./stock-protocol";

export const MAX_LINE_QUANTITY = 10_000;

export interface CreateOrderInput {
  customer_id?: number | null | undefined;
  order_items: RequestedLine[];
  tax?: number | undefined;
  discount?: number | undefined;
  notes?: string | null | undefined;
  redeem_points?: number | undefined;
}

/** What the sale read before deciding. */
interface SaleFacts {
  products: Map<number, SaleProduct>;
  customer: SaleCustomer | undefined;
  user: UserCheckRow | undefined;
}

/** A decided sale, ready to be written. */
interface Sale {
  plan: SalePlan;
  orderNumber: string;
  actor: AuthUser;
  input: CreateOrderInput;
  facts: SaleFacts;
  now: string;
}

/**
 * `pendingCheck`, when given, is the caller's D1 auth check deferred by
 * `requirePermissionInBatch`: it is read with the cart's facts and settled
 * before anything is reserved.
 */
export async function createOrder(
  ctx: ServiceContext,
  caller: AuthUser,
  input: CreateOrderInput,
  idem: IdempotencyContext | null,
  pendingCheck?: PendingUserCheck,
): Promise<OrderView> {
  const merged = mergeLines(input.order_items, MAX_LINE_QUANTITY);
  if (!merged.ok) throw cartRefused(merged, MAX_LINE_QUANTITY);
  const facts = await readFacts(ctx, merged.lines, input.customer_id, pendingCheck);
  const actor = pendingCheck ? settleUserCheck(pendingCheck, facts.user) : caller;
  const planned = planSale(
    {
      sent: input.order_items,
      lines: merged.lines,
      customerId: input.customer_id,
      tax: input.tax ?? 0,
      discount: input.discount ?? 0,
      redeemPoints: input.redeem_points ?? 0,
    },
    facts,
    {
      canOverridePrices: hasPermission(actor.role, "prices:override"),
      maxDiscountPercent: ctx.config.cashierMaxDiscountPercent,
      loyalty: ctx.config.loyalty,
    },
  );
  if (!planned.ok) throw saleRefused(planned.problem);
  const now = ctx.now();
  const sale: Sale = {
    plan: planned.plan,
    orderNumber: newOrderNumber(now),
    actor,
    input,
    facts,
    now: now.toISOString(),
  };
  const { batch, read } = saleBatch(ctx, sale, idem);
  return gateAndWrite(ctx, {
    ref: sale.orderNumber,
    changes: sale.plan.lines.map((line) => ({
      productId: line.productId,
      delta: -line.quantity,
      productName: line.name,
    })),
    batch,
    read,
    recover: () => recoverSale(ctx, sale.orderNumber),
  });
}

/** The facts: every product of the cart, the customer and the caller's row, in one round trip. */
async function readFacts(
  ctx: ServiceContext,
  lines: RequestedLine[],
  customerId: number | null | undefined,
  pendingCheck: PendingUserCheck | undefined,
): Promise<SaleFacts> {
  const reads = new Batch(ctx.d1);
  const products = reads.add(
    saleProducts(
      ctx.d1,
      lines.map((line) => line.product_id),
    ),
  );
  const customer = reads.add(saleCustomer(ctx.d1, customerId));
  const user = reads.add(userCheckStatement(ctx.d1, pendingCheck?.claims ?? null));
  await timed(ctx, "facts", () => reads.commit());
  return {
    products: new Map(products.value.map((product) => [product.id, product])),
    customer: customer.value,
    user: user.value,
  };
}

/** The sale's batch, and how its committed result reads as the order's view. */
function saleBatch(ctx: ServiceContext, sale: Sale, idem: IdempotencyContext | null) {
  const { d1 } = ctx;
  const { plan, orderNumber, actor, now } = sale;
  const batch = new Batch(d1);
  batch.claimKey(idem, { type: "order", ref: orderNumber }, now);
  const inserted = batch.add(
    insertOrder(
      d1,
      {
        orderNumber,
        customerId: sale.input.customer_id ?? null,
        userId: actor.id,
        subtotal: plan.subtotal,
        tax: plan.tax,
        discount: plan.discount,
        total: plan.total,
        notes: sale.input.notes ?? null,
        pointsRedeemed: plan.pointsRedeemed,
        pointsDiscount: plan.pointsDiscount,
        pointsEarned: plan.pointsEarned,
      },
      now,
    ),
  );
  const customer = sale.facts.customer;
  if (plan.pointsRedeemed > 0 && customer) {
    const redemption = { customerId: customer.id, points: plan.pointsRedeemed, orderNumber, userId: actor.id, now };
    for (const statement of redeemPoints(d1, redemption)) batch.add(statement);
  }
  const items = batch.addEach(
    insertOrderItems(
      d1,
      orderNumber,
      plan.lines.map((line) => ({ ...line, productName: line.name, productSku: line.sku })),
    ),
  );
  const stock = stockChanges(
    d1,
    plan.lines.map((line) => ({ productId: line.productId, delta: -line.quantity })),
    { userId: actor.id, action: "sale", referenceNumber: orderNumber, notes: "Sale", stockRef: orderNumber, now },
  );
  for (const update of stock.updates) batch.add(update);
  const left = batch.addEach(stock.logs);
  // An order that costs nothing is paid in full: it completes in this batch,
  // through the same conditional UPDATE (and completion trigger) as a covering payment.
  const completed = plan.total === 0 ? batch.add(completeIfPaid(d1, { number: orderNumber }, now)) : undefined;
  // A racing redemption spent the points first (the CHECK on customers.loyalty_points).
  batch.refuseOn(
    "customers_points_non_negative",
    () => new ApiError("CONFLICT", "The customer no longer has the points to redeem"),
  );
  // The database's last line of defence spoke: the gate and the book disagree.
  batch.refuseOn(
    "products_stock_non_negative",
    () => new ApiError("INSUFFICIENT_STOCK", "Insufficient stock (the book refused the sale)"),
  );

  return { batch, read: () => soldView(ctx, sale, { inserted, completed, items, left }) };
}

/** The committed sale as the till sees it; tells who should hear of it (low stock, a completed order). */
function soldView(
  ctx: ServiceContext,
  sale: Sale,
  written: {
    inserted: Handle<Order | undefined>;
    completed: Handle<Order | undefined> | undefined;
    items: Handle<OrderItem[]>;
    left: Handle<InventoryLog[]>;
  },
): OrderView {
  // The sale's log rows say what each product has left: only those now at
  // or below their minimum are worth a low-stock check after the response.
  const low = written.left.value
    .filter((row) => row.quantityAfter <= (sale.facts.products.get(row.productId)?.minStockLevel ?? -1))
    .map((row) => row.productId);
  if (low.length) ctx.notify.lowStock(low);
  const order = written.completed?.value ?? written.inserted.value;
  if (!order) throw new Error("The sale's batch returned no order");
  if (order.status === "completed") ctx.notify.orderCompleted(order.id);
  const byProduct = new Map(written.items.value.map((item) => [item.productId, item]));
  return toOrderView(
    order,
    sale.plan.lines.flatMap((line) => byProduct.get(line.productId) ?? []),
    {
      customer: sale.facts.customer ?? null,
      cashier: { id: sale.actor.id, username: sale.actor.username, fullName: null },
    },
  );
}

/** The batch landed but its answer was lost: the order as D1 has it. */
async function recoverSale(ctx: ServiceContext, orderNumber: string): Promise<OrderView> {
  const loaded = await loadOrder(ctx, { number: orderNumber });
  if (!loaded) throw new ApiError("SERVICE_UNAVAILABLE", "Order state unknown; retry with the same Idempotency-Key");
  if (loaded.order.status === "completed") ctx.notify.orderCompleted(loaded.order.id);
  return loaded.view;
}
