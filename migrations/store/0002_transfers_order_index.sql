CREATE TABLE `transfer_moves` (
	`stock_ref` text PRIMARY KEY NOT NULL,
	`transfer_id` integer NOT NULL,
	`step_key` text NOT NULL,
	`kind` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `transfer_moves_transfer_idx` ON `transfer_moves` (`transfer_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_inventory_logs` (
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
	CONSTRAINT "inventory_logs_action_check" CHECK(action IN ('stock_in', 'stock_out', 'adjustment', 'damage', 'return', 'sale', 'transfer_out', 'transfer_in', 'transfer_return')),
	CONSTRAINT "inventory_logs_after_non_negative" CHECK("__new_inventory_logs"."quantity_after" >= 0 AND "__new_inventory_logs"."quantity_before" >= 0)
);
--> statement-breakpoint
INSERT INTO `__new_inventory_logs`("id", "product_id", "user_id", "action", "quantity_change", "quantity_before", "quantity_after", "reference_number", "notes", "stock_ref", "created_at") SELECT "id", "product_id", "user_id", "action", "quantity_change", "quantity_before", "quantity_after", "reference_number", "notes", "stock_ref", "created_at" FROM `inventory_logs`;--> statement-breakpoint
DROP TABLE `inventory_logs`;--> statement-breakpoint
ALTER TABLE `__new_inventory_logs` RENAME TO `inventory_logs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `inventory_logs_product_idx` ON `inventory_logs` (`product_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_logs_stock_ref_unique` ON `inventory_logs` (`stock_ref`,`product_id`);--> statement-breakpoint
CREATE INDEX `inventory_logs_action_idx` ON `inventory_logs` (`action`,`created_at`);--> statement-breakpoint
CREATE INDEX `inventory_logs_user_idx` ON `inventory_logs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `inventory_logs_created_idx` ON `inventory_logs` (`created_at`);--> statement-breakpoint
-- A transfer step's batch lands before its head-office hold expires or not at
-- all: after expiry the head office may have settled the step as never
-- written (and undone its lines), so a late batch must not move stock.
CREATE TRIGGER `transfer_moves_deadline` BEFORE INSERT ON `transfer_moves`
WHEN NEW.expires_at < CAST(unixepoch('subsec') * 1000 AS INTEGER)
BEGIN
  SELECT RAISE(ABORT, 'transfer step expired');
END;
--> statement-breakpoint
-- The head office's order index (and chain-wide lookups) hears of every order
-- and every change to what it indexes, with a snapshot of the row. The
-- changed event's id takes the outbox's next row id, unique per store, so an
-- order changed twice in one millisecond still writes two events.
CREATE TRIGGER `orders_created_outbox` AFTER INSERT ON `orders`
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('order.created:' || NEW.id, 'order.created', json_object(
    'order_id', NEW.id, 'order_number', NEW.order_number, 'customer_id', NEW.customer_id,
    'user_id', NEW.user_id, 'status', NEW.status, 'total', NEW.total, 'paid_amount', NEW.paid_amount,
    'refunded_amount', NEW.refunded_amount, 'created_at', NEW.created_at, 'at', NEW.updated_at), NEW.updated_at);
END;
--> statement-breakpoint
CREATE TRIGGER `orders_changed_outbox` AFTER UPDATE ON `orders`
WHEN OLD.status IS NOT NEW.status OR OLD.total IS NOT NEW.total OR OLD.customer_id IS NOT NEW.customer_id
  OR OLD.paid_amount IS NOT NEW.paid_amount OR OLD.refunded_amount IS NOT NEW.refunded_amount
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('order.changed:' || NEW.id || ':' || (SELECT COALESCE(MAX(id), 0) + 1 FROM outbox), 'order.changed', json_object(
    'order_id', NEW.id, 'order_number', NEW.order_number, 'customer_id', NEW.customer_id,
    'user_id', NEW.user_id, 'status', NEW.status, 'total', NEW.total, 'paid_amount', NEW.paid_amount,
    'refunded_amount', NEW.refunded_amount, 'created_at', NEW.created_at, 'at', NEW.updated_at), NEW.updated_at);
END;
