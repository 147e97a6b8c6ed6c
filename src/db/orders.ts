/**
 * The orders aggregate's SQL (orders, order_items). Statements that other
 * protocols run on an order in their own batches (payments, refunds) live
 * here too, so the order's rules are written once.
 *
 * Simple reads go through Drizzle; what runs inside a protocol batch (the
 * sale's inserts, the edit's and cancel's writes, guards) is raw SQL typed by
 * the batch's statement factories.
 */
import { count, eq, getTableColumns, sql } from "drizzle-orm";
import { returningRow, returningRows, type Statement, statement } from "./batch";
import type { AppDatabase } from "./client";
import { type Page, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { customers, inventoryLogs, orderItems, orders, payments, products, users } from "./schema";
import { chunk } from "./stock";

export type Order = Row<typeof orders>;
export type OrderItem = Row<typeof orderItems>;
/** An order by its id or by its number. */
export type OrderKey = { id: number } | { number: string };

/**
 * A guard on an order: fails the whole batch when `failWhen` (SQL over the
 * order's row; parameters from ?2 on) holds as the batch runs. It works
 * through the order status trigger (migration 0005), which refuses setting a
 * status to itself: the UPDATE touches the row only when `failWhen` is true.
 * Use it with `batch.guard(name, …)`; a refusal is `isStatusTransitionRefusal`.
 */
export const orderGuard = (d1: D1Database, orderId: number, failWhen: string, ...params: unknown[]) =>
  d1.prepare(`UPDATE orders SET status = status WHERE id = ?1 AND (${failWhen})`).bind(orderId, ...params);

/**
 * Completes a pending order that is paid in full, in the batch that paid it:
 * whichever payment covers the total completes it, once (the completion
 * trigger of migration 0007 then applies its effects). RETURNING the row, or
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

export type CustomerSummary = Pick<Row<typeof customers>, "id" | "firstName" | "lastName" | "email">;
export type CashierSummary = Pick<Row<typeof users>, "id" | "username" | "fullName">;

/** An order with what its view shows: items, customer, cashier and how many payments it has. */
export interface OrderRecord {
  order: Order;
  items: OrderItem[];
  customer: CustomerSummary | null;
  cashier: CashierSummary | null;
  paymentCount: number;
}

const orderIs = (by: OrderKey) => ("id" in by ? eq(orders.id, by.id) : eq(orders.orderNumber, by.number));

/** An order by id or number with its items, customer, cashier and payment count, in one round trip. */
export async function readOrder(db: AppDatabase, by: OrderKey): Promise<OrderRecord | null> {
  const where = orderIs(by);
  const [found, items, customer, cashier, paid] = await db.batch([
    db.select().from(orders).where(where),
    db
      .select(getTableColumns(orderItems))
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(where)
      .orderBy(orderItems.id),
    db
      .select({
        id: customers.id,
        firstName: customers.firstName,
        lastName: customers.lastName,
        email: customers.email,
      })
      .from(customers)
      .innerJoin(orders, eq(orders.customerId, customers.id))
      .where(where),
    db
      .select({ id: users.id, username: users.username, fullName: users.fullName })
      .from(users)
      .innerJoin(orders, eq(orders.userId, users.id))
      .where(where),
    db
      .select({ count: count(payments.id) })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(where),
  ]);
  const order = found[0];
  if (!order) return null;
  return {
    order,
    items,
    customer: customer[0] ?? null,
    cashier: cashier[0] ?? null,
    paymentCount: paid[0]?.count ?? 0,
  };
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

/** Where an order stands on money, to explain why a batch on it was refused. */
export const orderMoneyState = (db: AppDatabase, orderId: number) =>
  db.select({ status: orders.status, paidAmount: orders.paidAmount }).from(orders).where(eq(orders.id, orderId)).get();

// ─── What a sale reads of the catalog and the customer ──────────────────────

export type SaleProduct = Pick<Row<typeof products>, "id" | "sku" | "name" | "price" | "isActive" | "minStockLevel">;
export type SaleCustomer = CustomerSummary & Pick<Row<typeof customers>, "isActive" | "loyaltyPoints">;

/** The cart's products, for the sale's read (one statement of its facts batch). */
export function saleProducts(d1: D1Database, productIds: number[]): Statement<SaleProduct[]> {
  const placeholders = productIds.map((_, i) => `?${i + 1}`).join(",");
  return returningRows<typeof products, SaleProduct>(
    products,
    d1
      .prepare(`SELECT id, sku, name, price, is_active, min_stock_level FROM products WHERE id IN (${placeholders})`)
      .bind(...productIds),
  );
}

/** The sale's customer (none when the sale names none). */
export const saleCustomer = (d1: D1Database, customerId: number | null | undefined) =>
  returningRow<typeof customers, SaleCustomer>(
    customers,
    d1
      .prepare("SELECT id, first_name, last_name, email, is_active, loyalty_points FROM customers WHERE id = ?1")
      .bind(customerId ?? -1),
  );

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

/** INSERTs a pending order, RETURNING its row. */
export const insertOrder = (d1: D1Database, o: NewOrder, now: string) =>
  returningRow(
    orders,
    d1
      .prepare(
        `INSERT INTO orders (order_number, customer_id, user_id, status, subtotal, tax, discount, total, notes,
           points_redeemed, points_discount, points_earned, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?9, ?9) RETURNING *`,
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
      ),
  );

export type NewOrderItem = Pick<
  OrderItem,
  "productId" | "productName" | "productSku" | "quantity" | "unitPrice" | "discount" | "subtotal"
>;

/**
 * INSERTs the items of the order `orderNumber` inserted earlier in the same
 * batch, RETURNING their rows: one multi-row INSERT per 12 lines (7 bound
 * values each plus the order number: 85, under D1's 100).
 */
export const insertOrderItems = (d1: D1Database, orderNumber: string, items: NewOrderItem[]) =>
  chunk(items, 12).map((part) => {
    const values = part
      .map((_, i) => `(${Array.from({ length: 7 }, (_, k) => `?${i * 7 + k + 2}`).join(", ")})`)
      .join(", ");
    return returningRows(
      orderItems,
      d1
        .prepare(
          `WITH v(product_id, product_name, product_sku, quantity, unit_price, discount, subtotal) AS (VALUES ${values})
           INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal)
           SELECT o.id, v.product_id, v.product_name, v.product_sku, v.quantity, v.unit_price, v.discount, v.subtotal
           FROM v JOIN orders o ON o.order_number = ?1 RETURNING *`,
        )
        .bind(
          orderNumber,
          ...part.flatMap((item) => [
            item.productId,
            item.productName,
            item.productSku,
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

/** What a cancel whose answer was lost put back, per product: the log rows it wrote under its stock ref. */
export async function unitsReturnedUnder(db: AppDatabase, ref: string): Promise<Map<number, number>> {
  const rows = await db
    .select({ productId: inventoryLogs.productId, quantityChange: inventoryLogs.quantityChange })
    .from(inventoryLogs)
    .where(eq(inventoryLogs.stockRef, ref));
  return new Map(rows.map((row) => [row.productId, row.quantityChange]));
}

/** Whether a cancel landed (a cancel with nothing left out writes no log row to look for). */
export const cancelLanded = (d1: D1Database, orderId: number) =>
  d1.prepare("SELECT 1 AS found FROM orders WHERE id = ?1 AND status = 'cancelled'").bind(orderId).first();
