/**
 * Drizzle tables: the source of the columns, indexes and CHECKs;
 * `npm run db:generate` turns changes here into a numbered SQL file in
 * migrations/. What Drizzle cannot describe lives only in hand-written
 * migrations: the products FTS table and its triggers (0002), the order
 * status machine (0005) and the completion effects (0007).
 *
 * Conventions: money is integer minor units (cents); timestamps are ISO-8601
 * UTC text ("2026-11-25T14:00:00.000Z"), which sorts and range-scans like a
 * number and reads well in backups; booleans are 0/1 integers.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const ROLES = ["admin", "manager", "cashier", "inventory_officer"] as const;
export type Role = (typeof ROLES)[number];

export const ORDER_STATUSES = ["pending", "completed", "cancelled", "refunded"] as const;
export const PAYMENT_METHODS = [
  "cash",
  "credit_card",
  "debit_card",
  "mobile_payment",
  "bank_transfer",
  "cheque",
  "other",
] as const;
export const PAYMENT_STATUSES = ["pending", "completed", "failed", "refunded", "partially_refunded"] as const;
export const INVENTORY_ACTIONS = ["stock_in", "stock_out", "adjustment", "damage", "return", "sale"] as const;

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(", ")})`);

const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    fullName: text("full_name"),
    phoneNumber: text("phone_number"),
    role: text("role", { enum: ROLES }).notNull().default("cashier"),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    isVerified: integer("is_verified", { mode: "boolean" }).notNull().default(false),
    // Bumped on deactivation and password change: access tokens carry the value
    // they were issued with and stop working when it moves. (A role change needs
    // no bump: every request reads the user's current role from D1.)
    tokenVersion: integer("token_version").notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_username_unique").on(sql`lower(${t.username})`),
    uniqueIndex("users_email_unique").on(sql`lower(${t.email})`),
    index("users_role_idx").on(t.role),
    check("users_role_check", inList("role", ROLES)),
  ],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    // The token's `jti`; the token itself is never stored, only its SHA-256.
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Every rotation of one login shares a family; reuse of a spent token revokes it.
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    usedAt: text("used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    index("refresh_tokens_user_idx").on(t.userId),
    index("refresh_tokens_family_idx").on(t.familyId),
    // The hourly housekeeping deletes expired tokens without scanning the table.
    index("refresh_tokens_expires_idx").on(t.expiresAt),
  ],
);

/**
 * Sign-in counters, one row per throttling key ("pair:john|1.2.3.4",
 * "addr:1.2.3.4", "name:john"; see services/login-throttle.ts). Times in ms.
 */
export const loginAttempts = sqliteTable(
  "login_attempts",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    windowStartedAt: integer("window_started_at").notNull(),
    lockedUntil: integer("locked_until"),
  },
  // The hourly housekeeping finds counters whose window has passed.
  (t) => [index("login_attempts_window_idx").on(t.windowStartedAt)],
);

export const categories = sqliteTable(
  "categories",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    description: text("description"),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("categories_name_unique").on(sql`lower(${t.name})`),
    index("categories_active_idx").on(t.isActive),
  ],
);

export const products = sqliteTable(
  "products",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    barcode: text("barcode"),
    price: integer("price").notNull(),
    costPrice: integer("cost_price").notNull().default(0),
    stockQuantity: integer("stock_quantity").notNull().default(0),
    minStockLevel: integer("min_stock_level").notNull().default(0),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    categoryId: integer("category_id").references(() => categories.id, { onDelete: "set null" }),
    imageUrl: text("image_url"),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("products_sku_unique").on(t.sku),
    uniqueIndex("products_barcode_unique").on(t.barcode),
    index("products_category_idx").on(t.categoryId, t.isActive),
    // Rowid order within is_active: the default product list pages without a sort step.
    index("products_active_idx").on(t.isActive),
    index("products_active_name_idx").on(t.isActive, t.name),
    index("products_active_price_idx").on(t.isActive, t.price),
    index("products_low_stock_idx").on(t.isActive, t.stockQuantity),
    // The last line of defence against overselling: a batch that would take
    // stock below zero fails as a whole.
    check("products_stock_non_negative", sql`${t.stockQuantity} >= 0`),
    check("products_min_stock_non_negative", sql`${t.minStockLevel} >= 0`),
    check("products_price_non_negative", sql`${t.price} >= 0 AND ${t.costPrice} >= 0`),
  ],
);

