/**
 * Demo transfers between the seeded stores, made through the transfer
 * services the API uses (head-office hold, store batch, confirm), so their
 * lines, legs, stock rows and log rows follow the real rules: one of each
 * state a screen shows (a draft, one in transit, one partly received, one
 * received, one cancelled after a partial receipt, a cancelled draft).
 *
 * They are made now, not back in the seeded month: a step's store batch must
 * land before its deadline (the store's transfer_moves trigger reads the real
 * clock). The stock gate is a pass-through, as for the seeded sales: no stock
 * object exists yet, and each loads its count from the store's book on first use.
 */
import type { D1Database } from "@cloudflare/workers-types";
import type { Store } from "../../src/db/stores";
import type { Bindings } from "../../src/env";
import type { AuthUser } from "../../src/lib/auth/current-user";
import { createServiceContext, type ServiceContext } from "../../src/services/context";
import { createTransfer } from "../../src/services/transfers";
import { cancelTransfer, receiveTransfer, sendTransfer } from "../../src/services/transfers-steps";
import type { StockGate } from "../../src/stock/client";
import { scopeOf } from "../../src/stores/scope";

const passThroughGate: StockGate = {
  reserve: async (_productId, ref) => ({ ok: true, ref, available: 0, replayed: false }),
  credit: async () => ({ ok: true, available: 0 }),
  commit: async () => undefined,
  release: async () => undefined,
  view: async () => ({ product_id: null, available: null, held_take: 0, held_give: 0, open_entries: 0 }),
  resync: async () => ({ ok: true, available: null }),
};

function seedContext(databases: Record<string, D1Database>, store: Store): ServiceContext {
  const env = {
    ...databases,
    PRODUCT_STOCK: {},
    JWT_SECRET: "seed".repeat(8),
    FILE_SIGNING_SECRET: "seed".repeat(8),
  } as unknown as Bindings;
  return createServiceContext(env, {
    store: scopeOf(env, store),
    stock: passThroughGate,
    notify: { orderCompleted: () => undefined, lowStock: () => undefined, storeEvents: () => undefined },
  });
}

/** Products a store holds plenty of (the seeded sales left more than 20). */
async function stocked(db: D1Database, count: number): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT product_id AS id FROM stock_levels WHERE quantity > 20 ORDER BY product_id LIMIT ?1")
    .bind(count)
    .all<{ id: number }>();
  return results.map((row) => row.id);
}

/** Transfers between `main` and `east`, as the admin; the number made per final status. */
export async function seedTransfers(
  databases: Record<string, D1Database>,
  main: Store,
  east: Store,
  adminId: number,
): Promise<Record<string, number>> {
  const mainDb = databases[main.binding];
  const eastDb = databases[east.binding];
  if (!mainDb || !eastDb) return {};
  const [fromMain, fromEast] = [await stocked(mainDb, 8), await stocked(eastDb, 4)];
  if (fromMain.length < 8 || fromEast.length < 4) return {};
  const ctx = seedContext(databases, main);
  const admin: AuthUser = { id: adminId, username: "admin", role: "admin" };
  const lines = (ids: number[], quantity: number) => ids.map((id, i) => ({ product_id: id, quantity: quantity + i }));
  const draft = (from: Store, to: Store, ids: number[], quantity: number, note: string) =>
    createTransfer(ctx, admin, { from_store_id: from.id, to_store_id: to.id, lines: lines(ids, quantity), note });

  await draft(main, east, fromMain.slice(0, 3), 4, "Next week's top-up (not sent yet)");

  const inTransit = await draft(main, east, fromMain.slice(3, 5), 3, "On the van");
  await sendTransfer(ctx, admin, inTransit.id);

  const partly = await draft(main, east, fromMain.slice(5, 7), 5, "Second box still on its way");
  await sendTransfer(ctx, admin, partly.id);
  await receiveTransfer(ctx, admin, partly.id, [{ product_id: fromMain[5] as number, quantity: 5 }], "seed-partly-1");

  const back = await draft(east, main, fromEast.slice(0, 2), 2, "Returned overstock");
  await sendTransfer(ctx, admin, back.id);
  await receiveTransfer(ctx, admin, back.id, lines(fromEast.slice(0, 2), 2), "seed-back-1");

  const stopped = await draft(main, east, fromMain.slice(7, 8), 6, "Cancelled: half arrived, the rest came back");
  await sendTransfer(ctx, admin, stopped.id);
  await receiveTransfer(ctx, admin, stopped.id, [{ product_id: fromMain[7] as number, quantity: 3 }], "seed-stop-1");
  await cancelTransfer(ctx, admin, stopped.id);

  const dropped = await draft(east, main, fromEast.slice(2, 4), 1, "Not needed after all");
  await cancelTransfer(ctx, admin, dropped.id);

  return { draft: 1, sent: 2, received: 1, cancelled: 2 };
}
