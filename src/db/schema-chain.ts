/**
 * Head-office tables that span the chain's stores (migrations/head-office/,
 * generated with schema-head-office.ts):
 *
 * - transfers of goods between stores, their lines and the steps that moved
 *   stock (the head office holds what is in transit; each step's stock moves
 *   in one store's batch);
 * - daily rollups: one row per store and local day of what the reports need,
 *   written by the daily job and rebuilt when a late event changes a closed
 *   day, so chain-wide reports read a few thousand rows, not every sale;
 * - the order index: every store's orders by number, customer and date, kept
 *   by the stores' outboxes, for lookups across the chain.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { inList, ORDER_STATUSES, PAYMENT_METHODS, timestamps } from "./schema-common";
import { stores } from "./schema-head-office";

export const TRANSFER_STATUSES = ["draft", "sent", "received", "cancelled"] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];
export const TRANSFER_STEP_KINDS = ["send", "receive", "cancel"] as const;
export type TransferStepKind = (typeof TRANSFER_STEP_KINDS)[number];
export const TRANSFER_STEP_STATUSES = ["pending", "applied"] as const;

/**
 * Goods moving from one store to another: `draft` → `sent` → `received`
 * (once every sent unit arrived) | `cancelled` (from draft, or from sent:
 * what is still in transit goes back to the source).
 */
export const transfers = sqliteTable(
  "transfers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** TRF-<FROM>-YYYYMMDD-<HEX8>: readable on a delivery note, unique across the chain. */
    transferNumber: text("transfer_number").notNull(),
    fromStoreId: integer("from_store_id")
      .notNull()
      .references(() => stores.id),
    toStoreId: integer("to_store_id")
      .notNull()
      .references(() => stores.id),
    status: text("status", { enum: TRANSFER_STATUSES }).notNull().default("draft"),
    note: text("note"),
    createdBy: integer("created_by").notNull(),
    sentBy: integer("sent_by"),
    sentAt: text("sent_at"),
    receivedAt: text("received_at"),
    cancelledBy: integer("cancelled_by"),
    cancelledAt: text("cancelled_at"),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("transfers_number_unique").on(t.transferNumber),
    index("transfers_from_idx").on(t.fromStoreId, t.createdAt),
    index("transfers_to_idx").on(t.toStoreId, t.createdAt),
    index("transfers_status_idx").on(t.status, t.createdAt),
    check("transfers_status_check", inList("status", TRANSFER_STATUSES)),
    check("transfers_two_stores", sql`${t.fromStoreId} <> ${t.toStoreId}`),
  ],
);

/**
 * A product on a transfer. In transit = sent − received − returned; the
 * CHECK is the gate of receipts and cancels: a head-office batch that would
 * receive or return more than is in transit fails as a whole.
 */
export const transferLines = sqliteTable(
  "transfer_lines",
  {
    transferId: integer("transfer_id")
      .notNull()
      .references(() => transfers.id, { onDelete: "cascade" }),
    productId: integer("product_id").notNull(),
    // Copied from the catalog when the line is written, for delivery notes and lists.
    productName: text("product_name").notNull(),
    productSku: text("product_sku").notNull(),
    /** Planned on the draft; sent as is. */
    quantity: integer("quantity").notNull(),
    sent: integer("sent").notNull().default(0),
    received: integer("received").notNull().default(0),
    /** Sent but never received: back at the source after a cancel. */
    returned: integer("returned").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.transferId, t.productId] }),
    index("transfer_lines_product_idx").on(t.productId),
    check("transfer_lines_quantity_positive", sql`${t.quantity} > 0`),
    check(
      "transfer_lines_within_sent",
      sql`${t.sent} >= 0 AND ${t.received} >= 0 AND ${t.returned} >= 0 AND ${t.sent} <= ${t.quantity} AND ${t.received} + ${t.returned} <= ${t.sent}`,
    ),
  ],
);

/**
 * A step that moved a transfer's stock (a send, each receipt, a cancel of a
 * sent transfer), keyed per transfer: `send`, `cancel`, `receive:<key>`. It
 * is written `pending` in the head-office batch that changes the lines, then
 * the stock moves in the store's batch (stock ref `TRF-<id>-<step key>@<ms the step was held>`:
 * one per attempt, since an object never retakes a ref it released), then
 * it becomes `applied`. A step whose store batch was refused is deleted with
 * its line changes undone; one left pending (outcome unknown) is settled by
 * the sweep after `expires_at`, by looking its stock ref up in the store.
 * At most one step of a transfer is pending at a time (partial unique index).
 */
export const transferSteps = sqliteTable(
  "transfer_steps",
  {
    transferId: integer("transfer_id")
      .notNull()
      .references(() => transfers.id, { onDelete: "cascade" }),
    stepKey: text("step_key").notNull(),
    kind: text("kind", { enum: TRANSFER_STEP_KINDS }).notNull(),
    /** The store whose stock the step moved (source for send and cancel, destination for receive). */
    storeId: integer("store_id").notNull(),
    status: text("status", { enum: TRANSFER_STEP_STATUSES }).notNull().default("pending"),
    /** JSON `[{product_id, quantity}]`: what the step moved. */
    lines: text("lines").notNull(),
    userId: integer("user_id"),
    /** The store batch must commit before this (the store's deadline trigger refuses it after). */
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    appliedAt: text("applied_at"),
  },
  (t) => [
    primaryKey({ columns: [t.transferId, t.stepKey] }),
    uniqueIndex("transfer_steps_one_pending").on(t.transferId).where(sql`status = 'pending'`),
    index("transfer_steps_pending_idx").on(t.status, t.expiresAt),
    check("transfer_steps_kind_check", inList("kind", TRANSFER_STEP_KINDS)),
    check("transfer_steps_status_check", inList("status", TRANSFER_STEP_STATUSES)),
  ],
);