export const customers = sqliteTable(
  "customers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull(),
    email: text("email"),
    phone: text("phone"),
    address: text("address"),
    city: text("city"),
    state: text("state"),
    zipCode: text("zip_code"),
    country: text("country"),
    /** Free text for staff; migration 0013 notes here an email it moved away (see README). */
    notes: text("notes"),
    loyaltyPoints: integer("loyalty_points").notNull().default(0),
    totalSpent: integer("total_spent").notNull().default(0),
    isActive: integer("is_active", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    index("customers_email_idx").on(t.email),
    // Unique when present, ignoring case (migration 0013); any number may have none.
    uniqueIndex("customers_email_unique")
      .on(sql`lower(${t.email})`)
      .where(sql`${t.email} IS NOT NULL AND ${t.email} <> ''`),
    index("customers_phone_idx").on(t.phone),
    index("customers_name_idx").on(t.lastName, t.firstName),
    index("customers_spent_idx").on(t.totalSpent),
    check("customers_points_non_negative", sql`${t.loyaltyPoints} >= 0`),
    check("customers_spent_non_negative", sql`${t.totalSpent} >= 0`),
  ],
);

export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderNumber: text("order_number").notNull(),
    customerId: integer("customer_id").references(() => customers.id, { onDelete: "set null" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: ORDER_STATUSES }).notNull().default("pending"),
    subtotal: integer("subtotal").notNull(),
    tax: integer("tax").notNull().default(0),
    discount: integer("discount").notNull().default(0),
    total: integer("total").notNull(),
    notes: text("notes"),
    /** Net money taken: Σ completed payments − Σ refunds. Never above the total. */
    paidAmount: integer("paid_amount").notNull().default(0),
    refundedAmount: integer("refunded_amount").notNull().default(0),
    /** Loyalty points turned into discount at sale time (given back on cancel). */
    pointsRedeemed: integer("points_redeemed").notNull().default(0),
    /** The discount those points bought, in cents (kept apart from the manual `discount`). */
    pointsDiscount: integer("points_discount").notNull().default(0),
    /** Points the customer earns when the order completes (trigger-applied). */
    pointsEarned: integer("points_earned").notNull().default(0),
    ...timestamps,
    completedAt: text("completed_at"),
  },
  (t) => [
    uniqueIndex("orders_number_unique").on(t.orderNumber),
    index("orders_customer_idx").on(t.customerId, t.createdAt),
    index("orders_user_idx").on(t.userId, t.createdAt),
    index("orders_created_idx").on(t.createdAt),
    // Covering index for the sales reports: status first (the reports filter
    // on it; this index also serves every status + date filter of the order
    // lists), then the created_at range; every sum is read from the index alone.
    index("orders_sales_report_idx").on(
      t.status,
      t.createdAt,
      t.subtotal,
      t.discount,
      t.pointsDiscount,
      t.tax,
      t.total,
      t.userId,
    ),
    check("orders_status_check", inList("status", ORDER_STATUSES)),
    check(
      "orders_amounts_non_negative",
      sql`${t.subtotal} >= 0 AND ${t.tax} >= 0 AND ${t.discount} >= 0 AND ${t.total} >= 0`,
    ),
    // Racing payments cannot take more than the total: the batch that would fails.
    check("orders_paid_within_total", sql`${t.paidAmount} >= 0 AND ${t.paidAmount} <= ${t.total}`),
    // One CHECK per column, named as migration 0006 added them (ALTER TABLE ... ADD with its own CHECK).
    check("orders_refunded_non_negative", sql`${t.refundedAmount} >= 0`),
    check("orders_points_redeemed_non_negative", sql`${t.pointsRedeemed} >= 0`),
    check("orders_points_discount_non_negative", sql`${t.pointsDiscount} >= 0`),
    check("orders_points_earned_non_negative", sql`${t.pointsEarned} >= 0`),
  ],
);

