/**
 * Selling, as the stock and points protocols of DESIGN.md run it, in two
 * sequential remote round trips:
 *
 *   plan     merge the cart's lines per product (pure);
 *   phase 1  in parallel: (a) one head-office batch: the caller's deferred
 *            auth check, the cart's products as this store prices them, the
 *            customer, and the points hold when points are redeemed;
 *            (b) the Idempotency-Key lookup in the store's database;
 *            (c) the stock reservations on the store's objects (`openGate`);
 *            then price the sale on the server (pure);
 *   phase 2  one store batch: the key, the order and its audit event, its
 *            items (with what the catalog said), the stock changes with their
 *            `sale` log rows, and the completion of an order that costs
 *            nothing; the batch runs once (a lost answer is probed, never
 *            re-run), so a sale writes one event, and a refused one none;
 *   after    the stock commits and the points confirmation go after the
 *            response; whatever was refused releases what was held.
 *
 * Phase 1 runs before the head office has confirmed which store the request
 * acts on: it assumes the store named by the request, else the token's home
 * store (`hs` claim). When the check says otherwise (the home store moved),
 * what was held is released and the sale runs again once on the right store.
 * A token with no `hs` (issued before stores) confirms the caller first, and
 * a store this isolate's directory does not know yet is read from the head
 * office first: one more round trip in those cases.
 */

import { auditAtAs, auditStatement, LAST_INSERTED } from "../audit/record";
import { Batch, type Handle, runAlone, statement } from "../db/batch";
import { type AppDatabase, dbFor } from "../db/client";
import { completeIfPaid, insertOrder, insertOrderItems, type Order, type OrderItem } from "../db/orders";
import { holdPoints, type PointsHold } from "../db/points-holds";
import { type SaleCustomer, type SaleProduct, saleCustomer, saleProducts } from "../db/sale-facts";
import { type InventoryLog, stockChanges } from "../db/stock";
import { idBase } from "../db/stores";
import { type UserCheckRow, userCheckStatement } from "../db/users";
import { planSale, type SalePlan } from "../domain/order-sale";
import { mergeLines, newOrderNumber, type RequestedLine } from "../domain/order-totals";
import type { AuthUser } from "../lib/auth/current-user";
import { type PendingUserCheck, settleUserCheck } from "../lib/auth/middleware";
import { hasPermission } from "../lib/auth/rbac";
import { ApiError } from "../lib/errors";
import { type KeyLookup, Replayed } from "../lib/http/idempotent";
import type { IdempotencyContext } from "../lib/idempotency";
import type { StockGate } from "../stock/client";
import { stockGate } from "../stock/client";
import { storeIdentity } from "../stores/directory";
import { scopeOf, storeDatabase } from "../stores/scope";
import { type ServiceContext, timed } from "./context";
import { cartRefused, saleRefused } from "./orders-errors";
import { loadOrder } from "./orders-read";
import { type OrderView, toOrderView } from "./orders-view";
import { confirmHold, holdExpiry, releaseHold } from "./points-holds";
import { closeGate, gateAndWrite, type OpenGate, openGate } from "./stock-protocol";

export const MAX_LINE_QUANTITY = 10_000;

export interface CreateOrderInput {
  customer_id?: number | null | undefined;
  order_items: RequestedLine[];
  tax?: number | undefined;
  discount?: number | undefined;
  notes?: string | null | undefined;
  redeem_points?: number | undefined;
}

/** How a sale is asked for: the key, the deferred auth check, and the key lookup to run in phase 1. */
export interface SaleOptions {
  idem: IdempotencyContext | null;
  /** The caller's D1 check left by `requirePermissionInBatch`: read in phase 1 and settled before anything is decided. */
  check?: PendingUserCheck | undefined;
  /** The Idempotency-Key's lookup (`idempotent` with lookup "in-run"); a found answer is returned as `Replayed`. */
  lookup?: KeyLookup<OrderView> | null | undefined;
}

/** The store a sale runs on before the head office confirms it: its database and its stock objects. */
interface SaleStore {
  id: number;
  code: string;
  idBase: number;
  d1: D1Database;
  db: AppDatabase;
  stock: StockGate;
}

