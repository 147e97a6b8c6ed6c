CREATE TABLE `cash_drawers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cash_drawers_name_unique` ON `cash_drawers` (lower("name"));--> statement-breakpoint
CREATE TABLE `cash_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shift_id` integer,
	`drawer_id` integer,
	`kind` text NOT NULL,
	`payment_method` text,
	`amount` integer NOT NULL,
	`tendered` integer,
	`change_given` integer,
	`cash_delta` integer NOT NULL,
	`payment_id` integer,
	`refund_id` integer,
	`order_id` integer,
	`user_id` integer NOT NULL,
	`reason` text,
	`approval` text DEFAULT 'approved' NOT NULL,
	`approved_by` integer,
	`approved_at` text,
	`late_of_shift_id` integer,
	`created_at` text NOT NULL,
	FOREIGN KEY (`drawer_id`) REFERENCES `cash_drawers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "cash_events_kind_check" CHECK(kind IN ('sale', 'refund', 'paid_in', 'paid_out', 'drop', 'no_sale')),
	CONSTRAINT "cash_events_approval_check" CHECK(approval IN ('approved', 'pending', 'rejected')),
	CONSTRAINT "cash_events_amount_non_negative" CHECK("cash_events"."amount" >= 0),
	CONSTRAINT "cash_events_delta_matches_kind" CHECK("cash_events"."cash_delta" = CASE
        WHEN "cash_events"."kind" = 'sale' AND "cash_events"."payment_method" = 'cash' THEN "cash_events"."amount"
        WHEN "cash_events"."kind" = 'refund' AND "cash_events"."payment_method" = 'cash' THEN -"cash_events"."amount"
        WHEN "cash_events"."kind" = 'paid_in' THEN "cash_events"."amount"
        WHEN "cash_events"."kind" IN ('paid_out', 'drop') THEN -"cash_events"."amount"
        ELSE 0 END),
	CONSTRAINT "cash_events_tender_shape" CHECK(("cash_events"."kind" IN ('sale', 'refund')) = ("cash_events"."payment_method" IS NOT NULL)
        AND ("cash_events"."kind" != 'sale' OR "cash_events"."payment_id" IS NOT NULL)
        AND ("cash_events"."kind" != 'refund' OR "cash_events"."refund_id" IS NOT NULL)
        AND ("cash_events"."tendered" IS NULL OR "cash_events"."tendered" - COALESCE("cash_events"."change_given", 0) = "cash_events"."amount")),
	CONSTRAINT "cash_events_reason_required" CHECK("cash_events"."kind" NOT IN ('paid_in', 'paid_out') OR length(trim(COALESCE("cash_events"."reason", ''))) > 0)
);
--> statement-breakpoint
CREATE INDEX `cash_events_shift_idx` ON `cash_events` (`shift_id`,`kind`);--> statement-breakpoint
CREATE INDEX `cash_events_waiting_idx` ON `cash_events` (`drawer_id`) WHERE shift_id IS NULL;--> statement-breakpoint
CREATE INDEX `cash_events_late_idx` ON `cash_events` (`late_of_shift_id`) WHERE late_of_shift_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `cash_events_payment_unique` ON `cash_events` (`payment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `cash_events_refund_unique` ON `cash_events` (`refund_id`);--> statement-breakpoint
CREATE INDEX `cash_events_created_idx` ON `cash_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `cash_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`requires_shift` integer DEFAULT false NOT NULL,
	`variance_reason_threshold` integer DEFAULT 500 NOT NULL,
	`paid_out_approval_threshold` integer DEFAULT 5000 NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "cash_settings_single_row" CHECK("cash_settings"."id" = 1),
	CONSTRAINT "cash_settings_thresholds_non_negative" CHECK("cash_settings"."variance_reason_threshold" >= 0 AND "cash_settings"."paid_out_approval_threshold" >= 0)
);
--> statement-breakpoint
CREATE TABLE `shifts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`drawer_id` integer NOT NULL,
	`cashier_id` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`opening_float` integer NOT NULL,
	`expected_opening` integer,
	`opening_variance` integer,
	`opened_at` text NOT NULL,
	`ended_at` text,
	`ended_by` integer,
	`closed_at` text,
	`closed_by` integer,
	`counted_cash` integer,
	`counted_denominations` text,
	`expected_cash` integer,
	`variance` integer,
	`variance_reason` text,
	`kept_in_drawer` integer,
	`first_blind_count` integer,
	`z_number` integer,
	`notes` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`drawer_id`) REFERENCES `cash_drawers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "shifts_status_check" CHECK(status IN ('open', 'ended', 'closed')),
	CONSTRAINT "shifts_opening_non_negative" CHECK("shifts"."opening_float" >= 0),
	CONSTRAINT "shifts_closed_complete" CHECK(("shifts"."status" = 'closed') = ("shifts"."z_number" IS NOT NULL AND "shifts"."counted_cash" IS NOT NULL AND "shifts"."expected_cash" IS NOT NULL AND "shifts"."variance" IS NOT NULL AND "shifts"."closed_at" IS NOT NULL)),
	CONSTRAINT "shifts_counts_non_negative" CHECK(COALESCE("shifts"."counted_cash", 0) >= 0 AND COALESCE("shifts"."kept_in_drawer", 0) >= 0 AND COALESCE("shifts"."kept_in_drawer", 0) <= COALESCE("shifts"."counted_cash", 0))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shifts_one_unclosed_per_drawer` ON `shifts` (`drawer_id`) WHERE status != 'closed';--> statement-breakpoint
CREATE UNIQUE INDEX `shifts_one_open_per_cashier` ON `shifts` (`cashier_id`) WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX `shifts_z_number_unique` ON `shifts` (`z_number`);--> statement-breakpoint
CREATE INDEX `shifts_drawer_idx` ON `shifts` (`drawer_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `shifts_cashier_idx` ON `shifts` (`cashier_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `shifts_closed_idx` ON `shifts` (`closed_at`);--> statement-breakpoint
-- Hand-written from here (schema-store.ts says why).
-- The store's cash rules: one row, defaults keep clients that know nothing of shifts working.
INSERT OR IGNORE INTO `cash_settings` (`id`, `requires_shift`, `variance_reason_threshold`, `paid_out_approval_threshold`, `updated_at`)
VALUES (1, 0, 500, 5000, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
--> statement-breakpoint
-- open → ended → closed (or open → closed directly); nothing leaves closed.
CREATE TRIGGER `shifts_status_machine` BEFORE UPDATE OF `status` ON `shifts`
WHEN OLD.status IS NOT NEW.status AND NOT (
  (OLD.status = 'open' AND NEW.status IN ('ended', 'closed')) OR (OLD.status = 'ended' AND NEW.status = 'closed'))
BEGIN
  SELECT RAISE(ABORT, 'invalid shift status transition');
END;
--> statement-breakpoint
-- A closed shift is a Z-report: nothing about it changes again.
CREATE TRIGGER `shifts_closed_immutable` BEFORE UPDATE ON `shifts`
WHEN OLD.status = 'closed'
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_CLOSED: a closed shift never changes');
END;
--> statement-breakpoint
CREATE TRIGGER `shifts_closed_undeletable` BEFORE DELETE ON `shifts`
WHEN OLD.status = 'closed'
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_CLOSED: a closed shift never changes');
END;
--> statement-breakpoint
-- The close that finds a variance above the store's threshold needs a reason
-- (the closing batch computes the variance, so the rule lives here).
CREATE TRIGGER `shifts_variance_needs_reason` BEFORE UPDATE OF `status` ON `shifts`
WHEN NEW.status = 'closed' AND OLD.status != 'closed'
  AND abs(NEW.variance) > COALESCE((SELECT variance_reason_threshold FROM cash_settings WHERE id = 1), 0)
  AND length(trim(COALESCE(NEW.variance_reason, ''))) = 0
BEGIN
  SELECT RAISE(ABORT, 'VARIANCE_REASON_REQUIRED');
END;
--> statement-breakpoint
-- A paid-out waiting for a manager must be approved or rejected before the count.
CREATE TRIGGER `shifts_close_after_approvals` BEFORE UPDATE OF `status` ON `shifts`
WHEN NEW.status = 'closed' AND OLD.status != 'closed'
  AND EXISTS (SELECT 1 FROM cash_events WHERE shift_id = NEW.id AND approval = 'pending')
BEGIN
  SELECT RAISE(ABORT, 'PENDING_APPROVALS');
END;
--> statement-breakpoint
-- Events land only on an open shift. Checked against 'ended' and 'closed'
-- (not "is not open") so a restore can load events before their shifts.
CREATE TRIGGER `cash_events_need_open_shift` BEFORE INSERT ON `cash_events`
WHEN NEW.shift_id IS NOT NULL AND (SELECT status FROM shifts WHERE id = NEW.shift_id) IN ('ended', 'closed')
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_NOT_OPEN');
END;
--> statement-breakpoint
-- No shift resolved and not a late event: only written when the store requires
-- a shift for cash (db/cash-events.ts), to refuse the payment's whole batch.
CREATE TRIGGER `cash_events_no_open_shift` BEFORE INSERT ON `cash_events`
WHEN NEW.shift_id IS NULL AND NEW.late_of_shift_id IS NULL
BEGIN
  SELECT RAISE(ABORT, 'NO_OPEN_SHIFT');
END;
--> statement-breakpoint
-- An event counted in a closed shift is part of its Z-report.
CREATE TRIGGER `cash_events_closed_immutable` BEFORE UPDATE ON `cash_events`
WHEN OLD.shift_id IS NOT NULL AND (SELECT status FROM shifts WHERE id = OLD.shift_id) = 'closed'
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_CLOSED: a closed shift never changes');
END;
--> statement-breakpoint
CREATE TRIGGER `cash_events_closed_undeletable` BEFORE DELETE ON `cash_events`
WHEN OLD.shift_id IS NOT NULL AND (SELECT status FROM shifts WHERE id = OLD.shift_id) = 'closed'
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_CLOSED: a closed shift never changes');
END;
--> statement-breakpoint
-- Nor can an event be moved onto a shift that has stopped selling (the open
-- batch moves waiting late events onto the new, open shift only).
CREATE TRIGGER `cash_events_moved_to_open_shift` BEFORE UPDATE OF `shift_id` ON `cash_events`
WHEN NEW.shift_id IS NOT NULL AND NEW.shift_id IS NOT OLD.shift_id
  AND (SELECT status FROM shifts WHERE id = NEW.shift_id) IN ('ended', 'closed')
BEGIN
  SELECT RAISE(ABORT, 'SHIFT_NOT_OPEN');
END;
