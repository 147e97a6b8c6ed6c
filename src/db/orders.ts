/**
 * The orders aggregate's SQL (orders, order_items): reads, the sale's, edit's
 * and cancel's statements, and (last section) what money protocols, payments
 * and refunds, read and run on an order in their own batches, so the order's
 * rules are written once. Everything here is in a store's database; what a
 * sale reads of the catalog and the customer, and the names an order's view
 * shows, are head-office reads (./sale-facts.ts); its stock statements are in ./stock.ts.
 *
 * Simple reads go through Drizzle; what runs inside a protocol batch (the
 * sale's inserts, the edit's and cancel's writes, guards) is raw SQL typed by
 * the batch's statement factories.
 */
import { asc, count, eq, getTableColumns, sql } from "drizzle-orm";
import { returningRow, returningRows, type Statement, statement } from "./batch";
import { type AppDatabase, preparedPerDatabase } from "./client";
import { type Page, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { orderItems, orders, payments } from "./schema";
import { chunk } from "./stock";

export type Order = Row<typeof orders>;
export type OrderItem = Row<typeof orderItems>;
/** An order by its id or by its number. */
export type OrderKey = { id: number } | { number: string };

/**
 * A guard on an order: fails the whole batch when `failWhen` (SQL over the
 * order's row; parameters from ?2 on) holds as the batch runs. It works
 * through the order status trigger (`orders_status_transition`), which refuses setting a
 * status to itself: the UPDATE touches the row only when `failWhen` is true.
 * Use it with `batch.guard(name, …)`; a refusal is `isStatusTransitionRefusal`.
 */
export const orderGuard = (d1: D1Database, orderId: number, failWhen: string, ...params: unknown[]) =>
  d1.prepare(`UPDATE orders SET status = status WHERE id = ?1 AND (${failWhen})`).bind(orderId, ...params);

/**
 * Completes a pending order that is paid in full, in the batch that paid it:
 * whichever payment covers the total completes it, once (the store's
 * `orders_completed_outbox` trigger then writes the event that carries its
 * effects to the head office). RETURNING the row, or
 * nothing when the order is not (yet) covered.
 */
export const completeIfPaid = (d1: D1Database, by: { id: number } | { number: string }, now: string) =>
  returningRow(
    orders,
    d1
      .prepare(
        `UPDATE orders SET status = 'completed', completed_at = ?2, updated_at = ?2
         WHERE ${"id" in by ? "id" : "order_number"} = ?1 AND status = 'pending' AND paid_amount = total RETURNING *`,
      )
      .bind("id" in by ? by.id : by.number, now),
  );

/** Adds `amount` to what was paid on the order (the CHECK `orders_paid_within_total` refuses overpaying). */
export const addPaid = (d1: D1Database, orderId: number, amount: number, now: string): Statement<D1Result> =>
  statement(
    d1
      .prepare("UPDATE orders SET paid_amount = paid_amount + ?2, updated_at = ?3 WHERE id = ?1")
      .bind(orderId, amount, now),
  );

// ─── Reading orders ─────────────────────────────────────────────────────────

/** An order with its items and how many payments it has (the store's part of its view). */
export interface OrderRecord {
  order: Order;
  items: OrderItem[];
  paymentCount: number;
}

const orderIs = (by: OrderKey) => ("id" in by ? eq(orders.id, by.id) : eq(orders.orderNumber, by.number));

/** An order by id or number with its items and payment count, in one round trip to the store's database. */
export async function readOrder(db: AppDatabase, by: OrderKey): Promise<OrderRecord | null> {
  const where = orderIs(by);
  const [found, items, paid] = await db.batch([
    db.select().from(orders).where(where),
    db
      .select(getTableColumns(orderItems))
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(where)
      .orderBy(orderItems.id),
    db
      .select({ count: count(payments.id) })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(where),
  ]);
  const order = found[0];
  if (!order) return null;
  return { order, items, paymentCount: paid[0]?.count ?? 0 };
}

/** Which of `numbers` are orders in this store's database (the points-hold sweep's question). */
export async function ordersWithNumbers(d1: D1Database, numbers: string[]): Promise<Set<string>> {
  const { results } = await d1
    .prepare("SELECT order_number FROM orders WHERE order_number IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(numbers))
    .all<{ order_number: string }>();
  return new Set(results.map((row) => row.order_number));
}

export interface OrderPageQuery {
  skip: number;
  limit: number;
  /** Only this cashier's orders (a user who may not see every order). */
  ownedBy?: number | undefined;
  status?: Order["status"] | undefined;
  customerId?: number | undefined;
  userId?: number | undefined;
  /** created_at from (inclusive), ISO. */
  createdFrom?: string | undefined;
  /** created_at before (exclusive), ISO. */
  createdBefore?: string | undefined;
}

/** A page of orders, newest first. */
export function orderPage(d1: D1Database, q: OrderPageQuery): Promise<Page<Order>> {
  const where = new Where();
  if (q.ownedBy !== undefined) where.and((p) => `o.user_id = ${p}`, q.ownedBy);
  if (q.status) where.and((p) => `o.status = ${p}`, q.status);
  if (q.customerId !== undefined) where.and((p) => `o.customer_id = ${p}`, q.customerId);
  if (q.userId !== undefined) where.and((p) => `o.user_id = ${p}`, q.userId);
  if (q.createdFrom) where.and((p) => `o.created_at >= ${p}`, q.createdFrom);
  if (q.createdBefore) where.and((p) => `o.created_at < ${p}`, q.createdBefore);
  return readPage(d1, {
    select: "SELECT o.* FROM orders o",
    from: "FROM orders o",
    where,
    orderBy: "o.created_at DESC, o.id DESC",
    skip: q.skip,
    limit: q.limit,
    decode: (raw) => decodeRow(orders, raw),
  });
}

/** The items of several orders, by id. The ids travel as one JSON parameter: D1 binds at most 100 values. */
export const itemsOfOrders = (db: AppDatabase, orderIds: number[]): Promise<OrderItem[]> =>
  orderIds.length
    ? db
        .select()
        .from(orderItems)
        .where(sql`${orderItems.orderId} IN (SELECT value FROM json_each(${JSON.stringify(orderIds)}))`)
        .orderBy(orderItems.id)
    : Promise.resolve([]);

// ─── The sale's batch ───────────────────────────────────────────────────────

export type NewOrder = Pick<
  Order,
  | "orderNumber"
  | "customerId"
  | "userId"
  | "subtotal"
  | "tax"
  | "discount"
  | "total"
  | "notes"
  | "pointsRedeemed"
  | "pointsDiscount"
  | "pointsEarned"
>;

/**
 * INSERTs a pending order, RETURNING its row. Its id is the next in the
 * store's range (`idBase`, StoreScope.idBase), so the id says which store's
 * database holds it.
 */
export const insertOrder = (d1: D1Database, o: NewOrder, now: string, idBase: number) =>
  returningRow(
    orders,
    d1
      .prepare(
        `INSERT INTO orders (id, order_number, customer_id, user_id, status, subtotal, tax, discount, total, notes,
           points_redeemed, points_discount, points_earned, created_at, updated_at)
         SELECT COALESCE(MAX(id), ?13) + 1, ?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?9, ?9 FROM orders
         RETURNING *`,
      )
      .bind(
        o.orderNumber,
        o.customerId,
        o.userId,
        o.subtotal,
        o.tax,
        o.discount,
        o.total,
        o.notes,
        now,
        o.pointsRedeemed,
        o.pointsDiscount,
        o.pointsEarned,
        idBase,
      ),
  );

export type NewOrderItem = Pick<
  OrderItem,
  | "productId"
  | "productName"
  | "productSku"
  | "categoryId"
  | "categoryName"
  | "unitCost"
  | "quantity"
  | "unitPrice"
  | "discount"
  | "subtotal"
>;

const ITEM_COLUMNS = [
  "product_id",
  "product_name",
  "product_sku",
  "category_id",
  "category_name",
  "unit_cost",
  "quantity",
  "unit_price",
  "discount",
  "subtotal",
];

/**
 * INSERTs the items of the order `orderNumber` inserted earlier in the same
 * batch, RETURNING their rows: one multi-row INSERT per 9 lines (10 bound
 * values each plus the order number: 91, under D1's 100). What the catalog
 * said at sale time (name, SKU, category, cost) is copied onto each line.
 */
export const insertOrderItems = (d1: D1Database, orderNumber: string, items: NewOrderItem[]) =>
  chunk(items, 9).map((part) => {
    const width = ITEM_COLUMNS.length;
    const values = part
      .map((_, i) => `(${Array.from({ length: width }, (_, k) => `?${i * width + k + 2}`).join(", ")})`)
      .join(", ");
    const columns = ITEM_COLUMNS.join(", ");
    return returningRows(
      orderItems,
      d1
        .prepare(
          `WITH v(${columns}) AS (VALUES ${values})
           INSERT INTO order_items (order_id, ${columns})
           SELECT o.id, ${ITEM_COLUMNS.map((c) => `v.${c}`).join(", ")}
           FROM v JOIN orders o ON o.order_number = ?1 RETURNING *`,
        )
        .bind(
          orderNumber,
          ...part.flatMap((item) => [
            item.productId,
            item.productName,
            item.productSku,
            item.categoryId,
            item.categoryName,
            item.unitCost,
            item.quantity,
            item.unitPrice,
            item.discount,
            item.subtotal,
          ]),
        ),
    );
  });

// ─── The edit's batch ───────────────────────────────────────────────────────

/**
 * The edit's guard: fails the batch when any column the edit computed from or
 * writes back no longer holds what was read (also when the order stopped
 * being pending), through `orderGuard`.
 */
export const unchangedSince = (d1: D1Database, read: Order) =>
  orderGuard(
    d1,
    read.id,
    `NOT (status = ?2 AND customer_id IS ?3 AND notes IS ?4 AND tax = ?5 AND discount = ?6
       AND subtotal = ?7 AND total = ?8 AND paid_amount = ?9 AND points_redeemed = ?10
       AND points_discount = ?11 AND points_earned = ?12)`,
    read.status,
    read.customerId,
    read.notes,
    read.tax,
    read.discount,
    read.subtotal,
    read.total,
    read.paidAmount,
    read.pointsRedeemed,
    read.pointsDiscount,
    read.pointsEarned,
  );

export type OrderEdit = Pick<Order, "customerId" | "notes" | "tax" | "discount" | "total" | "pointsEarned">;

/** Writes an edit to a pending order, RETURNING its id (nothing when the order is no longer pending). */
export const writeEdit = (d1: D1Database, orderId: number, e: OrderEdit, now: string) =>
  returningRow<typeof orders, Pick<Order, "id">>(
    orders,
    d1
      .prepare(
        `UPDATE orders SET customer_id = ?2, notes = ?3, tax = ?4, discount = ?5, total = ?6, points_earned = ?7, updated_at = ?8
         WHERE id = ?1 AND status = 'pending' RETURNING id`,
      )
      .bind(orderId, e.customerId, e.notes, e.tax, e.discount, e.total, e.pointsEarned, now),
  );

// ─── The cancel's batch ─────────────────────────────────────────────────────

/** Sets the order cancelled (the status trigger refuses cancelling it twice). */
export const markCancelled = (d1: D1Database, orderId: number, now: string) =>
  statement(d1.prepare("UPDATE orders SET status = 'cancelled', updated_at = ?2 WHERE id = ?1").bind(orderId, now));

/** Whether a cancel landed (a cancel with nothing left out writes no log row to look for). */
export const cancelLanded = (d1: D1Database, orderId: number) =>
  d1.prepare("SELECT 1 AS found FROM orders WHERE id = ?1 AND status = 'cancelled'").bind(orderId).first();

// ─── What money (payments, refunds) reads and runs on an order ──────────────

/** What a payment needs to know about the order it pays. */
export type OrderMoney = Pick<Order, "id" | "orderNumber" | "status" | "total" | "paidAmount" | "userId">;

const moneyColumns = {
  id: orders.id,
  orderNumber: orders.orderNumber,
  status: orders.status,
  total: orders.total,
  paidAmount: orders.paidAmount,
  userId: orders.userId,
};

const orderMoneyById = preparedPerDatabase((db) =>
  db
    .select(moneyColumns)
    .from(orders)
    .where(eq(orders.id, sql.placeholder("id")))
    .prepare(),
);

/** Read by every payment before its batch. */
export const findOrderMoney = (db: AppDatabase, orderId: number): Promise<OrderMoney | undefined> =>
  orderMoneyById(db).get({ id: orderId });

/** The order's money as the batch left it (its last statement on the order). */
export type OrderBalance = Pick<Order, "status" | "total" | "paidAmount">;

export const orderBalanceAfter = (d1: D1Database, orderId: number): Statement<OrderBalance | undefined> =>
  returningRow<typeof orders, OrderBalance>(
    orders,
    d1.prepare("SELECT status, total, paid_amount FROM orders WHERE id = ?1").bind(orderId),
  );

/** What a refund is planned on: the order's status, customer and points, and its lines (money in cents). */
export type RefundableOrder = Pick<Order, "id" | "orderNumber" | "status" | "customerId" | "total" | "pointsEarned"> & {
  lines: Pick<Row<typeof orderItems>, "id" | "productId" | "quantity" | "refundedQuantity" | "subtotal">[];
};

/** The order and its lines in one round trip (one D1 batch). */
export async function findRefundableOrder(db: AppDatabase, orderId: number): Promise<RefundableOrder | undefined> {
  const [found, lines] = await db.batch([
    db
      .select({
        id: orders.id,
        orderNumber: orders.orderNumber,
        status: orders.status,
        customerId: orders.customerId,
        total: orders.total,
        pointsEarned: orders.pointsEarned,
      })
      .from(orders)
      .where(eq(orders.id, orderId)),
    db
      .select({
        id: orderItems.id,
        productId: orderItems.productId,
        quantity: orderItems.quantity,
        refundedQuantity: orderItems.refundedQuantity,
        subtotal: orderItems.subtotal,
      })
      .from(orderItems)
      .where(eq(orderItems.orderId, orderId))
      .orderBy(asc(orderItems.id)),
  ]);
  const order = found[0];
  return order && { ...order, lines };
}

export const findOrderStatus = async (db: AppDatabase, orderId: number) =>
  (await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get())?.status;

/*
 * Guards (for `batch.guard`): each fails the batch when the order no longer
 * holds what the money was planned on (see `orderGuard`).
 */

/** Fails unless the order is still pending (paying a completed, cancelled or refunded order). */
export const unlessPending = (d1: D1Database, orderId: number) => orderGuard(d1, orderId, "status != 'pending'");

/** Fails unless the order still owes exactly `owed` cents (cash change was worked out from it). */
export const unlessOwing = (d1: D1Database, orderId: number, owed: number) =>
  orderGuard(d1, orderId, "total - paid_amount != ?2", owed);

/** Fails unless the order's status is still `status` (what a refund reverses depends on it). */
export const unlessStatus = (d1: D1Database, orderId: number, status: string) =>
  orderGuard(d1, orderId, "status != ?2", status);

/** The refunded money leaves the paid amount and joins the refunded amount. */
export const takeBackPaid = (d1: D1Database, orderId: number, amount: number, now: string) =>
  statement(
    d1
      .prepare(
        "UPDATE orders SET paid_amount = paid_amount - ?2, refunded_amount = refunded_amount + ?2, updated_at = ?3 WHERE id = ?1",
      )
      .bind(orderId, amount, now),
  );

/** All money taken has come back: a completed order becomes refunded (the status trigger checks the transition). */
export const refundedWhenNothingPaid = (d1: D1Database, orderId: number, now: string) =>
  statement(
    d1
      .prepare(
        "UPDATE orders SET status = 'refunded', updated_at = ?2 WHERE id = ?1 AND status = 'completed' AND paid_amount = 0",
      )
      .bind(orderId, now),
  );

/** The order's status as the batch left it. */
export const orderStatusAfter = (d1: D1Database, orderId: number) =>
  returningRow<typeof orders, Pick<Order, "status">>(
    orders,
    d1.prepare("SELECT status FROM orders WHERE id = ?1").bind(orderId),
  );

/** Counts units of a line as refunded (the CHECK `order_items_refunded_within_quantity` caps them). */
export const addRefundedQuantity = (d1: D1Database, orderItemId: number, quantity: number) =>
  statement(
    d1
      .prepare("UPDATE order_items SET refunded_quantity = refunded_quantity + ?2 WHERE id = ?1")
      .bind(orderItemId, quantity),
  );
