/**
 * Reading orders across the chain's stores through the head office's order
 * index (db/order-index.ts), which lags a sale by the seconds its store's
 * outbox takes to arrive:
 *
 * - a customer's orders at every store the caller may read orders at (at a
 *   store where their role does not manage orders: the ones they rang up).
 *   The acting store's orders are read live from its database (a till sees
 *   the sale it just made), the other stores' from the index; the two sorted
 *   lists are merged, newest first, and the page's orders are then read in
 *   full from their stores' databases (per store, a few stores at a time), so
 *   each item is the order as it is now, shaped like every other order list.
 * - an order by number that is not in the store its number names (a number
 *   from before stores has no store code): the index says which store has it.
 *
 * An order the index still files under this customer but whose store says
 * otherwise (the index has not heard of the edit yet) is left off its page.
 */
import { sql } from "drizzle-orm";
import { runAlone } from "../db/batch";
import { dbFor } from "../db/client";
import { customerOrderRefs, type IndexedOrderRef, indexedOrderByNumber, type OrderReader } from "../db/order-index";
import { itemsOfOrders, type Order, type OrderItem, orderPage } from "../db/orders";
import type { Page } from "../db/paging";
import { saleCustomer } from "../db/sale-facts";
import { orders } from "../db/schema";
import { findStore } from "../db/stores";
import { canSeeOrder } from "../domain/order-access";
import type { AuthUser } from "../lib/auth/current-user";
import { hasPermission, PERMISSIONS } from "../lib/auth/rbac";
import { mapWithConcurrency } from "../lib/concurrency";
import { notFound } from "../lib/errors";
import { scopeOf, storeDatabase } from "../stores/scope";
import type { ServiceContext } from "./context";
import { loadOrder } from "./orders-read";
import { type OrderView, toOrderView } from "./orders-view";

/** Store databases read at once when a page's orders come from several stores. */
export const STORE_READS_IN_FLIGHT = 6;

const readerOf = (actor: Pick<AuthUser, "id">): OrderReader => ({
  userId: actor.id,
  readRoles: PERMISSIONS["orders:read"],
  manageRoles: PERMISSIONS["orders:manage"],
});

