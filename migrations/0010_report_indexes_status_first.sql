DROP INDEX `orders_report_idx`;--> statement-breakpoint
CREATE INDEX `orders_sales_report_idx` ON `orders` (`status`,`created_at`,`subtotal`,`discount`,`points_discount`,`tax`,`total`,`user_id`);--> statement-breakpoint
DROP INDEX `payments_report_idx`;--> statement-breakpoint
CREATE INDEX `payments_method_report_idx` ON `payments` (`status`,`created_at`,`payment_method`,`amount`);