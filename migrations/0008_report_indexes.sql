CREATE INDEX `order_items_report_idx` ON `order_items` (`order_id`,`product_id`,`quantity`,`subtotal`);--> statement-breakpoint
CREATE INDEX `orders_report_idx` ON `orders` (`created_at`,`status`,`subtotal`,`discount`,`points_discount`,`tax`,`total`,`user_id`);--> statement-breakpoint
CREATE INDEX `payments_report_idx` ON `payments` (`created_at`,`status`,`payment_method`,`amount`);--> statement-breakpoint
CREATE INDEX `refunds_report_idx` ON `refunds` (`created_at`,`amount`,`payment_id`,`order_id`);