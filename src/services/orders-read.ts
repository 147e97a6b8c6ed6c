/**
 * Reading orders: one with everything a till or manager needs, and filtered
 * lists. Orders are in the acting store's database (`ctx.store`); the names
 * an order's view shows (its customer, its cashier) are head-office rows,
 * read in a second round trip (no SQL joins the two kinds). Reads that cross
 * stores (a customer's orders, an order by number from elsewhere) are in
 * ./orders-chain.ts.
 */

import { itemsOfOrders, type Order, type OrderItem, type OrderKey, orderPage, readOrder } from "../db/orders";
import { mapPage, type Page } from "../db/paging";
import { orderPeople } from "../db/sale-facts";
import { canSeeOrder } from "../domain/order-access";
import { localDayBounds } from "../domain/report-range";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission } from "../lib/auth/rbac";
import { notFound } from "../lib/errors";
import type { ServiceContext } from "./context";
import { type OrderView, toOrderView } from "./orders-view";

type ReadContext = Pick<ServiceContext, "store" | "hq">;

/** An order (by id or number) in the acting store with its rows and its view; null when there is none. */
export async function loadOrder(ctx: ReadContext, by: OrderKey) {
  const record = await readOrder(ctx.store.db, by);
  if (!record) return null;
  const people = await orderPeople(ctx.hq.d1, record.order);
  const view = toOrderView(record.order, record.items, { ...people, paymentCount: record.paymentCount });
  return { order: record.order, items: record.items, view };
}

/** The order as `actor` may see it: managers and admins see every order, a cashier those they rang up (others look absent). */
export async function getOrderFor(ctx: ReadContext, actor: AuthUser, by: OrderKey) {
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
  /** First local day (the store's time zone), inclusive: YYYY-MM-DD. */
  start_date?: string | undefined;
  /** Last local day (the store's time zone), inclusive: YYYY-MM-DD. */
  end_date?: string | undefined;
}

/**
 * The acting store's orders, newest first; items included so a till can show
 * a history without N more calls. A cashier sees their own.
 */
export async function listOrders(
  ctx: ServiceContext,
  actor: AuthUser,
  filters: OrderFilters,
): Promise<Page<OrderView>> {
  const { start, end } = localDayBounds(ctx.store.timeZone, filters.start_date, filters.end_date);
  const page = await orderPage(ctx.store.d1, {
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
    ctx.store.db,
    page.data.map((order) => order.id),
  )) {
    const items = byOrder.get(item.orderId);
    if (items) items.push(item);
    else byOrder.set(item.orderId, [item]);
  }
  return mapPage(page, (order) => toOrderView(order, byOrder.get(order.id) ?? []));
}
