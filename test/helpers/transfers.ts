/**
 * Transfers through the API, and what the chain holds of a product: every
 * store's book plus what the head office counts in transit, which transfers
 * must conserve; and each store's reconciliation (book, log, objects).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { stockGate, stockObjectName } from "../../src/stock/client";
import { call, expectJson } from "./api";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb, THIRD_STORE } from "./stores";

export interface TransferOut {
  id: number;
  transfer_number: string;
  status: "draft" | "sent" | "received" | "cancelled";
  version: number;
  from_store: { id: number; code: string; name: string };
  to_store: { id: number; code: string; name: string };
  lines: {
    product_id: number;
    product_name: string;
    product_sku: string;
    quantity: number;
    sent: number;
    received: number;
    returned: number;
    in_transit: number;
  }[];
  legs: {
    kind: string;
    step_key: string;
    store_id: number;
    status: string;
    lines: { product_id: number; quantity: number }[];
    user_id: number | null;
    applied_at: string | null;
  }[];
}

export type Line = { product_id: number; quantity: number };

export const createTransfer = (token: string, body: Record<string, unknown>) =>
  call("POST", "/api/v1/transfers", { token, body });

export const sendTransfer = (token: string, id: number) => call("POST", `/api/v1/transfers/${id}/send`, { token });

export const cancelTransfer = (token: string, id: number) => call("POST", `/api/v1/transfers/${id}/cancel`, { token });

export const receiveTransfer = (token: string, id: number, lines: Line[], key?: string) =>
  call("POST", `/api/v1/transfers/${id}/receive`, {
    token,
    body: { lines },
    headers: key ? { "Idempotency-Key": key } : {},
  });

export const getTransfer = (token: string, id: number) => call("GET", `/api/v1/transfers/${id}`, { token });

/** A draft from `from` to `to`, as the admin whose token is given. */
export const draft = (token: string, from: number, to: number, lines: Line[]) =>
  expectJson<TransferOut>(createTransfer(token, { from_store_id: from, to_store_id: to, lines }), 201);

/** Puts `quantity` units of a product into a store's stock (a stock_in at that store). */
export const stockIn = (token: string, productId: number, storeId: number, quantity: number) =>
  expectJson(
    call("POST", `/api/v1/inventory/product/${productId}/adjust`, {
      token,
      headers: atStore(storeId),
      body: { action: "stock_in", quantity_change: quantity },
    }),
    201,
  );

const STORES = [MAIN_STORE, SECOND_STORE, THIRD_STORE];

/** A store's stock gate (its product objects), store 3 included. */
export const gateAt = (storeId: number) => {
  const store = STORES.find((s) => s.id === storeId);
  if (!store) throw new Error(`no test store ${storeId}`);
  return stockGate(env.PRODUCT_STOCK, store);
};

export async function bookAt(productId: number, storeId: number): Promise<number> {
  const row = await storeDb(storeId)
    .prepare("SELECT quantity FROM stock_levels WHERE product_id = ?1")
    .bind(productId)
    .first<{ quantity: number }>();
  return row?.quantity ?? 0;
}

/** Σ sent − received − returned over the head office's lines of sent (or cancelled/received) transfers. */
export async function inTransit(productId: number): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT COALESCE(SUM(sent - received - returned), 0) AS n FROM transfer_lines WHERE product_id = ?1",
  )
    .bind(productId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** What the chain holds of a product: every listed store's book plus what is in transit. */
export async function chainTotal(productId: number, storeIds: number[]): Promise<number> {
  const books = await Promise.all(storeIds.map((s) => bookAt(productId, s)));
  return books.reduce((a, b) => a + b, 0) + (await inTransit(productId));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the product's object at a store to settle its entries (commits
 * are sent after the answer); `expire`: entries still held (a lost outcome)
 * are settled by the object's alarm now rather than in a minute.
 */
export async function settleObject(productId: number, storeId: number, expire = false): Promise<void> {
  const gate = gateAt(storeId);
  let view = await gate.view(productId);
  for (let i = 0; i < 100 && view.open_entries > 0; i++) {
    await sleep(i < 20 ? 5 : 40);
    view = await gate.view(productId);
  }
  if (view.open_entries > 0 && expire) {
    const stub = env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(storeId, productId)));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    await runDurableObjectAlarm(stub);
  }
}

/** The admin reconcile report of a store (book vs log vs objects). */
export const reconcileAt = (adminToken: string, storeId: number) =>
  expectJson<{ checked: number; drift: unknown[]; in_flight: unknown[] }>(
    call("GET", "/api/v1/inventory/reconcile?limit=1000", { token: adminToken, headers: atStore(storeId) }),
    200,
  );

/** Inventory log rows of a store naming a reference (a transfer number). */
export const logsNaming = async (storeId: number, reference: string) =>
  (
    await storeDb(storeId)
      .prepare(
        "SELECT product_id, action, quantity_change, notes, stock_ref FROM inventory_logs WHERE reference_number = ?1 ORDER BY id",
      )
      .bind(reference)
      .all<{ product_id: number; action: string; quantity_change: number; notes: string; stock_ref: string }>()
  ).results;
