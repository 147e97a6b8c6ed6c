DROP INDEX `orders_status_created_idx`;--> statement-breakpoint
DROP INDEX `payments_status_idx`;