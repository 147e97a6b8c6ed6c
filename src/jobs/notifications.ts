/**
 * The events that send email, turned into queue messages. Each runs after
 * the response (waitUntil): a failure here never fails a sale.
 */

import { dbFor } from "../db/client";
import { receiptAddress } from "../db/orders";
import { findProducts } from "../db/products";
import { localDate } from "../domain/time-zone";
import type { Bindings } from "../env";
import { storeTimeZone } from "../lib/config";
import { log } from "../lib/log";
import { type EmailMessage, enqueueEmails, managerRecipients } from "./email-messages";

const safely = async (env: Bindings, what: string, work: () => Promise<void>) => {
  try {
    await work();
  } catch (error) {
    log(env, "error", `could not enqueue ${what}`, { error: String(error) });
  }
};

/** An order just completed: its customer gets a receipt, if they have an email. */
export const notifyOrderCompleted = (env: Bindings, orderId: number) =>
  safely(env, "receipt", async () => {
    const row = await receiptAddress(dbFor(env.DB), orderId);
    if (!row?.email) return;
    await enqueueEmails(env.EMAIL_QUEUE, [
      { kind: "receipt", to: row.email, data: { order_id: orderId }, dedupe_key: `receipt:${row.orderNumber}` },
    ]);
  });

/**
 * Stock moved down for these products: each one now at or below its minimum
 * alerts the managers, once per product per (local) day.
 */
export const notifyLowStock = (env: Bindings, productIds: number[]) =>
  safely(env, "low-stock alert", async () => {
    if (productIds.length === 0) return;
    const found = await findProducts(env.DB, productIds);
    const low = [...found.values()]
      .filter((p) => p.isActive && p.stockQuantity <= p.minStockLevel)
      .sort((a, b) => a.id - b.id);
    if (low.length === 0) return;
    const day = localDate(new Date(), storeTimeZone(env));
    const managers = await managerRecipients(env.DB);
    const messages: EmailMessage[] = low.flatMap((product) =>
      managers.map((manager) => ({
        kind: "low_stock" as const,
        to: manager.email,
        data: {
          product_id: product.id,
          name: product.name,
          sku: product.sku,
          stock: product.stockQuantity,
          minimum: product.minStockLevel,
          date: day,
        },
        dedupe_key: `low_stock:${product.id}:${day}:${manager.id}`,
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
