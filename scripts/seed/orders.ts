/**
 * Demo sales history over the 30 days before `until` (the first day of the
 * seeded shifts, scripts/seed/shifts.ts, whose own sales then fill the days
 * after: every cash sale of a shift day is counted in its shift) in each
 * store, written through
 * the same services the API uses (so totals, stock, logs, payments, loyalty
 * outbox rows and refunds all follow the real rules). The stock gate is a
 * pass-through: at seed time no stock object exists yet, and each loads its
 * count from the store's database on first use.
 */
import type { D1Database } from "@cloudflare/workers-types";
import type { Role } from "../../src/db/schema";
import type { Store } from "../../src/db/stores";
import type { Bindings } from "../../src/env";
import { createServiceContext, type ServiceContext } from "../../src/services/context";
import { cancelOrder } from "../../src/services/orders-cancel";
import { createOrder } from "../../src/services/orders-create";
import { createPayment } from "../../src/services/payments";
import { refundPayment } from "../../src/services/refunds";
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

/** The local chain as the services see it: the head office and every store database by binding. */
export interface SeedChain {
  databases: Record<string, D1Database>;
}

/**
 * The services' context at seed time, acting on `store`: the local
 * databases, the pass-through gate, a clock fixed at `at`, no emails and no
 * queue sends (the store's outbox rows wait for the cron sweep). The seed
 * signs nothing: placeholder secrets satisfy the config's checks, and the
 * stock namespace is never reached (the gate above stands in).
 */
/** The Worker's env as the seed has it: the local databases, and secrets no seeded data depends on. */
export const seedEnv = (chain: SeedChain): Bindings =>
  ({
    ...chain.databases,
    PRODUCT_STOCK: {},
    JWT_SECRET: "seed".repeat(8),
    FILE_SIGNING_SECRET: "seed".repeat(8),
  }) as unknown as Bindings;

export function seedContext(chain: SeedChain, store: Store, at: Date): ServiceContext {
  const env = seedEnv(chain);
  return createServiceContext(env, {
    store: scopeOf(env, store),
    stock: passThroughGate,
    now: () => at,
    notify: { orderCompleted: () => undefined, lowStock: () => undefined, storeEvents: () => undefined },
  });
}

const METHODS = ["cash", "credit_card", "debit_card", "mobile_payment", "cash", "credit_card"] as const;

/** A seeded user acting at `store` (their home store there). */
export const seedActor = (u: { id: number; username: string; role: Role }, store: Store) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  homeStoreId: store.id,
});

/** Sales at `store` by its staff (`cashiers`, `manager`: usernames), spread over the 30 days before `until`. */
export async function seedOrders(
  chain: SeedChain,
  store: Store,
  staff: { cashiers: string[]; manager: string },
  until: Date,
  salt = 11,
) {
  const hq = chain.databases.DB;
  const storeDb = chain.databases[store.binding];
  if (!hq || !storeDb) return { orders: 0 };
  const users = (
    await hq.prepare("SELECT id, username, role FROM users").all<{ id: number; username: string; role: Role }>()
  ).results;
  const by = (name: string) => users.find((u) => u.username === name);
  const cashiers = staff.cashiers.map(by).filter((u) => u !== undefined);
  const manager = by(staff.manager);
  const products = (
    await storeDb.prepare("SELECT product_id AS id FROM stock_levels WHERE quantity > 20 ORDER BY product_id").all<{
      id: number;
    }>()
  ).results;
  const customers = (await hq.prepare("SELECT id FROM customers ORDER BY id").all<{ id: number }>()).results;
  if (!manager || cashiers.length === 0 || products.length === 0) return { orders: 0 };

  let seed = salt;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // High bits: the low bits of this generator repeat with a short period.
    return Math.floor((seed / 2 ** 31) * n);
  };
  let created = 0;
  const span = 30 * 24 * 3600_000;
  const start = until.getTime() - span;
  const asActor = (u: { id: number; username: string; role: Role }) => seedActor(u, store);
  for (let i = 0; i < 45; i++) {
    // At most 44/45 of the span plus an hour: every sale (and its refund an hour later) ends before `until`.
    const at = new Date(start + (i * span) / 45 + random(3600_000));
    const ctx = seedContext(chain, store, at);
    const cashier = cashiers[i % cashiers.length] ?? cashiers[0];
    if (!cashier) break;
    const lines = new Map<number, number>();
    for (let k = 0; k < 1 + random(3); k++) {
      const product = products[random(products.length)];
      if (product) lines.set(product.id, (lines.get(product.id) ?? 0) + 1 + random(2));
    }
    const customer = random(3) > 0 ? customers[random(customers.length)]?.id : undefined;
    const order = await createOrder(
      ctx,
      asActor(cashier),
      {
        customer_id: customer ?? null,
        order_items: [...lines].map(([product_id, quantity]) => ({ product_id, quantity })),
        tax: random(500),
      },
      null,
    );
    created += 1;
    const roll = random(20);
    if (roll === 0) {
      await cancelOrder(ctx, asActor(manager), order.id);
      continue;
    }
    if (roll === 1) continue; // left pending
    const total = Math.round(order.total * 100);
    const method = METHODS[random(METHODS.length)] ?? "cash";
    const split = roll === 2 ? Math.floor(total / 2) : total;
    const actor = asActor(cashier);
    const first = (await createPayment(ctx, actor, { order_id: order.id, payment_method: method, amount: split }, null))
      .result;
    if (split < total)
      await createPayment(
        ctx,
        actor,
        { order_id: order.id, payment_method: "credit_card", amount: total - split },
        null,
      );
    if (roll === 3) {
      const refundAt = new Date(at.getTime() + 3600_000);
      await refundPayment(
        seedContext(chain, store, refundAt),
        asActor(manager),
        {
          payment_id: first.id,
          amount: Math.min(500, Math.round(first.amount * 100)),
          reason: "Customer returned an item",
        },
        null,
      );
    }
  }
  return { orders: created };
}
