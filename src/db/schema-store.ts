/**
 * A store's database (one per store, binding `STORE_<CODE>`,
 * migrations/store/): what its tills write. Stock levels, inventory logs,
 * orders and lines, payments, refunds, idempotency keys and the outbox of
 * effects on the head office. Product, customer and user ids point at head
 * office rows without a foreign key (no SQL crosses the two kinds); what a
 * sale needs from the catalog is copied onto its lines.
 *
 * Orders, payments, refunds and inventory log rows take ids from their
 * store's range (`STORE_ID_SPAN`), computed inside the inserting statement,
 * so an id alone says which store's database holds it.
 *
 * `npm run db:generate:store` turns changes into migrations/store/; the order
 * status machine and the completion trigger (which writes the outbox row) are
 * hand-written there.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  CASH_APPROVALS,
  CASH_EVENT_KINDS,
  INVENTORY_ACTIONS,
  inList,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  SHIFT_STATUSES,
  timestamps,
} from "./schema-common";

/**
 * The store's stock of a product: the book its ProductStock object gates. A
 * product with no row has none here; the row is made by its first movement
 * (or by creating the product at this store), with the catalog's minimum.
 */
export const stockLevels = sqliteTable(
  "stock_levels",
  {
    productId: integer("product_id").primaryKey(),
    quantity: integer("quantity").notNull().default(0),
    minStockLevel: integer("min_stock_level").notNull().default(0),
    /**
     * A copy of the catalog's barcode, so a till's scan reads the store's
     * level in the same round trip as the head office's product. Only a hint:
     * the read that finds it missing or stale (the catalog row says which
     * product the barcode is) reads by product id and corrects it.
     */
    barcode: text("barcode"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("stock_levels_low_idx").on(t.quantity, t.minStockLevel),
    index("stock_levels_barcode_idx").on(t.barcode),
    // The last line of defence against overselling: a batch that would take
    // stock below zero fails as a whole.
    check("stock_levels_non_negative", sql`${t.quantity} >= 0`),
    check("stock_levels_min_non_negative", sql`${t.minStockLevel} >= 0`),
  ],
);

/**
 * Effects on the head office, written in the same batch as what caused them
 * (points and total spent on completion, refunds and cancels), sent to the
 * events queue after the commit and applied there once per `event_id`. A
 * row with no `sent_at` is picked up by the outbox sweep.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Unique across the chain: `<type>:<the row it is about>`, e.g. `order.completed:4294967297`. */
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    /** JSON: what the head office needs to apply it. */
    payload: text("payload").notNull(),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at"),
  },
  (t) => [uniqueIndex("outbox_event_unique").on(t.eventId), index("outbox_unsent_idx").on(t.sentAt, t.id)],
);