export const orderItems = sqliteTable(
  "order_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    productId: integer("product_id")
      .notNull()
      .references(() => products.id),
    productName: text("product_name").notNull(),
    productSku: text("product_sku").notNull(),
    quantity: integer("quantity").notNull(),
    unitPrice: integer("unit_price").notNull(),
    discount: integer("discount").notNull().default(0),
    subtotal: integer("subtotal").notNull(),
    refundedQuantity: integer("refunded_quantity").notNull().default(0),
  },
  (t) => [
    index("order_items_order_idx").on(t.orderId),
    // Covering index for products-sales: order → product, units, revenue.
    index("order_items_report_idx").on(t.orderId, t.productId, t.quantity, t.subtotal),
    check(
      "order_items_refunded_within_quantity",
      sql`${t.refundedQuantity} >= 0 AND ${t.refundedQuantity} <= ${t.quantity}`,
    ),
    index("order_items_product_idx").on(t.productId),
    check("order_items_quantity_positive", sql`${t.quantity} > 0`),
    check("order_items_amounts_non_negative", sql`${t.unitPrice} >= 0 AND ${t.discount} >= 0 AND ${t.subtotal} >= 0`),
  ],
);

export const payments = sqliteTable(
  "payments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id),
    paymentMethod: text("payment_method", { enum: PAYMENT_METHODS }).notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull().default("completed"),
    amount: integer("amount").notNull(),
    transactionId: text("transaction_id"),
    referenceNumber: text("reference_number"),
    notes: text("notes"),
    /** Cash handed over; `amount` is what was applied and `change_due` what went back. */
    amountTendered: integer("amount_tendered"),
    changeDue: integer("change_due").notNull().default(0),
    /** Σ refunds of this payment; never above `amount` (enforced in the refund's batch). */
    refundedAmount: integer("refunded_amount").notNull().default(0),
    userId: integer("user_id").references(() => users.id),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("payments_transaction_unique").on(t.transactionId),
    index("payments_order_idx").on(t.orderId),
    index("payments_created_idx").on(t.createdAt),
    index("payments_method_report_idx").on(t.status, t.createdAt, t.paymentMethod, t.amount),
    check("payments_method_check", inList("payment_method", PAYMENT_METHODS)),
    check("payments_status_check", inList("status", PAYMENT_STATUSES)),
    check("payments_amount_positive", sql`${t.amount} > 0`),
    check("payments_refunds_within_amount", sql`${t.refundedAmount} >= 0 AND ${t.refundedAmount} <= ${t.amount}`),
  ],
);

export const inventoryLogs = sqliteTable(
  "inventory_logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    productId: integer("product_id")
      .notNull()
      .references(() => products.id),
    userId: integer("user_id").references(() => users.id),
    action: text("action", { enum: INVENTORY_ACTIONS }).notNull(),
    quantityChange: integer("quantity_change").notNull(),
    quantityBefore: integer("quantity_before").notNull(),
    quantityAfter: integer("quantity_after").notNull(),
    referenceNumber: text("reference_number"),
    notes: text("notes"),
    // The stock operation that wrote this row (an order number, ADJ-…, CAN-…):
    // the product's Durable Object looks it up to settle a reservation whose
    // outcome it never heard.
    stockRef: text("stock_ref"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("inventory_logs_product_idx").on(t.productId, t.createdAt),
    // One row per product per stock operation: a replayed batch cannot log twice.
    uniqueIndex("inventory_logs_stock_ref_unique").on(t.stockRef, t.productId),
    index("inventory_logs_action_idx").on(t.action, t.createdAt),
    index("inventory_logs_user_idx").on(t.userId, t.createdAt),
    index("inventory_logs_created_idx").on(t.createdAt),
    check("inventory_logs_action_check", inList("action", INVENTORY_ACTIONS)),
    check("inventory_logs_after_non_negative", sql`${t.quantityAfter} >= 0 AND ${t.quantityBefore} >= 0`),
  ],
);

