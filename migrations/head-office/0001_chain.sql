CREATE TABLE `daily_rollup_cashiers` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`user_id` integer NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`sales` integer DEFAULT 0 NOT NULL,
	`refund_count` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`store_id`, `date`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `daily_rollup_cashiers_date_idx` ON `daily_rollup_cashiers` (`date`);--> statement-breakpoint
CREATE TABLE `daily_rollup_categories` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`category_key` integer NOT NULL,
	`category_name` text NOT NULL,
	`units` integer NOT NULL,
	`revenue` integer NOT NULL,
	`cost` integer NOT NULL,
	PRIMARY KEY(`store_id`, `date`, `category_key`)
);
--> statement-breakpoint
CREATE INDEX `daily_rollup_categories_date_idx` ON `daily_rollup_categories` (`date`);--> statement-breakpoint
CREATE TABLE `daily_rollup_methods` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`method` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`amount` integer DEFAULT 0 NOT NULL,
	`refund_count` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`store_id`, `date`, `method`)
);
--> statement-breakpoint
CREATE INDEX `daily_rollup_methods_date_idx` ON `daily_rollup_methods` (`date`);--> statement-breakpoint
CREATE TABLE `daily_rollup_products` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`product_id` integer NOT NULL,
	`product_name` text NOT NULL,
	`product_sku` text NOT NULL,
	`category_id` integer,
	`units` integer NOT NULL,
	`revenue` integer NOT NULL,
	`cost` integer NOT NULL,
	PRIMARY KEY(`store_id`, `date`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `daily_rollup_products_date_idx` ON `daily_rollup_products` (`date`,`product_id`,`units`,`revenue`,`cost`);--> statement-breakpoint
CREATE TABLE `daily_rollups` (
	`store_id` integer NOT NULL,
	`date` text NOT NULL,
	`currency` text NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`sold_orders` integer DEFAULT 0 NOT NULL,
	`cancelled_orders` integer DEFAULT 0 NOT NULL,
	`gross` integer DEFAULT 0 NOT NULL,
	`discounts` integer DEFAULT 0 NOT NULL,
	`tax` integer DEFAULT 0 NOT NULL,
	`sales` integer DEFAULT 0 NOT NULL,
	`pending_amount` integer DEFAULT 0 NOT NULL,
	`taken` integer DEFAULT 0 NOT NULL,
	`refunds` integer DEFAULT 0 NOT NULL,
	`refund_count` integer DEFAULT 0 NOT NULL,
	`computed_at` text NOT NULL,
	PRIMARY KEY(`store_id`, `date`),
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `daily_rollups_date_idx` ON `daily_rollups` (`date`,`store_id`);--> statement-breakpoint
CREATE INDEX `daily_rollups_sales_idx` ON `daily_rollups` (`store_id`,`date`,`sold_orders`,`gross`,`discounts`,`tax`,`sales`,`refunds`);--> statement-breakpoint
CREATE TABLE `order_index` (
	`order_id` integer PRIMARY KEY NOT NULL,
	`order_number` text NOT NULL,
	`store_id` integer NOT NULL,
	`customer_id` integer,
	`user_id` integer NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`paid_amount` integer DEFAULT 0 NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`seq` integer NOT NULL,
	`indexed_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_index_number_unique` ON `order_index` (`order_number`);--> statement-breakpoint
CREATE INDEX `order_index_customer_idx` ON `order_index` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `order_index_store_idx` ON `order_index` (`store_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `order_index_customer_spend_idx` ON `order_index` (`status`,`customer_id`,`total`,`refunded_amount`);--> statement-breakpoint
CREATE TABLE `transfer_lines` (
	`transfer_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`product_name` text NOT NULL,
	`product_sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`received` integer DEFAULT 0 NOT NULL,
	`returned` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`transfer_id`, `product_id`),
	FOREIGN KEY (`transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "transfer_lines_quantity_positive" CHECK("transfer_lines"."quantity" > 0),
	CONSTRAINT "transfer_lines_within_sent" CHECK("transfer_lines"."sent" >= 0 AND "transfer_lines"."received" >= 0 AND "transfer_lines"."returned" >= 0 AND "transfer_lines"."sent" <= "transfer_lines"."quantity" AND "transfer_lines"."received" + "transfer_lines"."returned" <= "transfer_lines"."sent")
);
--> statement-breakpoint
CREATE INDEX `transfer_lines_product_idx` ON `transfer_lines` (`product_id`);--> statement-breakpoint
CREATE TABLE `transfer_steps` (
	`transfer_id` integer NOT NULL,
	`step_key` text NOT NULL,
	`kind` text NOT NULL,
	`store_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`lines` text NOT NULL,
	`user_id` integer,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`applied_at` text,
	PRIMARY KEY(`transfer_id`, `step_key`),
	FOREIGN KEY (`transfer_id`) REFERENCES `transfers`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "transfer_steps_kind_check" CHECK(kind IN ('send', 'receive', 'cancel')),
	CONSTRAINT "transfer_steps_status_check" CHECK(status IN ('pending', 'applied'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transfer_steps_one_pending` ON `transfer_steps` (`transfer_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `transfer_steps_pending_idx` ON `transfer_steps` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `transfers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transfer_number` text NOT NULL,
	`from_store_id` integer NOT NULL,
	`to_store_id` integer NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`note` text,
	`created_by` integer NOT NULL,
	`sent_by` integer,
	`sent_at` text,
	`received_at` text,
	`cancelled_by` integer,
	`cancelled_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`from_store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transfers_status_check" CHECK(status IN ('draft', 'sent', 'received', 'cancelled')),
	CONSTRAINT "transfers_two_stores" CHECK("transfers"."from_store_id" <> "transfers"."to_store_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transfers_number_unique` ON `transfers` (`transfer_number`);--> statement-breakpoint
CREATE INDEX `transfers_from_idx` ON `transfers` (`from_store_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `transfers_to_idx` ON `transfers` (`to_store_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `transfers_status_idx` ON `transfers` (`status`,`created_at`);--> statement-breakpoint
-- A transfer step is written only when the transfer is where that step
-- starts: a send from a draft, a receipt or a cancel from sent. The check runs
-- inside the head-office batch that changes the lines, so two requests racing
-- on one transfer cannot both pass it (the one-pending-step index refuses the
-- second while the first is in flight; this trigger refuses it after).
CREATE TRIGGER `transfer_steps_need_status` BEFORE INSERT ON `transfer_steps`
WHEN NOT EXISTS (
  SELECT 1 FROM transfers t WHERE t.id = NEW.transfer_id AND (
    (NEW.kind = 'send' AND t.status = 'draft')
    OR (NEW.kind IN ('receive', 'cancel') AND t.status = 'sent')
  )
)
BEGIN
  SELECT RAISE(ABORT, 'transfer step not allowed in this status');
END;
