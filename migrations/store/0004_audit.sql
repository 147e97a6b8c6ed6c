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
