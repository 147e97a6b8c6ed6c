CREATE TABLE `audit_archive` (
	`id` integer PRIMARY KEY NOT NULL,
	`archived_before` text NOT NULL,
	`last_hash` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor_user_id` integer,
	`actor_username` text,
	`actor_role` text,
	`store_id` integer,
	`client_address` text,
	`request_id` text,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` integer NOT NULL,
	`before` text,
	`after` text,
	`reason` text,
	`approved_by` integer
);
--> statement-breakpoint
CREATE INDEX `audit_events_at_idx` ON `audit_events` (`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_entity_idx` ON `audit_events` (`entity_type`,`entity_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_events_actor_idx` ON `audit_events` (`actor_user_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_events_action_idx` ON `audit_events` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `audit_events_store_idx` ON `audit_events` (`store_id`,`at`);--> statement-breakpoint
-- Hand-written from here (drizzle-kit does not describe triggers or seed rows).
-- Nothing archived yet: every audit event must stay.
INSERT INTO `audit_archive` (`id`, `archived_before`, `last_hash`, `updated_at`) VALUES (1, '0000', 'genesis', '0000');
--> statement-breakpoint
-- The audit trail is append-only (README "Audit trail").
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events`
BEGIN
  SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: audit events never change');
END;
--> statement-breakpoint
-- Only what the retention job archived to R2 may leave D1.
CREATE TRIGGER `audit_events_no_delete` BEFORE DELETE ON `audit_events`
WHEN OLD.at >= (SELECT archived_before FROM audit_archive WHERE id = 1)
BEGIN
  SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: only archived audit events may be deleted');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_archive_forward_only` BEFORE UPDATE ON `audit_archive`
WHEN NEW.archived_before < OLD.archived_before OR NEW.id IS NOT OLD.id
BEGIN
  SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: the archive mark only moves forward');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_archive_no_delete` BEFORE DELETE ON `audit_archive`
BEGIN
  SELECT RAISE(ABORT, 'AUDIT_APPEND_ONLY: the archive mark stays');
END;
--> statement-breakpoint
-- Store events other systems hear about (README "Events feed"), written by the
-- very statement that made them, as the order events of 0000 and 0002 are,
-- sent to the head office with the rest of the outbox and recorded there in
-- the feed once per event id (outbox/apply.ts). Payloads stay small: the head
-- office reads the resource itself when it records the event.
-- A payment taken as completed, or a pending one confirmed. `order_number`
-- names the order (what scripts/fill-history.ts clears its own rows by).
CREATE TRIGGER `payments_completed_outbox` AFTER INSERT ON `payments`
WHEN NEW.status = 'completed'
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  SELECT 'payment.completed:' || NEW.id, 'payment.completed', json_object(
    'payment_id', NEW.id, 'order_id', NEW.order_id, 'order_number', o.order_number,
    'amount', NEW.amount, 'payment_method', NEW.payment_method, 'at', NEW.created_at), NEW.created_at
  FROM orders o WHERE o.id = NEW.order_id;
END;
--> statement-breakpoint
CREATE TRIGGER `payments_confirmed_outbox` AFTER UPDATE OF status ON `payments`
WHEN NEW.status = 'completed' AND OLD.status = 'pending'
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  SELECT 'payment.completed:' || NEW.id, 'payment.completed', json_object(
    'payment_id', NEW.id, 'order_id', NEW.order_id, 'order_number', o.order_number,
    'amount', NEW.amount, 'payment_method', NEW.payment_method, 'at', NEW.updated_at), NEW.updated_at
  FROM orders o WHERE o.id = NEW.order_id;
END;
--> statement-breakpoint
-- A movement made by hand (POST /inventory/product/{id}/adjust: stock ref
-- ADJ-…, or a new product's opening stock: no ref). The `return` rows of
-- cancels (CAN-…) and refunds (REF-…), sales and transfers are told by their
-- own events.
CREATE TRIGGER `inventory_logs_adjusted_outbox` AFTER INSERT ON `inventory_logs`
WHEN NEW.action IN ('stock_in', 'stock_out', 'adjustment', 'damage', 'return')
  AND (NEW.stock_ref IS NULL OR NEW.stock_ref LIKE 'ADJ-%')
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('inventory.adjusted:' || NEW.id, 'inventory.adjusted', json_object(
    'log_id', NEW.id, 'product_id', NEW.product_id, 'action', NEW.action,
    'quantity_change', NEW.quantity_change, 'quantity_after', NEW.quantity_after, 'at', NEW.created_at), NEW.created_at);
END;
--> statement-breakpoint
-- Stock crossing down to the store's minimum: from above it to at or below
-- it, whatever moved it (a sale, a movement, a transfer out). A move that
-- starts at or below does not fire, so it fires once per crossing and
-- re-arms when stock goes back above. The threshold is the store's own
-- (stock_levels.min_stock_level, as the low-stock list and alerts read it),
-- and every change of a level writes a log row with its before and after
-- (the stock protocol's book), so the log row is where a crossing shows, and
-- its id makes each crossing's event id unique.
CREATE TRIGGER `inventory_logs_stock_low_outbox` AFTER INSERT ON `inventory_logs`
WHEN NEW.quantity_after < NEW.quantity_before
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  SELECT 'stock.low:' || NEW.id, 'stock.low', json_object(
    'log_id', NEW.id, 'product_id', NEW.product_id, 'quantity', NEW.quantity_after,
    'min_stock_level', s.min_stock_level, 'action', NEW.action, 'at', NEW.created_at), NEW.created_at
  FROM stock_levels s
  WHERE s.product_id = NEW.product_id AND NEW.quantity_before > s.min_stock_level
    AND NEW.quantity_after <= s.min_stock_level;
END;
--> statement-breakpoint
CREATE TRIGGER `shifts_opened_outbox` AFTER INSERT ON `shifts`
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('shift.opened:' || NEW.id, 'shift.opened', json_object(
    'shift_id', NEW.id, 'drawer_id', NEW.drawer_id, 'cashier_id', NEW.cashier_id, 'at', NEW.opened_at), NEW.opened_at);
END;
--> statement-breakpoint
CREATE TRIGGER `shifts_closed_outbox` AFTER UPDATE OF status ON `shifts`
WHEN NEW.status = 'closed' AND OLD.status != 'closed'
BEGIN
  INSERT INTO outbox (event_id, type, payload, created_at)
  VALUES ('shift.closed:' || NEW.id, 'shift.closed', json_object(
    'shift_id', NEW.id, 'drawer_id', NEW.drawer_id, 'cashier_id', NEW.cashier_id,
    'z_number', NEW.z_number, 'at', NEW.closed_at), NEW.closed_at);
END;
