-- Full-text index over products for GET /products/search and the list's
-- `search` filter. External-content FTS5: the text lives in `products`, the
-- index holds only tokens, and the triggers below keep it in step with every
-- INSERT, UPDATE and DELETE. prefix='2 3' makes short prefix queries ("la*")
-- use prebuilt prefix indexes instead of scanning the term list.
CREATE VIRTUAL TABLE `products_fts` USING fts5(
  name, sku, barcode, description,
  content='products', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2',
  prefix='2 3'
);
--> statement-breakpoint
INSERT INTO `products_fts` (rowid, name, sku, barcode, description)
  SELECT id, name, sku, coalesce(barcode, ''), coalesce(description, '') FROM `products`;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` BEGIN
  INSERT INTO products_fts (rowid, name, sku, barcode, description)
  VALUES (new.id, new.name, new.sku, coalesce(new.barcode, ''), coalesce(new.description, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, sku, barcode, description)
  VALUES ('delete', old.id, old.name, old.sku, coalesce(old.barcode, ''), coalesce(old.description, ''));
END;
--> statement-breakpoint
-- Only text columns matter: stock and price changes (every sale) must not
-- rewrite the index.
CREATE TRIGGER `products_fts_after_update` AFTER UPDATE OF name, sku, barcode, description ON `products` BEGIN
  INSERT INTO products_fts (products_fts, rowid, name, sku, barcode, description)
  VALUES ('delete', old.id, old.name, old.sku, coalesce(old.barcode, ''), coalesce(old.description, ''));
  INSERT INTO products_fts (rowid, name, sku, barcode, description)
  VALUES (new.id, new.name, new.sku, coalesce(new.barcode, ''), coalesce(new.description, ''));
END;
