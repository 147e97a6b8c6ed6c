/** Reading orders: one with everything a till or manager needs, and filtered lists. */

import { customerById } from "../db/customers";
import { itemsOfOrders, type Order, type OrderItem, type OrderKey, orderPage, readOrder } from "../db/orders";
import { mapPage, type Page } from "../db/paging";
import { canSeeOrder } from "../domain/order-access";
import { localDayBounds } from "../domain/report-range";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { notFound } from "../lib/errors";
import type { ServiceContext } from "./context";
import { type OrderView, toOrderView } from "./orders-view";

/** An order (by id or number) with its rows and its view, in one round trip; null when there is none. */
export async function loadOrder(ctx: Pick<ServiceContext, "db">, by: OrderKey) {
  const record = await readOrder(ctx.db, by);
  if (!record) return null;
  const view = toOrderView(record.order, record.items, record);
  return { order: record.order, items: record.items, view };
}

/** The order as `actor` may see it: managers and admins see every order, a cashier those they rang up (others look absent). */
export async function getOrderFor(ctx: Pick<ServiceContext, "db">, actor: AuthUser, by: OrderKey) {
  const loaded = await loadOrder(ctx, by);
  if (!loaded || !canSeeOrder(actor, loaded.order.userId)) throw notFound("Order");
  return loaded;
}

export interface OrderFilters {
  skip: number;
  limit: number;
  status?: Order["status"] | undefined;
  customer_id?: number | undefined;
  user_id?: number | undefined;
  /** First local day (store time zone), inclusive: YYYY-MM-DD. */
  start_date?: string | undefined;
  /** Last local day (store time zone), inclusive: YYYY-MM-DD. */
  end_date?: string | undefined;
}

/** Newest first; items included so a till can show a history without N more calls. A cashier sees their own. */
export async function listOrders(
  ctx: ServiceContext,
  actor: AuthUser,
  filters: OrderFilters,
): Promise<Page<OrderView>> {
  const { start, end } = localDayBounds(ctx.config.timeZone, filters.start_date, filters.end_date);
  const page = await orderPage(ctx.d1, {
    skip: filters.skip,
    limit: filters.limit,
    ownedBy: hasPermission(actor.role, "orders:manage") ? undefined : actor.id,
    status: filters.status,
    customerId: filters.customer_id,
    userId: filters.user_id,
    createdFrom: start,
    createdBefore: end,
  });
  const byOrder = new Map<number, OrderItem[]>();
  for (const item of await itemsOfOrders(
    ctx.db,
    page.data.map((order) => order.id),
  )) {
    const items = byOrder.get(item.orderId);
    if (items) items.push(item);
    else byOrder.set(item.orderId, [item]);
  }
  return mapPage(page, (order) => toOrderView(order, byOrder.get(order.id) ?? []));
}

/** A customer's orders (404 when there is no such customer). */
export async function listCustomerOrders(
  ctx: ServiceContext,
  actor: AuthUser,
  customerId: number,
  paging: { skip: number; limit: number },
): Promise<Page<OrderView>> {
  if (!(await customerById(ctx.db, customerId))) throw notFound("Customer");
  return listOrders(ctx, actor, { skip: paging.skip, limit: paging.limit, customer_id: customerId });
}
