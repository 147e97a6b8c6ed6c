/**
 * The stores a job visits, each with its database: what the daily report,
 * the backup and housekeeping loop over (README "Stores").
 */
import { dbFor } from "../db/client";
import { listStores } from "../db/stores";
import type { Bindings } from "../env";
import { type StoreScope, scopeOf } from "../stores/scope";

/**
 * Every store of the chain (or only the active ones), in id order, as scopes
 * over this Worker's bindings. A store whose binding the Worker lacks throws
 * (a deployment mistake, named in the error), before any work starts.
 */
export async function storeScopes(env: Bindings, which: "all" | "active" = "all"): Promise<StoreScope[]> {
  const stores = await listStores(dbFor(env.DB));
  return stores.filter((s) => which === "all" || s.status === "active").map((s) => scopeOf(env, s));
}
