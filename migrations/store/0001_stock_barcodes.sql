ALTER TABLE `stock_levels` ADD `barcode` text;--> statement-breakpoint
CREATE INDEX `stock_levels_barcode_idx` ON `stock_levels` (`barcode`);