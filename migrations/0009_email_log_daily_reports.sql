CREATE TABLE `daily_reports` (
	`date` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`data` text NOT NULL,
	`r2_key` text NOT NULL,
	`emailed` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL
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
CREATE INDEX `email_log_status_idx` ON `email_log` (`status`,`updated_at`);