/** What phase 1 read (and held) at the head office. */
interface SaleFacts {
  products: Map<number, SaleProduct>;
  customer: SaleCustomer | undefined;
  user: UserCheckRow | undefined;
  /** The points hold, when the sale redeems points and the head office could hold them. */
  hold: PointsHold | undefined;
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

/** The check placed the caller at another store than the one phase 1 assumed. */
interface Moved {
  movedTo: SaleStore;
}

/** A sale by a confirmed caller on `ctx.store` (tests and jobs call this). */
export async function createOrder(
  ctx: ServiceContext,
  caller: AuthUser,
  input: CreateOrderInput,
  idem: IdempotencyContext | null,
  check?: PendingUserCheck,
): Promise<OrderView> {
  const sold = await sell(ctx, caller, input, { idem, check });
  if (sold instanceof Replayed) throw new Error("a sale without a key lookup cannot replay");
  return sold;
}

/** A sale, or the earlier answer to the same Idempotency-Key (`Replayed`). */
export async function sell(
  ctx: ServiceContext,
  caller: AuthUser,
  input: CreateOrderInput,
  options: SaleOptions,
): Promise<OrderView | Replayed<OrderView>> {
  const merged = mergeLines(input.order_items, MAX_LINE_QUANTITY);
  if (!merged.ok) throw cartRefused(merged, MAX_LINE_QUANTITY);
  let check = options.check;
  let actor = caller;
  let store = check ? await assumedStore(ctx, check) : actingStore(ctx);
  if (!store && check) {
    // No store to assume (a token from before stores): confirm the caller first, one more round trip.
    const row = await timed(ctx, "auth", () => runAlone(userCheckStatement(ctx.hq.d1, check?.claims, check?.asked)));
    const confirmed = settleUserCheck(check, row);
    ctx.actOn(scopeOf(ctx.env, confirmed.store));
    actor = confirmed;
    check = undefined;
    store = actingStore(ctx);
  }
  if (!store) throw new Error("a sale needs a store");
  const first = await sellAt(ctx, actor, input, merged.lines, store, { ...options, check });
  if (!("movedTo" in first)) return first;
  const again = await sellAt(ctx, actor, input, merged.lines, first.movedTo, { ...options, check });
  if ("movedTo" in again) {
    throw new ApiError("CONFLICT", "Your store changed while the sale was being made; nothing was sold, please retry");
  }
  return again;
}

/** The store the confirmed context acts on, with its stock gate (a test's, when it put one in). */
function actingStore(ctx: ServiceContext): SaleStore {
  const { id, code, idBase, d1, db } = ctx.store;
  return { id, code, idBase, d1, db, stock: ctx.stock };
}

/** The store named by the request, else the token's home store; undefined when neither is known here. */
async function assumedStore(ctx: ServiceContext, check: PendingUserCheck): Promise<SaleStore | undefined> {
  const id = check.asked.id ?? check.claims.homeStoreId;
  if (id === undefined || id === null) return undefined;
  const identity = await storeIdentity(ctx.env.DB, id);
  if (!identity) return undefined;
  const d1 = storeDatabase(ctx.env, identity);
  return {
    id: identity.id,
    code: identity.code,
    idBase: idBase(identity.id),
    d1,
    db: dbFor(d1),
    stock: stockGate(ctx.env.PRODUCT_STOCK, identity),
  };
}

/** One attempt of the sale on `store`: phase 1, the decision, phase 2. */
async function sellAt(
  ctx: ServiceContext,
  caller: AuthUser,
  input: CreateOrderInput,
  lines: RequestedLine[],
  store: SaleStore,
  options: SaleOptions,
): Promise<OrderView | Replayed<OrderView> | Moved> {
  const { check, idem, lookup } = options;
  const started = ctx.now();
  const orderNumber = newOrderNumber(started, store.code);
  const gate = openGate(
    store.stock,
    orderNumber,
    lines.map((line) => ({ productId: line.product_id, delta: -line.quantity })),
  );
  let facts: SaleFacts;
  let keyRow: Awaited<ReturnType<KeyLookup<OrderView>["find"]>>;
  try {
    [facts, keyRow] = await timed(ctx, "reads", () =>
      Promise.all([
        readFacts(ctx, { lines, input, check, store, orderNumber, actorId: caller.id, now: started }),
        idem && lookup ? lookup.find(store.db) : undefined,
      ]),
    );
  } catch (error) {
    // A hold whose batch's outcome is unknown stays pending: the sweep finds no order and releases it.
    await closeGate(gate);
    throw error;
  }
  const undo = () => Promise.all([closeGate(gate), facts.hold ? releaseHold(ctx.hq.d1, orderNumber, ctx.now()) : null]);
  const refuse = async (error: unknown): Promise<never> => {
    await undo();
    throw error;
  };

  let actor = caller;
  if (check) {
    const confirmed = await settle(() => settleUserCheck(check, facts.user), refuse);
    if (confirmed.store.id !== store.id) {
      await undo();
      return { movedTo: scopeOf(ctx.env, confirmed.store) };
    }
    ctx.actOn(scopeOf(ctx.env, confirmed.store));
    actor = confirmed;
  }
  if (keyRow && lookup) {
    let earlier: OrderView | null;
    try {
      earlier = await lookup.answer(keyRow);
    } catch (error) {
      return refuse(error);
    }
    if (earlier !== null) {
      await undo();
      return new Replayed(earlier);
    }
  }

  const planned = planSale(
    {
      sent: input.order_items,
      lines,
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
  if (!planned.ok) return refuse(saleRefused(planned.problem));
  if (planned.plan.pointsRedeemed > 0 && !facts.hold) {
    return refuse(new ApiError("CONFLICT", "The customer no longer has the points to redeem"));
  }
  const sale: Sale = {
    plan: planned.plan,
    orderNumber,
    actor,
    input,
    facts,
    now: ctx.now().toISOString(),
  };
  return writeSale(ctx, sale, idem, gate);
}

/** Runs a check that throws its refusal; the refusal first undoes what phase 1 held. */
async function settle<T>(check: () => T, refuse: (error: unknown) => Promise<never>): Promise<T> {
  try {
    return check();
  } catch (error) {
    return refuse(error);
  }
}

/** Phase 1's head-office batch: the caller's row, the cart's products, the customer and the points hold. */
async function readFacts(
  ctx: ServiceContext,
  sale: {
    lines: RequestedLine[];
    input: CreateOrderInput;
    check: PendingUserCheck | undefined;
    store: SaleStore;
    orderNumber: string;
    actorId: number;
    now: Date;
  },
): Promise<SaleFacts> {
  const { d1 } = ctx.hq;
  const reads = new Batch(d1);
  const user = sale.check ? reads.add(userCheckStatement(d1, sale.check.claims, sale.check.asked)) : undefined;
  const products = reads.add(
    saleProducts(
      d1,
      sale.lines.map((line) => line.product_id),
      sale.store.id,
    ),
  );
  const customerId = sale.input.customer_id;
  const customer = reads.add(saleCustomer(d1, customerId));
  const points = sale.input.redeem_points ?? 0;
  let hold: Handle<PointsHold | undefined> | undefined;
  if (points > 0 && customerId !== undefined && customerId !== null) {
    const held = holdPoints(d1, {
      ref: sale.orderNumber,
      customerId,
      storeId: sale.store.id,
      points,
      userId: sale.actorId,
      now: sale.now.toISOString(),
      expiresAt: holdExpiry(sale.now),
    });
    hold = reads.add(held.hold);
    for (const effect of held.effects) reads.add(effect);
  }
  await reads.commit();
  return {
    products: new Map(products.value.map((product) => [product.id, product])),
    customer: customer.value,
    user: user?.value,
    hold: hold?.value,
  };
}

/** Phase 2: the store batch through the stock protocol, then the points hold settled as the batch went. */
function writeSale(
  ctx: ServiceContext,
  sale: Sale,
  idem: IdempotencyContext | null,
  gate: OpenGate,
): Promise<OrderView> {
  const { batch, read } = saleBatch(ctx, sale, idem);
  const held = sale.facts.hold !== undefined;
  return gateAndWrite(ctx, {
    ref: sale.orderNumber,
    changes: sale.plan.lines.map((line) => ({
      productId: line.productId,
      delta: -line.quantity,
      productName: line.name,
    })),
    gate,
    batch,
    read,
    recover: () => recoverSale(ctx, sale.orderNumber),
    settled: async (outcome) => {
      if (!held) return;
      // Confirmed after the response; released before the refusal is answered. Unknown: the sweep settles it.
      if (outcome === "committed") ctx.defer(confirmHold(ctx.hq.d1, sale.orderNumber, ctx.now()));
      else if (outcome === "refused") await releaseHold(ctx.hq.d1, sale.orderNumber, ctx.now());
    },
  });
}

/** The sale's batch (in the store's database), and how its committed result reads as the order's view. */
function saleBatch(ctx: ServiceContext, sale: Sale, idem: IdempotencyContext | null) {
  const { d1, idBase } = ctx.store;
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
      idBase,
    ),
  );
  // Its audit event, right after the insert it names (last_insert_rowid()).
  batch.add(
    statement(
      auditStatement(d1, auditAtAs(ctx, "store", actor), {
        action: "order.created",
        entityType: "order",
        entityId: LAST_INSERTED,
        after: {
          order_number: orderNumber,
          // An order that costs nothing completes in this batch (below).
          status: plan.total === 0 ? "completed" : "pending",
          total: plan.total,
          item_count: plan.lines.length,
          customer_id: sale.input.customer_id ?? null,
          discount: plan.discount,
        },
      }),
    ),
  );
  const items = batch.addEach(
    insertOrderItems(
      d1,
      orderNumber,
      plan.lines.map((line) => ({ ...line, productName: line.name, productSku: line.sku })),
    ),
  );
  const stock = stockChanges(
    d1,
    plan.lines.map((line) => ({
      productId: line.productId,
      delta: -line.quantity,
      minStockLevel: sale.facts.products.get(line.productId)?.minStockLevel,
    })),
    {
      idBase,
      userId: actor.id,
      action: "sale",
      referenceNumber: orderNumber,
      notes: "Sale",
      stockRef: orderNumber,
      now,
    },
  );
  for (const update of stock.updates) batch.add(update);
  const left = batch.addEach(stock.logs);
  // An order that costs nothing is paid in full: it completes in this batch,
  // through the same conditional UPDATE (and outbox trigger) as a covering payment.
  const completed = plan.total === 0 ? batch.add(completeIfPaid(d1, { number: orderNumber }, now)) : undefined;
  // The database's last line of defence spoke: the gate and the book disagree.
  batch.refuseOn(
    "stock_levels_non_negative",
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
  // or below the catalog's minimum are worth a low-stock check after the response.
  const low = written.left.value
    .filter((row) => row.quantityAfter <= (sale.facts.products.get(row.productId)?.minStockLevel ?? -1))
    .map((row) => row.productId);
  if (low.length) ctx.notify.lowStock(low);
  const order = written.completed?.value ?? written.inserted.value;
  if (!order) throw new Error("The sale's batch returned no order");
  if (order.status === "completed") completedNow(ctx, order.id);
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

/** An order completed in a committed batch: the receipt, and its outbox event on its way to the head office. */
function completedNow(ctx: ServiceContext, orderId: number) {
  ctx.notify.orderCompleted(orderId);
  ctx.notify.storeEvents();
}

/** The batch landed but its answer was lost: the order as D1 has it. */
async function recoverSale(ctx: ServiceContext, orderNumber: string): Promise<OrderView> {
  const loaded = await loadOrder(ctx, { number: orderNumber });
  if (!loaded) throw new ApiError("SERVICE_UNAVAILABLE", "Order state unknown; retry with the same Idempotency-Key");
  if (loaded.order.status === "completed") completedNow(ctx, loaded.order.id);
  return loaded.view;
}