/**
 * One store's local day, as the reports need it (money in cents, the store's
 * currency). Written by the daily job for closed days, rebuilt from the
 * store's database when a late event changes one (rollups.ts); the detail
 * tables below hold the same day per product, category, method and cashier.
 */
export const dailyRollups = sqliteTable(
  "daily_rollups",
  {
    storeId: integer("store_id")
      .notNull()
      .references(() => stores.id),
    /** The store's local date, YYYY-MM-DD. */
    date: text("date").notNull(),
    currency: text("currency").notNull(),
    /** Orders created that day, whatever became of them. */
    orders: integer("orders").notNull().default(0),
    /** Of those, sold (completed or refunded) and cancelled. */
    soldOrders: integer("sold_orders").notNull().default(0),
    cancelledOrders: integer("cancelled_orders").notNull().default(0),
    /** Sums over the sold orders. */
    gross: integer("gross").notNull().default(0),
    discounts: integer("discounts").notNull().default(0),
    tax: integer("tax").notNull().default(0),
    sales: integer("sales").notNull().default(0),
    /** Still owed on that day's pending orders. */
    pendingAmount: integer("pending_amount").notNull().default(0),
    /** Payments taken that day. */
    taken: integer("taken").notNull().default(0),
    /** Refunds given that day. */
    refunds: integer("refunds").notNull().default(0),
    refundCount: integer("refund_count").notNull().default(0),
    computedAt: text("computed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.date] }),
    index("daily_rollups_date_idx").on(t.date, t.storeId),
    // Covering index of the chain's sales by date: a year of 20 stores is read from the index alone.
    index("daily_rollups_sales_idx").on(
      t.storeId,
      t.date,
      t.soldOrders,
      t.gross,
      t.discounts,
      t.tax,
      t.sales,
      t.refunds,
    ),
  ],
);

/** A product's sales at a store on a day (sold orders), with the names the sale copied. */
export const dailyRollupProducts = sqliteTable(
  "daily_rollup_products",
  {
    storeId: integer("store_id").notNull(),
    date: text("date").notNull(),
    productId: integer("product_id").notNull(),
    productName: text("product_name").notNull(),
    productSku: text("product_sku").notNull(),
    categoryId: integer("category_id"),
    units: integer("units").notNull(),
    revenue: integer("revenue").notNull(),
    cost: integer("cost").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.date, t.productId] }),
    // The chain report's range scan: every store's products for a range of dates.
    index("daily_rollup_products_date_idx").on(t.date, t.productId, t.units, t.revenue, t.cost),
  ],
);

/** A category's sales at a store on a day; `category_key` is the category id, 0 for lines without one. */
export const dailyRollupCategories = sqliteTable(
  "daily_rollup_categories",
  {
    storeId: integer("store_id").notNull(),
    date: text("date").notNull(),
    categoryKey: integer("category_key").notNull(),
    categoryName: text("category_name").notNull(),
    units: integer("units").notNull(),
    revenue: integer("revenue").notNull(),
    cost: integer("cost").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.storeId, t.date, t.categoryKey] }),
    index("daily_rollup_categories_date_idx").on(t.date),
  ],
);

/** Payments taken and refunds given per method at a store on a day. */
export const dailyRollupMethods = sqliteTable(
  "daily_rollup_methods",
  {
    storeId: integer("store_id").notNull(),
    date: text("date").notNull(),
    method: text("method", { enum: PAYMENT_METHODS }).notNull(),
    count: integer("count").notNull().default(0),
    amount: integer("amount").notNull().default(0),
    refundCount: integer("refund_count").notNull().default(0),
    refunds: integer("refunds").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.date, t.method] }), index("daily_rollup_methods_date_idx").on(t.date)],
);

/** A cashier's sold orders and the refunds given on their orders at a store on a day. */
export const dailyRollupCashiers = sqliteTable(
  "daily_rollup_cashiers",
  {
    storeId: integer("store_id").notNull(),
    date: text("date").notNull(),
    userId: integer("user_id").notNull(),
    orders: integer("orders").notNull().default(0),
    sales: integer("sales").notNull().default(0),
    refundCount: integer("refund_count").notNull().default(0),
    refunds: integer("refunds").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.date, t.userId] }), index("daily_rollup_cashiers_date_idx").on(t.date)],
);

/**
 * Every store's orders, as their outboxes report them (order.created and
 * order.changed events carry a snapshot). `seq` is the store outbox row that
 * carried the snapshot: a snapshot older than the one held is ignored, so
 * events applied out of order never move an order back.
 */
export const orderIndex = sqliteTable(
  "order_index",
  {
    orderId: integer("order_id").primaryKey(),
    orderNumber: text("order_number").notNull(),
    storeId: integer("store_id").notNull(),
    customerId: integer("customer_id"),
    userId: integer("user_id").notNull(),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    total: integer("total").notNull(),
    paidAmount: integer("paid_amount").notNull().default(0),
    refundedAmount: integer("refunded_amount").notNull().default(0),
    /** When the order was created at its store (ISO UTC). */
    createdAt: text("created_at").notNull(),
    seq: integer("seq").notNull(),
    indexedAt: text("indexed_at").notNull(),
  },
  (t) => [
    uniqueIndex("order_index_number_unique").on(t.orderNumber),
    index("order_index_customer_idx").on(t.customerId, t.createdAt),
    index("order_index_store_idx").on(t.storeId, t.createdAt),
    index("order_index_customer_spend_idx").on(t.status, t.customerId, t.total, t.refundedAmount),
  ],
);
