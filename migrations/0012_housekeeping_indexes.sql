CREATE INDEX `login_attempts_window_idx` ON `login_attempts` (`window_started_at`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expires_idx` ON `refresh_tokens` (`expires_at`);