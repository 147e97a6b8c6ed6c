/**
 * The events that send email, turned into queue messages. Each runs after
 * the response (waitUntil): a failure here never fails a sale.
 */

import { runAlone } from "../db/batch";
import { dbFor } from "../db/client";
import { customerById } from "../db/customers";
import { readOrder } from "../db/orders";
import { activeProductNames, lowStockLevels } from "../db/reports";
import { findStore, storeOfId } from "../db/stores";
import { localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { log } from "../lib/log";
import { type StoreScope, storeDatabase } from "../stores/scope";
import { type EmailMessage, enqueueEmails, managerRecipients } from "./email-messages";

const safely = async (env: Bindings, what: string, work: () => Promise<void>) => {
  try {
    await work();
  } catch (error) {
    log(env, "error", `could not enqueue ${what}`, { error: String(error) });
  }
};

/**
 * An order just completed: its customer gets a receipt, if they have an
 * email. The order is read in its store's database (its id says which) and
 * the customer's address at the head office.
 */
export const notifyOrderCompleted = (env: Bindings, orderId: number) =>
  safely(env, "receipt", async () => {
    const hq = dbFor(env.DB);
    const store = await findStore(hq, storeOfId(orderId));
    if (!store) return;
    const found = await readOrder(dbFor(storeDatabase(env, store)), { id: orderId });
    const customerId = found?.order.customerId;
    if (!found || customerId === null || customerId === undefined) return;
    const email = (await customerById(hq, customerId))?.email;
    if (!email) return;
    await enqueueEmails(env.EMAIL_QUEUE, [
      { kind: "receipt", to: email, data: { order_id: orderId }, dedupe_key: `receipt:${found.order.orderNumber}` },
    ]);
  });

/**
 * Stock moved down at `store` for these products: each one now at or below
 * its minimum there alerts the store's managers and the admins, once per
 * store, product and (store-local) day. The store's levels come from its
 * database, the names from the catalog (active products only).
 */
export const notifyLowStock = (env: Bindings, store: StoreScope, productIds: number[]) =>
  safely(env, "low-stock alert", async () => {
    if (productIds.length === 0) return;
    const levels = await runAlone(lowStockLevels(store.d1, productIds));
    if (levels.length === 0) return;
    const names = new Map(
      (
        await runAlone(
          activeProductNames(
            env.DB,
            levels.map(([id]) => id),
          ),
        )
      ).map((p) => [p.id, p]),
    );
    const low = levels.filter(([id]) => names.has(id)).sort((a, b) => a[0] - b[0]);
    if (low.length === 0) return;
    const day = localDate(new Date(), store.timeZone);
    const managers = await managerRecipients(env.DB, store.id);
    const messages: EmailMessage[] = low.flatMap(([id, stock, minimum]) =>
      managers.map((manager) => ({
        kind: "low_stock" as const,
        to: manager.email,
        data: {
          store: { id: store.id, code: store.code, name: store.name },
          product_id: id,
          name: names.get(id)?.name,
          sku: names.get(id)?.sku,
          stock,
          minimum,
          date: day,
        },
        dedupe_key: `low_stock:${store.code}:${id}:${day}:${manager.id}`,
      })),
    );
    await enqueueEmails(env.EMAIL_QUEUE, messages);
  });

export const notifyPasswordChanged = (env: Bindings, user: { id: number; email: string; tokenVersion: number }) =>
  safely(env, "password notice", () =>
    enqueueEmails(env.EMAIL_QUEUE, [
      {
        kind: "password_changed",
        to: user.email,
        data: { user_id: user.id, at: new Date().toISOString() },
        dedupe_key: `password_changed:${user.id}:${user.tokenVersion}`,
      },
    ]),
  );