export type UserRow = typeof users.$inferSelect;

/**
 * Every change to a customer's loyalty points is a row here; the customer's
 * `loyalty_points` is the running balance and equals the last row's
 * `balance_after`.
 */
export const loyaltyLedger = sqliteTable(
  "loyalty_ledger",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    delta: integer("delta").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    reason: text("reason").notNull(),
    userId: integer("user_id").references(() => users.id),
    orderId: integer("order_id").references(() => orders.id),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("loyalty_ledger_customer_idx").on(t.customerId, t.id),
    index("loyalty_ledger_order_idx").on(t.orderId),
    check("loyalty_ledger_balance_non_negative", sql`${t.balanceAfter} >= 0`),
  ],
);

/**
 * Idempotency records for writes that move money or stock. The row is
 * written in the same D1 batch as the effect, so "key exists" means "effect
 * happened"; the stored response is filled in right after.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: integer("user_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** SHA-256 of method, path and the canonical JSON body. */
    requestHash: text("request_hash").notNull(),
    /** What the effect created, to re-render the answer when no response was stored. */
    resourceType: text("resource_type").notNull(),
    resourceRef: text("resource_ref").notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

/** A refund of (part of) one payment, optionally itemised with goods back on the shelf. */
export const refunds = sqliteTable(
  "refunds",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    paymentId: integer("payment_id")
      .notNull()
      .references(() => payments.id),
    orderId: integer("order_id")
      .notNull()
      .references(() => orders.id),
    amount: integer("amount").notNull(),
    reason: text("reason").notNull(),
    userId: integer("user_id").references(() => users.id),
    /** The stock operation that put goods back, if any (REF-…). */
    stockRef: text("stock_ref"),
    pointsReversed: integer("points_reversed").notNull().default(0),
    /** Points that should have been taken back but had already been spent. */
    pointsUnreversed: integer("points_unreversed").notNull().default(0),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("refunds_payment_idx").on(t.paymentId),
    index("refunds_order_idx").on(t.orderId),
    index("refunds_created_idx").on(t.createdAt),
    index("refunds_report_idx").on(t.createdAt, t.amount, t.paymentId, t.orderId),
    check("refunds_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const refundItems = sqliteTable(
  "refund_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    refundId: integer("refund_id")
      .notNull()
      .references(() => refunds.id, { onDelete: "cascade" }),
    orderItemId: integer("order_item_id")
      .notNull()
      .references(() => orderItems.id),
    productId: integer("product_id")
      .notNull()
      .references(() => products.id),
    quantity: integer("quantity").notNull(),
    restock: integer("restock", { mode: "boolean" }).notNull(),
  },
  (t) => [
    index("refund_items_refund_idx").on(t.refundId),
    check("refund_items_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/**
 * One row per email dedupe key: the consumer claims the key before sending
 * and marks it sent after, so a message delivered twice is sent once.
 */
export const emailLog = sqliteTable(
  "email_log",
  {
    dedupeKey: text("dedupe_key").primaryKey(),
    kind: text("kind").notNull(),
    recipient: text("recipient").notNull(),
    /** sending | sent | retrying | failed */
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    claimedAt: integer("claimed_at"),
    sentAt: text("sent_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("email_log_status_idx").on(t.status, t.updatedAt)],
);

/** The daily report, stored once per local date (a second cron run finds it and stops). */
export const dailyReports = sqliteTable("daily_reports", {
  date: text("date").primaryKey(),
  timeZone: text("time_zone").notNull(),
  data: text("data").notNull(),
  r2Key: text("r2_key").notNull(),
  emailed: integer("emailed").notNull().default(0),
  createdAt: text("created_at").notNull(),
});
