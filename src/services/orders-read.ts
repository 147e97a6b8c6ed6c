/** Reading orders: one with everything a till or manager needs, and filtered lists. */
import { canSeeOrder } from "../domain/order-access";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { notFound } from "../lib/errors";
import { readPage, Where } from "../lib/sql-page";
import { type CustomerSummary, type OrderView, type RawOrder, type RawOrderItem, toOrderView } from "./orders-view";

/** Managers and admins see every order; a cashier sees the orders they rang up (others look absent). */
/** Loads an order by id or number with items, customer, cashier and payment totals, in one round trip. */
export async function loadOrder(
  d1: D1Database,
  by: { id: number } | { number: string },
): Promise<{ order: RawOrder; view: OrderView } | null> {
  const [where, value] = "id" in by ? ["o.id = ?1", by.id] : ["o.order_number = ?1", by.number];
  const [orders, items, customers, cashiers, payments] = await d1.batch([
    d1.prepare(`SELECT o.* FROM orders o WHERE ${where}`).bind(value),
    d1
      .prepare(`SELECT i.* FROM order_items i JOIN orders o ON o.id = i.order_id WHERE ${where} ORDER BY i.id`)
      .bind(value),
    d1
      .prepare(
        `SELECT c.id, c.first_name, c.last_name, c.email FROM customers c JOIN orders o ON o.customer_id = c.id WHERE ${where}`,
      )
      .bind(value),
    d1
      .prepare(`SELECT u.id, u.username, u.full_name FROM users u JOIN orders o ON o.user_id = u.id WHERE ${where}`)
      .bind(value),
    d1
      .prepare(`SELECT COUNT(p.id) AS count FROM payments p JOIN orders o ON o.id = p.order_id WHERE ${where}`)
      .bind(value),
  ]);
  const order = orders?.results[0] as RawOrder | undefined;
  if (!order) return null;
  const pay = (payments?.results[0] ?? { count: 0 }) as { count: number };
  const view = toOrderView(order, (items?.results ?? []) as RawOrderItem[], {
    customer: (customers?.results[0] as CustomerSummary | undefined) ?? null,
    cashier: (cashiers?.results[0] as { id: number; username: string; full_name: string | null } | undefined) ?? null,
    paymentCount: pay.count,
  });
  return { order, view };
}

export async function getOrderFor(d1: D1Database, actor: AuthUser, by: { id: number } | { number: string }) {
  const loaded = await loadOrder(d1, by);
  if (!loaded || !canSeeOrder(actor, loaded.order.user_id)) throw notFound("Order");
  return loaded;
}

export interface OrderFilters {
  skip: number;
  limit: number;
  status?: RawOrder["status"] | undefined;
  customer_id?: number | undefined;
  user_id?: number | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
}

/** Newest first; items included so a till can show a history without N more calls. */
export async function listOrders(d1: D1Database, actor: AuthUser, filters: OrderFilters) {
  const where = new Where();
  if (!hasPermission(actor.role, "orders:manage")) where.and((p) => `o.user_id = ${p}`, actor.id);
  if (filters.status) where.and((p) => `o.status = ${p}`, filters.status);
  if (filters.customer_id !== undefined) where.and((p) => `o.customer_id = ${p}`, filters.customer_id);
  if (filters.user_id !== undefined) where.and((p) => `o.user_id = ${p}`, filters.user_id);
  if (filters.start_date) where.and((p) => `o.created_at >= ${p}`, filters.start_date);
  if (filters.end_date) where.and((p) => `o.created_at < ${p}`, filters.end_date);
  const page = await readPage<RawOrder>(d1, {
    select: "SELECT o.* FROM orders o",
    from: "FROM orders o",
    where,
    orderBy: "o.created_at DESC, o.id DESC",
    skip: filters.skip,
    limit: filters.limit,
  });
  const rows = page.rows;
  // The page's ids as one JSON parameter: a page holds up to 1000 orders, D1 binds at most 100 values.
  const items = rows.length
    ? ((
        await d1
          .prepare("SELECT * FROM order_items WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY id")
          .bind(JSON.stringify(rows.map((row) => row.id)))
          .all<RawOrderItem>()
      ).results ?? [])
    : [];
  const byOrder = new Map<number, RawOrderItem[]>();
  for (const item of items) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item]);
  return {
    total: page.total,
    data: rows.map((row) => toOrderView(row, byOrder.get(row.id) ?? [])),
  };
}
