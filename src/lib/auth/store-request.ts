/**
 * Which store a request acts on (README "Stores"): the store of the id in
 * its path (an order's, a payment's: ids carry their store), else the one it
 * names (`X-Store-Id`, `store_id` in the query or the JSON body), else the
 * caller's home store. Clients that never name a store work on their home
 * store, as before stores existed.
 */
import type { Context } from "hono";
import { type Store, storeOfId } from "../../db/stores";
import type { StoreAsked } from "../../db/users";
import type { AppEnv } from "../../env";
import { ApiError } from "../errors";

/**
 * A route about one record: `param` holds its id (or, with `kind:
 * "order_number"`, an order number; with `kind: "store"`, the store's own id,
 * as in /stores/{id}/cash-settings).
 */
export interface StoreFromPath {
  param: string;
  /** Named in the 404 a caller with no role at the record's store gets ("Order not found"). */
  resource: string;
  kind?: "id" | "order_number" | "store";
}

/** An order number carries its store's code: ORD-<CODE>-<yyyymmdd>-<hex>. */
export const storeCodeOfOrderNumber = (orderNumber: string): string | null =>
  /^ORD-([A-Z0-9]{1,12})-\d{8}-[0-9A-F]+$/.exec(orderNumber)?.[1] ?? null;

const STORE_ID = /^[1-9]\d{0,8}$/;

/** `store_id=all`: a chain-wide report (services/reports-chain.ts), allowed on these paths only. */
export const ALL_STORES = "all";
const CHAIN_WIDE_REPORT =
  /\/reports\/(sales|products-sales|payment-methods|inventory|daily-summary|customers|cashiers|cash-variance)$/;

function parseStoreId(value: unknown, where: string): number {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !STORE_ID.test(text)) {
    throw new ApiError("VALIDATION_ERROR", `${where} must be a store id (a positive integer)`);
  }
  return Number(text);
}

/** The store_id of a JSON body, when the request has one; a body that does not parse is the validator's to refuse. */
async function bodyStoreId(c: Context<AppEnv>): Promise<unknown> {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return undefined;
  if (!c.req.header("Content-Type")?.toLowerCase().includes("json")) return undefined;
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>).store_id
      : undefined;
  } catch {
    return undefined;
  }
}

export async function storeAsked(c: Context<AppEnv>, from?: StoreFromPath): Promise<StoreAsked> {
  if (from) {
    const value = c.req.param(from.param) ?? "";
    if (from.kind === "order_number") {
      const code = storeCodeOfOrderNumber(value);
      // A number from before stores (no code) is looked for in the store the request names.
      if (code) return { code };
    } else if (from.kind === "store") {
      return { id: STORE_ID.test(value) ? Number(value) : null };
    } else if (/^\d{1,16}$/.test(value)) {
      return { id: storeOfId(Number(value)) || null };
    }
  }
  const query = c.req.query("store_id");
  if (query === ALL_STORES) {
    // A chain-wide report acts as the home store (its permission, time zone); the report picks the stores.
    if (c.req.method !== "GET" || !CHAIN_WIDE_REPORT.test(c.req.path)) {
      throw new ApiError("VALIDATION_ERROR", "store_id=all is only for the reports (GET /reports/...)");
    }
    if (c.req.header("X-Store-Id")) {
      throw new ApiError("VALIDATION_ERROR", "store_id=all names every store: drop X-Store-Id");
    }
    return {};
  }
  const named: Array<[string, unknown]> = [
    ["X-Store-Id", c.req.header("X-Store-Id")],
    ["store_id (query)", query],
    ["store_id (body)", await bodyStoreId(c)],
  ];
  let id: number | undefined;
  for (const [where, value] of named) {
    if (value === undefined || value === null || value === "") continue;
    const parsed = parseStoreId(value, where);
    if (id !== undefined && id !== parsed) {
      throw new ApiError("VALIDATION_ERROR", `The request names two stores (${id} and ${parsed}); name one`);
    }
    id = parsed;
  }
  return id === undefined ? {} : { id };
}

/** Why the caller may not act on the store asked for, as the answer they get. */
export function storeRefused(
  asked: StoreAsked & { from?: StoreFromPath | undefined },
  store: Store | undefined,
  role: string | null,
): ApiError {
  // About one record: a store the caller has no part in does not show it exists.
  if (asked.from) return new ApiError("NOT_FOUND", `${asked.from.resource} not found`);
  if (!store) return new ApiError("NOT_FOUND", asked.id ? `Store ${asked.id} not found` : "Store not found");
  if (!role) return new ApiError("FORBIDDEN", `You have no role at store ${store.code}`);
  return new ApiError("FORBIDDEN", `Store ${store.code} is inactive`);
}
