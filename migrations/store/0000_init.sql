CREATE TABLE `idempotency_keys` (
	`user_id` integer NOT NULL,
	`key` text NOT NULL,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`request_hash` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_ref` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `inventory_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`product_id` integer NOT NULL,
	`user_id` integer,
	`action` text NOT NULL,
	`quantity_change` integer NOT NULL,
	`quantity_before` integer NOT NULL,
	`quantity_after` integer NOT NULL,
	`reference_number` text,
	`notes` text,
	`stock_ref` text,
	`created_at` text NOT NULL,
	CONSTRAINT "inventory_logs_action_check" CHECK(action IN ('stock_in', 'stock_out', 'adjustment', 'damage', 'return', 'sale')),
	CONSTRAINT "inventory_logs_after_non_negative" CHECK("inventory_logs"."quantity_after" >= 0 AND "inventory_logs"."quantity_before" >= 0)
);
--> statement-breakpoint
CREATE INDEX `inventory_logs_product_idx` ON `inventory_logs` (`product_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_logs_stock_ref_unique` ON `inventory_logs` (`stock_ref`,`product_id`);--> statement-breakpoint
CREATE INDEX `inventory_logs_action_idx` ON `inventory_logs` (`action`,`created_at`);--> statement-breakpoint
CREATE INDEX `inventory_logs_user_idx` ON `inventory_logs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `inventory_logs_created_idx` ON `inventory_logs` (`created_at`);--> statement-breakpoint
CREATE TABLE `order_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`product_name` text NOT NULL,
	`product_sku` text NOT NULL,
	`category_id` integer,
	`category_name` text,
	`unit_cost` integer DEFAULT 0 NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`discount` integer DEFAULT 0 NOT NULL,
	`subtotal` integer NOT NULL,
	`refunded_quantity` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "order_items_refunded_within_quantity" CHECK("order_items"."refunded_quantity" >= 0 AND "order_items"."refunded_quantity" <= "order_items"."quantity"),
	CONSTRAINT "order_items_quantity_positive" CHECK("order_items"."quantity" > 0),
	CONSTRAINT "order_items_amounts_non_negative" CHECK("order_items"."unit_price" >= 0 AND "order_items"."discount" >= 0 AND "order_items"."subtotal" >= 0)
);
--> statement-breakpoint
CREATE INDEX `order_items_order_idx` ON `order_items` (`order_id`);--> statement-breakpoint
CREATE INDEX `order_items_report_idx` ON `order_items` (`order_id`,`product_id`,`quantity`,`subtotal`);--> statement-breakpoint
CREATE INDEX `order_items_category_report_idx` ON `order_items` (`order_id`,`category_id`,`quantity`,`subtotal`);--> statement-breakpoint
CREATE INDEX `order_items_product_idx` ON `order_items` (`product_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_number` text NOT NULL,
	`customer_id` integer,
	`user_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`subtotal` integer NOT NULL,
	`tax` integer DEFAULT 0 NOT NULL,
	`discount` integer DEFAULT 0 NOT NULL,
	`total` integer NOT NULL,
	`notes` text,
	`paid_amount` integer DEFAULT 0 NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`points_redeemed` integer DEFAULT 0 NOT NULL,
	`points_discount` integer DEFAULT 0 NOT NULL,
	`points_earned` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	CONSTRAINT "orders_status_check" CHECK(status IN ('pending', 'completed', 'cancelled', 'refunded')),
	CONSTRAINT "orders_amounts_non_negative" CHECK("orders"."subtotal" >= 0 AND "orders"."tax" >= 0 AND "orders"."discount" >= 0 AND "orders"."total" >= 0),
	CONSTRAINT "orders_paid_within_total" CHECK("orders"."paid_amount" >= 0 AND "orders"."paid_amount" <= "orders"."total"),
	CONSTRAINT "orders_refunded_non_negative" CHECK("orders"."refunded_amount" >= 0),
	CONSTRAINT "orders_points_redeemed_non_negative" CHECK("orders"."points_redeemed" >= 0),
	CONSTRAINT "orders_points_discount_non_negative" CHECK("orders"."points_discount" >= 0),
	CONSTRAINT "orders_points_earned_non_negative" CHECK("orders"."points_earned" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_number_unique` ON `orders` (`order_number`);--> statement-breakpoint
CREATE INDEX `orders_customer_idx` ON `orders` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_user_idx` ON `orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_created_idx` ON `orders` (`created_at`);--> statement-breakpoint
CREATE INDEX `orders_sales_report_idx` ON `orders` (`status`,`created_at`,`subtotal`,`discount`,`points_discount`,`tax`,`total`,`user_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` text NOT NULL,
	`sent_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `outbox_unsent_idx` ON `outbox` (`sent_at`,`id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`payment_method` text NOT NULL,
	`status` text DEFAULT 'completed' NOT NULL,
	`amount` integer NOT NULL,
	`transaction_id` text,
	`reference_number` text,
	`notes` text,
	`amount_tendered` integer,
	`change_due` integer DEFAULT 0 NOT NULL,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`user_id` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_method_check" CHECK(payment_method IN ('cash', 'credit_card', 'debit_card', 'mobile_payment', 'bank_transfer', 'cheque', 'other')),
	CONSTRAINT "payments_status_check" CHECK(status IN ('pending', 'completed', 'failed', 'refunded', 'partially_refunded')),
	CONSTRAINT "payments_amount_positive" CHECK("payments"."amount" > 0),
	CONSTRAINT "payments_refunds_within_amount" CHECK("payments"."refunded_amount" >= 0 AND "payments"."refunded_amount" <= "payments"."amount")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_transaction_unique` ON `payments` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `payments_order_idx` ON `payments` (`order_id`);--> statement-breakpoint
CREATE INDEX `payments_created_idx` ON `payments` (`created_at`);--> statement-breakpoint
CREATE INDEX `payments_method_report_idx` ON `payments` (`status`,`created_at`,`payment_method`,`amount`);--> statement-breakpoint
CREATE TABLE `refund_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`refund_id` integer NOT NULL,
	`order_item_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	`restock` integer NOT NULL,
	FOREIGN KEY (`refund_id`) REFERENCES `refunds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`order_item_id`) REFERENCES `order_items`(`id`) ON UPDATE no action ON DELETE no action,
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
	CONSTRAINT "refunds_amount_positive" CHECK("refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `refunds_payment_idx` ON `refunds` (`payment_id`);--> statement-breakpoint
CREATE INDEX `refunds_order_idx` ON `refunds` (`order_id`);--> statement-breakpoint
CREATE INDEX `refunds_created_idx` ON `refunds` (`created_at`);--> statement-breakpoint
CREATE INDEX `refunds_report_idx` ON `refunds` (`created_at`,`amount`,`payment_id`,`order_id`);--> statement-breakpoint
CREATE TABLE `stock_levels` (
	`product_id` integer PRIMARY KEY NOT NULL,
	`quantity` integer DEFAULT 0 NOT NULL,
	`min_stock_level` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "stock_levels_non_negative" CHECK("stock_levels"."quantity" >= 0),
	CONSTRAINT "stock_levels_min_non_negative" CHECK("stock_levels"."min_stock_level" >= 0)
);
--> statement-breakpoint
CREATE INDEX `stock_levels_low_idx` ON `stock_levels` (`quantity`,`min_stock_level`);--> statement-breakpoint
-- Hand-written (Drizzle cannot describe triggers).
-- The order status machine: pending → completed | cancelled, completed →
-- refunded, and a completed order that cost nothing (no money moved) may
-- still be cancelled. Anything else aborts the statement, and its batch.
CREATE TRIGGER `orders_status_transition` BEFORE UPDATE OF status ON `orders`
WHEN NOT (
  (OLD.status = 'pending' AND NEW.status IN ('completed', 'cancelled'))
  OR (OLD.status = 'completed' AND NEW.status = 'refunded')
  OR (OLD.status = 'completed' AND NEW.status = 'cancelled' AND OLD.total = 0 AND OLD.paid_amount = 0 AND OLD.refunded_amount = 0)
)
BEGIN
  SELECT RAISE(ABORT, 'invalid order status transition');
END;
--> statement-breakpoint
-- Effects on the head office travel through the outbox, written by the very
-- statement that changed the order, whichever path changed it (a covering
-- payment, an order that costs nothing, a cancel, a refund). The event id
-- names the row, so the head office applies each once.
CREATE TRIGGER `orders_completed_outbox` AFTER UPDATE OF status ON `orders`
WHEN NEW.status = 'completed' AND OLD.status = 'pending'
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('order.completed:' || NEW.id, 'order.completed', json_object(
    'order_id', NEW.id, 'order_number', NEW.order_number, 'customer_id', NEW.customer_id,
    'user_id', NEW.user_id, 'total', NEW.total, 'points_earned', NEW.points_earned,
    'points_redeemed', NEW.points_redeemed, 'at', NEW.updated_at), NEW.updated_at);
END;
--> statement-breakpoint
CREATE TRIGGER `orders_cancelled_outbox` AFTER UPDATE OF status ON `orders`
WHEN NEW.status = 'cancelled'
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('order.cancelled:' || NEW.id, 'order.cancelled', json_object(
    'order_id', NEW.id, 'order_number', NEW.order_number, 'customer_id', NEW.customer_id,
    'user_id', NEW.user_id, 'total', NEW.total, 'was_completed', OLD.status = 'completed',
    'points_redeemed', NEW.points_redeemed, 'at', NEW.updated_at), NEW.updated_at);
END;
--> statement-breakpoint
-- `was_completed`: only a completed order's money was counted in the
-- customer's total_spent, so only then does a refund take some back (a
-- partial payment refunded on a pending order takes nothing).
CREATE TRIGGER `refunds_outbox` AFTER INSERT ON `refunds`
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  SELECT 'refund.created:' || NEW.id, 'refund.created', json_object(
    'refund_id', NEW.id, 'order_id', NEW.order_id, 'order_number', o.order_number,
    'customer_id', o.customer_id, 'user_id', NEW.user_id, 'amount', NEW.amount,
    'points_reversed', NEW.points_reversed, 'was_completed', o.status IN ('completed', 'refunded'), 'at', NEW.created_at), NEW.created_at
  FROM orders o WHERE o.id = NEW.order_id;
END;
