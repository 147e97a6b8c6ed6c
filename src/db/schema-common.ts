/**
 * What both kinds of database share: the enumerations, the CHECK helper and
 * the timestamp columns. Conventions: money is integer minor units (cents);
 * timestamps are ISO-8601 UTC text ("2026-11-25T14:00:00.000Z"), which sorts
 * and range-scans like a number and reads well in backups; booleans are 0/1
 * integers.
 */
import { sql } from "drizzle-orm";
import { text } from "drizzle-orm/sqlite-core";

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
export const INVENTORY_ACTIONS = [
  "stock_in",
  "stock_out",
  "adjustment",
  "damage",
  "return",
  "sale",
  // Written only by transfers: stock leaving for another store, arriving from one, or coming back on a cancel.
  "transfer_out",
  "transfer_in",
  "transfer_return",
] as const;

/** A shift on a cash drawer: selling, then ended (no more sales; counting), then closed (counted, frozen). */
export const SHIFT_STATUSES = ["open", "ended", "closed"] as const;
export type ShiftStatus = (typeof SHIFT_STATUSES)[number];
/**
 * What a cash event records. `sale` and `refund` are written by payments and
 * refunds (any tender; only cash moves the drawer); the others by hand.
 */
export const CASH_EVENT_KINDS = ["sale", "refund", "paid_in", "paid_out", "drop", "no_sale"] as const;
export type CashEventKind = (typeof CASH_EVENT_KINDS)[number];
/** A paid-out above the store's threshold waits for a manager; only approved events count. */
export const CASH_APPROVALS = ["approved", "pending", "rejected"] as const;

export const STORE_STATUSES = ["active", "inactive"] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];

/** Ids of rows a store writes start at its number × 2³²: the store is `Math.floor(id / STORE_ID_SPAN)`. */
export const STORE_ID_SPAN = 4_294_967_296;

export const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(", ")})`);

export const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};