/** Orders of one store's database by id, with their items. */
async function ordersWithItems(d1: D1Database, ids: number[]): Promise<{ orders: Order[]; items: OrderItem[] }> {
  const db = dbFor(d1);
  const [found, items] = await Promise.all([
    // One JSON parameter, not one per id: a page may hold up to 1,000 orders of a store (D1 binds at most 100).
    ids.length
      ? db
          .select()
          .from(orders)
          .where(sql`${orders.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
      : Promise.resolve([]),
    itemsOfOrders(db, ids),
  ]);
  return { orders: found, items };
}

const groupItems = (items: OrderItem[]): Map<number, OrderItem[]> => {
  const byOrder = new Map<number, OrderItem[]>();
  for (const item of items) {
    const list = byOrder.get(item.orderId);
    if (list) list.push(item);
    else byOrder.set(item.orderId, [item]);
  }
  return byOrder;
};

/** Newest first, as every order list sorts (created_at DESC, id DESC). */
const newestFirst = (a: { createdAt: string; id: number }, b: { createdAt: string; id: number }) =>
  a.createdAt === b.createdAt ? b.id - a.id : a.createdAt < b.createdAt ? 1 : -1;

type PageEntry = { id: number; createdAt: string } & ({ live: Order } | { ref: IndexedOrderRef });

/**
 * A customer's orders across the chain (404 when there is no such customer):
 * at the acting store as the caller's role there allows (read live), at every
 * other store as their role at that store allows (from the index).
 */
export async function listCustomerOrdersChain(
  ctx: ServiceContext,
  actor: AuthUser,
  customerId: number,
  paging: { skip: number; limit: number },
): Promise<Page<OrderView>> {
  // Both sources' first skip + limit rows: the merged page is among them.
  const reach = paging.skip + paging.limit;
  const [customer, live, indexed] = await Promise.all([
    runAlone(saleCustomer(ctx.hq.d1, customerId)),
    orderPage(ctx.store.d1, {
      skip: 0,
      limit: reach,
      customerId,
      ownedBy: hasPermission(actor.role, "orders:manage") ? undefined : actor.id,
    }),
    customerOrderRefs(ctx.hq.d1, { reader: readerOf(actor), customerId, exceptStoreId: ctx.store.id, limit: reach }),
  ]);
  if (!customer) throw notFound("Customer");

  const entries: PageEntry[] = [
    ...live.data.map((order) => ({ id: order.id, createdAt: order.createdAt, live: order })),
    ...indexed.refs.map((ref) => ({ id: ref.orderId, createdAt: ref.createdAt, ref })),
  ];
  const page = entries.sort(newestFirst).slice(paging.skip, reach);

  const current = await readPageOrders(ctx, page);
  const data: OrderView[] = [];
  for (const entry of page) {
    const found = current.get(entry.id);
    // Gone from its store, or no longer this customer's there (the index lags the edit).
    if (!found || found.order.customerId !== customerId) continue;
    data.push(toOrderView(found.order, found.items));
  }
  return { total: live.total + indexed.total, skip: paging.skip, limit: paging.limit, data };
}

/** The page's orders as they are now, by id: the acting store's items, and each other store's orders and items. */
async function readPageOrders(
  ctx: ServiceContext,
  page: PageEntry[],
): Promise<Map<number, { order: Order; items: OrderItem[] }>> {
  const liveOrders = page.flatMap((entry) => ("live" in entry ? [entry.live] : []));
  const elsewhere = new Map<number, IndexedOrderRef[]>();
  for (const entry of page) {
    if (!("ref" in entry)) continue;
    const refs = elsewhere.get(entry.ref.storeId);
    if (refs) refs.push(entry.ref);
    else elsewhere.set(entry.ref.storeId, [entry.ref]);
  }
  const [liveItems, others] = await Promise.all([
    itemsOfOrders(
      ctx.store.db,
      liveOrders.map((order) => order.id),
    ),
    mapWithConcurrency([...elsewhere.values()], STORE_READS_IN_FLIGHT, (refs) => {
      const first = refs[0] as IndexedOrderRef;
      const d1 = storeDatabase(ctx.env, { binding: first.storeBinding, code: first.storeCode });
      return ordersWithItems(
        d1,
        refs.map((ref) => ref.orderId),
      );
    }),
  ]);
  const current = new Map<number, { order: Order; items: OrderItem[] }>();
  for (const { orders: found, items } of [{ orders: liveOrders, items: liveItems }, ...others]) {
    const byOrder = groupItems(items);
    for (const order of found) current.set(order.id, { order, items: byOrder.get(order.id) ?? [] });
  }
  return current;
}

/**
 * An order by number: at the acting store (the one its number names, else
 * the one the request names or the caller's home store), else at the store
 * the index files it under, if the caller may read orders there. As anywhere,
 * a cashier sees the orders they rang up; anything else is a 404.
 */
export async function getOrderByNumberChain(ctx: ServiceContext, actor: AuthUser, orderNumber: string) {
  const here = await loadOrder(ctx, { number: orderNumber });
  if (here) {
    if (!canSeeOrder(actor, here.order.userId)) throw notFound("Order");
    return here;
  }
  const ref = await indexedOrderByNumber(ctx.hq.d1, readerOf(actor), orderNumber);
  if (!ref || ref.storeId === ctx.store.id) throw notFound("Order");
  const store = await findStore(ctx.hq.db, ref.storeId);
  if (!store) throw notFound("Order");
  const there = await loadOrder(ctx.forStore(scopeOf(ctx.env, store)), { number: orderNumber });
  // `actor.role` is their role at the acting store; at the order's store the index's `manages` says.
  if (!there || !(ref.manages || there.order.userId === actor.id)) throw notFound("Order");
  return there;
}
