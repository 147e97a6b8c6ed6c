/**
 * What orders read of the head office (binding `DB`): the cart's products as
 * the selling store prices them, the sale's customer, and the names an order's
 * view shows. All head-office tables, so joining them here is fine; nothing
 * here touches a store's tables (those are in another database).
 */
import { returningRow, returningShape, type Statement } from "./batch";
import { decodeRow, type Row } from "./rows";
import { customers, users } from "./schema";

/**
 * What a sale reads of each product of its cart and copies onto its lines:
 * `price` is the selling store's price (its override, else the catalog's),
 * `costPrice` the catalog's cost, and the category's id and name.
 */
export interface SaleProduct {
  id: number;
  sku: string;
  name: string;
  price: number;
  costPrice: number;
  isActive: boolean;
  minStockLevel: number;
  categoryId: number | null;
  categoryName: string | null;
}

interface SaleProductRow {
  id: number;
  sku: string;
  name: string;
  price: number;
  cost_price: number;
  is_active: number;
  min_stock_level: number;
  category_id: number | null;
  category_name: string | null;
}

/**
 * The cart's products priced for `storeId`, one statement of the sale's
 * head-office batch. The ids travel as one JSON parameter (D1 binds at most 100 values).
 */
export function saleProducts(d1: D1Database, productIds: number[], storeId: number): Statement<SaleProduct[]> {
  const read = returningShape<SaleProductRow>(
    d1
      .prepare(
        `SELECT p.id, p.sku, p.name, COALESCE(sp.price, p.price) AS price, p.cost_price, p.is_active, p.min_stock_level,
                p.category_id, c.name AS category_name
         FROM products p
         LEFT JOIN categories c ON c.id = p.category_id
         LEFT JOIN product_store_prices sp ON sp.product_id = p.id AND sp.store_id = ?2
         WHERE p.id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(JSON.stringify(productIds), storeId),
  );
  return {
    prepared: read.prepared,
    decode: (result) =>
      read.decode(result).map((row) => ({
        id: row.id,
        sku: row.sku,
        name: row.name,
        price: row.price,
        costPrice: row.cost_price,
        isActive: Boolean(row.is_active),
        minStockLevel: row.min_stock_level,
        categoryId: row.category_id,
        categoryName: row.category_name,
      })),
  };
}

/** What a sale reads of its customer: who they are, whether they may buy, the points they hold. */
export type SaleCustomer = Pick<
  Row<typeof customers>,
  "id" | "firstName" | "lastName" | "email" | "isActive" | "loyaltyPoints"
>;

/** The sale's customer (none when the sale names none). Also what an edit checks a new customer with. */
export const saleCustomer = (d1: D1Database, customerId: number | null | undefined) =>
  returningRow<typeof customers, SaleCustomer>(
    customers,
    d1
      .prepare("SELECT id, first_name, last_name, email, is_active, loyalty_points FROM customers WHERE id = ?1")
      .bind(customerId ?? -1),
  );

export type CustomerSummary = Pick<Row<typeof customers>, "id" | "firstName" | "lastName" | "email">;
export type CashierSummary = Pick<Row<typeof users>, "id" | "username" | "fullName">;

/** The customer and the cashier an order's view names, in one head-office round trip (a batch of two). */
export async function orderPeople(
  d1: D1Database,
  ids: { customerId: number | null; userId: number },
): Promise<{ customer: CustomerSummary | null; cashier: CashierSummary | null }> {
  const [customer, cashier] = await d1.batch([
    d1.prepare("SELECT id, first_name, last_name, email FROM customers WHERE id = ?1").bind(ids.customerId ?? -1),
    d1.prepare("SELECT id, username, full_name FROM users WHERE id = ?1").bind(ids.userId),
  ]);
  const customerRow = customer?.results[0] as Record<string, unknown> | undefined;
  const cashierRow = cashier?.results[0] as Record<string, unknown> | undefined;
  return {
    customer: customerRow ? decodeRow<typeof customers, CustomerSummary>(customers, customerRow) : null,
    cashier: cashierRow ? decodeRow<typeof users, CashierSummary>(users, cashierRow) : null,
  };
}