export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderNumber: text("order_number").notNull(),
    customerId: integer("customer_id"),
    userId: integer("user_id").notNull(),
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
    productId: integer("product_id").notNull(),
    // Copied from the catalog at sale time: the store's reports and documents read them here.
    productName: text("product_name").notNull(),
    productSku: text("product_sku").notNull(),
    categoryId: integer("category_id"),
    categoryName: text("category_name"),
    unitCost: integer("unit_cost").notNull().default(0),
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
    index("order_items_category_report_idx").on(t.orderId, t.categoryId, t.quantity, t.subtotal),
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
    userId: integer("user_id"),
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
    productId: integer("product_id").notNull(),
    userId: integer("user_id"),
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
    userId: integer("user_id"),
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
    productId: integer("product_id").notNull(),
    quantity: integer("quantity").notNull(),
    restock: integer("restock", { mode: "boolean" }).notNull(),
  },
  (t) => [
    index("refund_items_refund_idx").on(t.refundId),
    check("refund_items_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/**
 * A transfer step's stock movement at this store (its stock ref is
 * `TRF-<transfer>-<step key>@<ms the step was held>`), written in the step's batch. The head office
 * holds the step until `expires_at`; the hand-written deadline trigger
 * refuses the batch after that, so a step the head office settled as never
 * written cannot land later.
 */
export const transferMoves = sqliteTable(
  "transfer_moves",
  {
    stockRef: text("stock_ref").primaryKey(),
    transferId: integer("transfer_id").notNull(),
    stepKey: text("step_key").notNull(),
    kind: text("kind").notNull(),
    /** Epoch milliseconds. */
    expiresAt: integer("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("transfer_moves_transfer_idx").on(t.transferId)],
);

/**
 * The store's cash rules (one row, id 1, made by the migration). Triggers
 * read it inside the batch that needs it, so a change applies to the very
 * next write, whichever isolate serves it.
 */
export const cashSettings = sqliteTable(
  "cash_settings",
  {
    id: integer("id").primaryKey(),
    /** 1: a cash payment or refund with no open shift to attach to is refused (409 NO_OPEN_SHIFT). 0 (default): attached when a shift is open, else recorded without one, as before shifts existed. */
    requiresShift: integer("requires_shift", { mode: "boolean" }).notNull().default(false),
    /** Cents: a close whose |variance| is above this needs a reason. */
    varianceReasonThreshold: integer("variance_reason_threshold").notNull().default(500),
    /** Cents: a paid-out above this waits for a manager's approval (a manager's own is approved at once). */
    paidOutApprovalThreshold: integer("paid_out_approval_threshold").notNull().default(5000),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    check("cash_settings_single_row", sql`${t.id} = 1`),
    check(
      "cash_settings_thresholds_non_negative",
      sql`${t.varianceReasonThreshold} >= 0 AND ${t.paidOutApprovalThreshold} >= 0`,
    ),
  ],
);

/** A till's cash drawer. Ids come from the store's range, like orders. */
export const cashDrawers = sqliteTable(
  "cash_drawers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex("cash_drawers_name_unique").on(sql`lower(${t.name})`)],
);

/**
 * A cashier's session on a drawer: open (counted float) → ended (no more
 * sales) → closed (counted, expected frozen, variance, Z number). Hand-written
 * triggers in migrations/store/0003: the status machine, a closed shift
 * refuses every change, and a close above the variance threshold needs a
 * reason. Partial unique indexes: one unclosed shift per drawer (twenty racing
 * opens make one shift) and one open shift per cashier (so a payment that
 * names no drawer finds its cashier's shift unambiguously).
 */
export const shifts = sqliteTable(
  "shifts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    drawerId: integer("drawer_id")
      .notNull()
      .references(() => cashDrawers.id),
    /** Who opened it and sells on it (a head-office user id). */
    cashierId: integer("cashier_id").notNull(),
    status: text("status", { enum: SHIFT_STATUSES }).notNull().default("open"),
    /** Cents counted into the drawer at open. */
    openingFloat: integer("opening_float").notNull(),
    /** What the drawer's previous shift left in it (null for a drawer's first shift). */
    expectedOpening: integer("expected_opening"),
    /** openingFloat − expectedOpening, recorded apart from the shift's own variance. */
    openingVariance: integer("opening_variance"),
    openedAt: text("opened_at").notNull(),
    endedAt: text("ended_at"),
    endedBy: integer("ended_by"),
    closedAt: text("closed_at"),
    closedBy: integer("closed_by"),
    /** Cents counted at close, and the count by denomination when given (JSON `[{ value, count }]`, value in cents). */
    countedCash: integer("counted_cash"),
    countedDenominations: text("counted_denominations"),
    /** Frozen at close: opening float + Σ approved cash_delta of its events. */
    expectedCash: integer("expected_cash"),
    /** countedCash − expectedCash. */
    variance: integer("variance"),
    varianceReason: text("variance_reason"),
    /** Cents left in the drawer for the next shift (its expected opening); the rest went to the safe or bank. */
    keptInDrawer: integer("kept_in_drawer"),
    /**
     * The count a blind closer (a cashier) first gave when the close was
     * refused for a missing variance reason. Refused closes write nothing
     * else, so without it a cashier could search for expected cash by
     * retrying; a recount must match it unless a manager closes.
     */
    firstBlindCount: integer("first_blind_count"),
    /** Gapless per store: MAX + 1 inside the closing batch. */
    zNumber: integer("z_number"),
    notes: text("notes"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("shifts_one_unclosed_per_drawer").on(t.drawerId).where(sql`status != 'closed'`),
    uniqueIndex("shifts_one_open_per_cashier").on(t.cashierId).where(sql`status = 'open'`),
    uniqueIndex("shifts_z_number_unique").on(t.zNumber),
    index("shifts_drawer_idx").on(t.drawerId, t.openedAt),
    index("shifts_cashier_idx").on(t.cashierId, t.openedAt),
    index("shifts_closed_idx").on(t.closedAt),
    check("shifts_status_check", inList("status", SHIFT_STATUSES)),
    check("shifts_opening_non_negative", sql`${t.openingFloat} >= 0`),
    check(
      "shifts_closed_complete",
      sql`(${t.status} = 'closed') = (${t.zNumber} IS NOT NULL AND ${t.countedCash} IS NOT NULL AND ${t.expectedCash} IS NOT NULL AND ${t.variance} IS NOT NULL AND ${t.closedAt} IS NOT NULL)`,
    ),
    check(
      "shifts_counts_non_negative",
      sql`COALESCE(${t.countedCash}, 0) >= 0 AND COALESCE(${t.keptInDrawer}, 0) >= 0 AND COALESCE(${t.keptInDrawer}, 0) <= COALESCE(${t.countedCash}, 0)`,
    ),
  ],
);

/**
 * The shift ledger: every tender a payment or refund moved on a shift (only
 * cash moves the drawer: `cash_delta`), and every paid-in, paid-out, drop and
 * no-sale. Expected cash = opening float + Σ cash_delta of approved events.
 *
 * A payment or refund writes its event in its own batch, its shift resolved
 * inside the statement (db/cash-events.ts), so a sale racing a close lands
 * before the close (counted in it) or after (not in it), never both. An event
 * for a shift that is no longer open (an offline till, a retry after close)
 * is late: `late_of_shift_id` names that shift, and it counts on the drawer's
 * open shift, or, with none open, waits (`shift_id` null) for the drawer's
 * next shift to open. Shift columns carry no foreign key so a restore can
 * load events before their shifts are closed.
 */
export const cashEvents = sqliteTable(
  "cash_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    shiftId: integer("shift_id"),
    drawerId: integer("drawer_id").references(() => cashDrawers.id),
    kind: text("kind", { enum: CASH_EVENT_KINDS }).notNull(),
    /** sale and refund: the tender. */
    paymentMethod: text("payment_method", { enum: PAYMENT_METHODS }),
    /** Cents, never negative: the payment applied, the refund given, the sum paid in or out or dropped (0 for a no-sale). */
    amount: integer("amount").notNull(),
    /** Cash sales: what was handed over and what went back (amount = tendered − change). */
    tendered: integer("tendered"),
    changeGiven: integer("change_given"),
    /** The event's effect on the drawer's cash, signed. */
    cashDelta: integer("cash_delta").notNull(),
    paymentId: integer("payment_id"),
    refundId: integer("refund_id"),
    orderId: integer("order_id"),
    userId: integer("user_id").notNull(),
    reason: text("reason"),
    approval: text("approval", { enum: CASH_APPROVALS }).notNull().default("approved"),
    approvedBy: integer("approved_by"),
    approvedAt: text("approved_at"),
    /** The shift this event happened in, when it reached the store after that shift stopped selling. */
    lateOfShiftId: integer("late_of_shift_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("cash_events_shift_idx").on(t.shiftId, t.kind),
    index("cash_events_waiting_idx").on(t.drawerId).where(sql`shift_id IS NULL`),
    index("cash_events_late_idx").on(t.lateOfShiftId).where(sql`late_of_shift_id IS NOT NULL`),
    uniqueIndex("cash_events_payment_unique").on(t.paymentId),
    uniqueIndex("cash_events_refund_unique").on(t.refundId),
    index("cash_events_created_idx").on(t.createdAt),
    check("cash_events_kind_check", inList("kind", CASH_EVENT_KINDS)),
    check("cash_events_approval_check", inList("approval", CASH_APPROVALS)),
    check("cash_events_amount_non_negative", sql`${t.amount} >= 0`),
    check(
      "cash_events_delta_matches_kind",
      sql`${t.cashDelta} = CASE
        WHEN ${t.kind} = 'sale' AND ${t.paymentMethod} = 'cash' THEN ${t.amount}
        WHEN ${t.kind} = 'refund' AND ${t.paymentMethod} = 'cash' THEN -${t.amount}
        WHEN ${t.kind} = 'paid_in' THEN ${t.amount}
        WHEN ${t.kind} IN ('paid_out', 'drop') THEN -${t.amount}
        ELSE 0 END`,
    ),
    check(
      "cash_events_tender_shape",
      sql`(${t.kind} IN ('sale', 'refund')) = (${t.paymentMethod} IS NOT NULL)
        AND (${t.kind} != 'sale' OR ${t.paymentId} IS NOT NULL)
        AND (${t.kind} != 'refund' OR ${t.refundId} IS NOT NULL)
        AND (${t.tendered} IS NULL OR ${t.tendered} - COALESCE(${t.changeGiven}, 0) = ${t.amount})`,
    ),
    check(
      "cash_events_reason_required",
      sql`${t.kind} NOT IN ('paid_in', 'paid_out') OR length(trim(COALESCE(${t.reason}, ''))) > 0`,
    ),
  ],
);
