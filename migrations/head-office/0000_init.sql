CREATE TABLE `applied_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`store_id` integer NOT NULL,
	`type` text NOT NULL,
	`applied_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `categories` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`is_active` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `categories_name_unique` ON `categories` (lower("name"));--> statement-breakpoint
CREATE INDEX `categories_active_idx` ON `categories` (`is_active`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text,
	`phone` text,
	`address` text,
	`city` text,
	`state` text,
	`zip_code` text,
	`country` text,
	`notes` text,
	`loyalty_points` integer DEFAULT 0 NOT NULL,
	`total_spent` integer DEFAULT 0 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "customers_points_non_negative" CHECK("customers"."loyalty_points" >= 0),
	CONSTRAINT "customers_spent_non_negative" CHECK("customers"."total_spent" >= 0)
);
--> statement-breakpoint
CREATE INDEX `customers_email_idx` ON `customers` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `customers_email_unique` ON `customers` (lower("email")) WHERE "customers"."email" IS NOT NULL AND "customers"."email" <> '';--> statement-breakpoint
CREATE INDEX `customers_phone_idx` ON `customers` (`phone`);--> statement-breakpoint
CREATE INDEX `customers_name_idx` ON `customers` (`last_name`,`first_name`);--> statement-breakpoint
CREATE INDEX `customers_spent_idx` ON `customers` (`total_spent`);--> statement-breakpoint
CREATE TABLE `daily_reports` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`time_zone` text NOT NULL,
	`data` text NOT NULL,
	`r2_key` text NOT NULL,
	`emailed` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`store_id`, `date`),
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `email_log` (
	`dedupe_key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`recipient` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`claimed_at` integer,
	`sent_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `email_log_status_idx` ON `email_log` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`window_started_at` integer NOT NULL,
	`locked_until` integer
);
--> statement-breakpoint
CREATE INDEX `login_attempts_window_idx` ON `login_attempts` (`window_started_at`);--> statement-breakpoint
CREATE TABLE `loyalty_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` integer NOT NULL,
	`delta` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`reason` text NOT NULL,
	`user_id` integer,
	`order_id` integer,
	`created_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "loyalty_ledger_balance_non_negative" CHECK("loyalty_ledger"."balance_after" >= 0)
);
--> statement-breakpoint
CREATE INDEX `loyalty_ledger_customer_idx` ON `loyalty_ledger` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `loyalty_ledger_order_idx` ON `loyalty_ledger` (`order_id`);--> statement-breakpoint
CREATE TABLE `points_holds` (
	`ref` text PRIMARY KEY NOT NULL,
	`customer_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`points` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`settled_at` text,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "points_holds_points_positive" CHECK("points_holds"."points" > 0),
	CONSTRAINT "points_holds_status_check" CHECK(status IN ('pending', 'confirmed', 'released'))
);
--> statement-breakpoint
CREATE INDEX `points_holds_pending_idx` ON `points_holds` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `product_store_prices` (
	`product_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`price` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`product_id`, `store_id`),
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "product_store_prices_non_negative" CHECK("product_store_prices"."price" >= 0)
);
--> statement-breakpoint
CREATE TABLE `products` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`barcode` text,
	`price` integer NOT NULL,
	`cost_price` integer DEFAULT 0 NOT NULL,
	`min_stock_level` integer DEFAULT 0 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`category_id` integer,
	`image_url` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "products_min_stock_non_negative" CHECK("products"."min_stock_level" >= 0),
	CONSTRAINT "products_price_non_negative" CHECK("products"."price" >= 0 AND "products"."cost_price" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);--> statement-breakpoint
CREATE UNIQUE INDEX `products_barcode_unique` ON `products` (`barcode`);--> statement-breakpoint
CREATE INDEX `products_category_idx` ON `products` (`category_id`,`is_active`);--> statement-breakpoint
CREATE INDEX `products_active_idx` ON `products` (`is_active`);--> statement-breakpoint
CREATE INDEX `products_active_name_idx` ON `products` (`is_active`,`name`);--> statement-breakpoint
CREATE INDEX `products_active_price_idx` ON `products` (`is_active`,`price`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`family_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `refresh_tokens_user_idx` ON `refresh_tokens` (`user_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_family_idx` ON `refresh_tokens` (`family_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expires_idx` ON `refresh_tokens` (`expires_at`);--> statement-breakpoint
CREATE TABLE `store_roles` (
	`user_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `store_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "store_roles_role_check" CHECK(role IN ('admin', 'manager', 'cashier', 'inventory_officer'))
);
--> statement-breakpoint
CREATE INDEX `store_roles_store_idx` ON `store_roles` (`store_id`);--> statement-breakpoint
CREATE TABLE `stores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`address_lines` text NOT NULL,
	`phone` text,
	`time_zone` text NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`binding` text NOT NULL,
	`database_name` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "stores_status_check" CHECK(status IN ('active', 'inactive'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stores_code_unique` ON `stores` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `stores_binding_unique` ON `stores` (`binding`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`full_name` text,
	`phone_number` text,
	`role` text DEFAULT 'cashier' NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`is_verified` integer DEFAULT false NOT NULL,
	`token_version` integer DEFAULT 0 NOT NULL,
	`home_store_id` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`home_store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "users_role_check" CHECK(role IN ('admin', 'manager', 'cashier', 'inventory_officer'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (lower("username"));--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (lower("email"));--> statement-breakpoint
CREATE INDEX `users_role_idx` ON `users` (`role`);--> statement-breakpoint
-- Full-text index over products for GET /products/search and the list's
-- `search` filter. External-content FTS5: the text lives in `products`, the
-- index holds only tokens, and the triggers below keep it in step with every
-- INSERT, UPDATE and DELETE. prefix='2 3' makes short prefix queries ("la*")
-- use prebuilt prefix indexes instead of scanning the term list.
CREATE VIRTUAL TABLE `products_fts` USING fts5(
  name, sku, barcode, description,
  content='products', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` BEGIN
  INSERT INTO products_fts (rowid, name, sku, barcode, description)
  VALUES (new.id, new.name, new.sku, coalesce(new.barcode, ''), coalesce(new.description, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, sku, barcode, description)
  VALUES ('delete', old.id, old.name, old.sku, coalesce(old.barcode, ''), coalesce(old.description, ''));
END;
--> statement-breakpoint
-- Only text columns matter: price changes must not rewrite the index.
CREATE TRIGGER `products_fts_after_update` AFTER UPDATE OF name, sku, barcode, description ON `products` BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, sku, barcode, description)
  VALUES ('delete', old.id, old.name, old.sku, coalesce(old.barcode, ''), coalesce(old.description, ''));
  INSERT INTO products_fts (rowid, name, sku, barcode, description)
  VALUES (new.id, new.name, new.sku, coalesce(new.barcode, ''), coalesce(new.description, ''));
END;
--> statement-breakpoint
-- The first store, with what a single shop configured before stores existed
-- (STORE_TIMEZONE, STORE_CURRENCY, SHOP_NAME, SHOP_ADDRESS): every user's
-- home store until an admin adds more (POST /api/v1/stores, npm run store:add).
INSERT INTO `stores` (`id`, `code`, `name`, `address_lines`, `phone`, `time_zone`, `currency`, `status`, `binding`, `database_name`, `version`, `created_at`, `updated_at`)
VALUES (1, 'MAIN', 'Corner Shop', '["1 Market Street","Springfield 12345"]', '+1 555 0100', 'UTC', 'USD', 'active', 'STORE_MAIN', 'pos-store-main', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
