/**
 * The head office's database (binding `DB`, migrations/head-office/): what
 * the chain shares. Users and their roles per store, the stores, the catalog
 * with per-store price overrides, customers and the loyalty ledger with the
 * points holds of tills, tokens, the email log, daily reports, and the ids of
 * store events already applied here. Nothing here joins a store's tables:
 * those live in another database (schema-store.ts).
 *
 * `npm run db:generate` turns changes into migrations/head-office/; what
 * Drizzle cannot describe (the products FTS table and its triggers) is
 * hand-written there.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { inList, ROLES, STORE_STATUSES, timestamps } from "./schema-common";

/**
 * A store of the chain: its own database (`binding`, a `STORE_<CODE>` D1
 * binding of this Worker), its own time zone, currency and the lines printed
 * on its documents. `id` numbers the ids its database hands out (STORE_ID_SPAN).
 */
export const stores = sqliteTable(
  "stores",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Short, upper-case, unique: part of the binding name and of every order number. */
    code: text("code").notNull(),
    name: text("name").notNull(),
    /** Printed under the name on invoices, receipts and labels, one line each (JSON array of strings). */
    addressLines: text("address_lines", { mode: "json" }).$type<string[]>().notNull(),
    phone: text("phone"),
    timeZone: text("time_zone").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: STORE_STATUSES }).notNull().default("active"),
    /** The Worker binding of its database: `STORE_<CODE>`. */
    binding: text("binding").notNull(),
    /** The D1 database's name (`wrangler d1 create <name>`), for scripts and backups. */
    databaseName: text("database_name").notNull(),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("stores_code_unique").on(t.code),
    uniqueIndex("stores_binding_unique").on(t.binding),
    check("stores_status_check", inList("status", STORE_STATUSES)),
  ],
);

/** A user's role at a store other than their home store (a manager of one store is nobody at another). */
export const storeRoles = sqliteTable(
  "store_roles",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    storeId: integer("store_id")
      .notNull()
      .references(() => stores.id),
    role: text("role", { enum: ROLES }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.storeId] }),
    index("store_roles_store_idx").on(t.storeId),
    check("store_roles_role_check", inList("role", ROLES)),
  ],
);

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
    /**
     * The store the user works at: requests that name no store act on it, and
     * `role` is the user's role there (an admin is admin everywhere). Roles at
     * other stores are rows of `store_roles`.
     */
    homeStoreId: integer("home_store_id")
      .notNull()
      .references(() => stores.id),
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
    /** The chain's default; a store's own level lives with its stock (stock_levels). */
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
    check("products_min_stock_non_negative", sql`${t.minStockLevel} >= 0`),
    check("products_price_non_negative", sql`${t.price} >= 0 AND ${t.costPrice} >= 0`),
  ],
);

/** A store's own price for a product; the catalog's `price` everywhere else. */
export const productStorePrices = sqliteTable(
  "product_store_prices",
  {
    productId: integer("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    storeId: integer("store_id")
      .notNull()
      .references(() => stores.id),
    price: integer("price").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.storeId] }),
    check("product_store_prices_non_negative", sql`${t.price} >= 0`),
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
    /** A store's order (its id says which store); no foreign key: orders live in the store's database. */
    orderId: integer("order_id"),
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
 * happened"; the stored response is filled in right after./**
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

/**
 * Points a till redeems, held here before the store's batch (the balance is
 * debited at once, so racing redemptions in two stores cannot overdraw it),
 * then confirmed when the order is in the store's database or released
 * (credited back) when it is not. `ref` is the order number.
 */
export const pointsHolds = sqliteTable(
  "points_holds",
  {
    ref: text("ref").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    storeId: integer("store_id")
      .notNull()
      .references(() => stores.id),
    points: integer("points").notNull(),
    /** pending | confirmed | released */
    status: text("status").notNull().default("pending"),
    /** After this a pending hold is settled by looking its order up in the store. */
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    settledAt: text("settled_at"),
  },
  (t) => [
    index("points_holds_pending_idx").on(t.status, t.expiresAt),
    check("points_holds_points_positive", sql`${t.points} > 0`),
    check("points_holds_status_check", inList("status", ["pending", "confirmed", "released"])),
  ],
);

/** Store outbox events applied here, by event id: a second delivery of the same event changes nothing. */
export const appliedEvents = sqliteTable("applied_events", {
  eventId: text("event_id").primaryKey(),
  storeId: integer("store_id").notNull(),
  type: text("type").notNull(),
  appliedAt: text("applied_at").notNull(),
});

/** The daily report, stored once per store and local date (a second cron run finds it and stops). */
export const dailyReports = sqliteTable(
  "daily_reports",
  {
    storeId: integer("store_id")
      .notNull()
      .references(() => stores.id),
    date: text("date").notNull(),
    timeZone: text("time_zone").notNull(),
    data: text("data").notNull(),
    r2Key: text("r2_key").notNull(),
    emailed: integer("emailed").notNull().default(0),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.date] })],
);
