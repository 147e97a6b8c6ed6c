/**
 * What a product's audit events record (README "Audit trail"): the catalog's
 * public fields in the database's own units (prices in integer cents), and
 * which action a change is. A change of price fields alone is
 * `product.price.updated`, so "who changed this price" is one filter.
 */
import type { AuditEntry, AuditFields } from "../audit/record";
import { changedFields } from "../audit/record";
import type { Product } from "../db/products";

/** The catalog fields of a product an audit event compares (the row, not the store's view of it). */
export const productAuditFields = (row: Omit<Product, "id" | "version">): AuditFields => ({
  sku: row.sku,
  name: row.name,
  description: row.description,
  barcode: row.barcode,
  price: row.price,
  cost_price: row.costPrice,
  category_id: row.categoryId,
  image_url: row.imageUrl,
  is_active: row.isActive,
});

const PRICE_FIELDS = new Set(["price", "cost_price"]);

/**
 * The audit entry of a product update: only the fields that changed, as
 * `product.price.updated` when those are price fields alone, else `action`
 * (`product.updated`, or `product.deactivated` for a DELETE).
 */
export function productChangeEntry(
  id: number,
  before: AuditFields,
  after: AuditFields,
  action: "product.updated" | "product.deactivated",
): AuditEntry {
  const changed = changedFields(before, after);
  const fields = Object.keys(changed.after);
  const priceOnly =
    action === "product.updated" && fields.length > 0 && fields.every((field) => PRICE_FIELDS.has(field));
  return {
    action: priceOnly ? "product.price.updated" : action,
    entityType: "product",
    entityId: id,
    before: changed.before,
    after: changed.after,
  };
}
