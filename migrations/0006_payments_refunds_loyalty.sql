CREATE TABLE `refund_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`refund_id` integer NOT NULL,
	`order_item_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	`restock` integer NOT NULL,
	FOREIGN KEY (`refund_id`) REFERENCES `refunds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`order_item_id`) REFERENCES `order_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "refund_items_quantity_positive" CHECK("refund_items"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `refund_items_refund_idx` ON `refund_items` (`refund_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payment_id` integer NOT NULL,
	`order_id` integer NOT NULL,
	`amount` integer NOT NULL,
	`reason` text NOT NULL,
	`user_id` integer,
	`stock_ref` text,
	`points_reversed` integer DEFAULT 0 NOT NULL,
	`points_unreversed` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "refunds_amount_positive" CHECK("refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `refunds_payment_idx` ON `refunds` (`payment_id`);--> statement-breakpoint
CREATE INDEX `refunds_order_idx` ON `refunds` (`order_id`);--> statement-breakpoint
CREATE INDEX `refunds_created_idx` ON `refunds` (`created_at`);--> statement-breakpoint
-- Columns are added in place (drizzle-kit would rebuild these tables, which
-- in D1 would cascade-delete order items and drop the status trigger). The
-- CHECKs below hold for every row written from now on; existing rows all
-- have the zero defaults.
ALTER TABLE `orders` ADD `paid_amount` integer DEFAULT 0 NOT NULL CONSTRAINT "orders_paid_within_total" CHECK("paid_amount" >= 0 AND "paid_amount" <= "total");--> statement-breakpoint
ALTER TABLE `orders` ADD `refunded_amount` integer DEFAULT 0 NOT NULL CONSTRAINT "orders_refunded_non_negative" CHECK("refunded_amount" >= 0);--> statement-breakpoint
ALTER TABLE `orders` ADD `points_redeemed` integer DEFAULT 0 NOT NULL CONSTRAINT "orders_points_redeemed_non_negative" CHECK("points_redeemed" >= 0);--> statement-breakpoint
ALTER TABLE `orders` ADD `points_discount` integer DEFAULT 0 NOT NULL CONSTRAINT "orders_points_discount_non_negative" CHECK("points_discount" >= 0);--> statement-breakpoint
ALTER TABLE `orders` ADD `points_earned` integer DEFAULT 0 NOT NULL CONSTRAINT "orders_points_earned_non_negative" CHECK("points_earned" >= 0);--> statement-breakpoint
ALTER TABLE `order_items` ADD `refunded_quantity` integer DEFAULT 0 NOT NULL CONSTRAINT "order_items_refunded_within_quantity" CHECK("refunded_quantity" >= 0 AND "refunded_quantity" <= "quantity");--> statement-breakpoint
ALTER TABLE `payments` ADD `amount_tendered` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `change_due` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `refunded_amount` integer DEFAULT 0 NOT NULL CONSTRAINT "payments_refunds_within_amount" CHECK("refunded_amount" >= 0 AND "refunded_amount" <= "amount");--> statement-breakpoint
ALTER TABLE `payments` ADD `user_id` integer REFERENCES users(id);
