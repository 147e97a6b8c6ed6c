-- Customer email becomes unique, ignoring case, when present (issue 13; the
-- replaced system had the same rule). Existing data is made to fit first:
--  1. Surrounding spaces are trimmed, and an empty or blank email becomes
--     NULL ("no email"), which any number of customers may have.
--  2. Where several customers share an address (ignoring case), the OLDEST
--     customer keeps it (earliest created_at, then lowest id). Each later one
--     loses it: email becomes NULL and the new `notes` column says
--     "Email <address> removed by migration 0013: customer <id> has it, and
--     emails are unique.", so a manager can merge the records or give that
--     customer another address. Nothing else is deleted.
--  Every changed row gets version + 1 and a new updated_at, so a client
--  holding the old version gets a 409 instead of writing the address back.
-- The keeper comes from one window over the table (first_value by lower(email)),
-- not a subquery per customer, so a large table migrates in one sort.
-- Then the partial unique index is built (NULL and '' are left out of it).
ALTER TABLE `customers` ADD `notes` text;--> statement-breakpoint
UPDATE `customers` SET `email` = CASE WHEN trim(`email`) = '' THEN NULL ELSE trim(`email`) END, `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `email` IS NOT NULL AND (`email` <> trim(`email`) OR trim(`email`) = '');--> statement-breakpoint
CREATE TABLE `_customer_email_moves` AS SELECT `id`, `email`, `keeper` FROM (SELECT `id`, `email`, first_value(`id`) OVER (PARTITION BY lower(`email`) ORDER BY `created_at`, `id`) AS `keeper` FROM `customers` WHERE `email` IS NOT NULL);--> statement-breakpoint
DELETE FROM `_customer_email_moves` WHERE `id` = `keeper`;--> statement-breakpoint
UPDATE `customers` SET `notes` = (SELECT 'Email ' || `m`.`email` || ' removed by migration 0013: customer ' || `m`.`keeper` || ' has it, and emails are unique.' FROM `_customer_email_moves` `m` WHERE `m`.`id` = `customers`.`id`), `email` = NULL, `version` = `version` + 1, `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` IN (SELECT `id` FROM `_customer_email_moves`);--> statement-breakpoint
DROP TABLE `_customer_email_moves`;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_email_unique` ON `customers` (lower("email")) WHERE "customers"."email" IS NOT NULL AND "customers"."email" <> '';