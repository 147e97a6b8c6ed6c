/**
 * A D1 handle (through the production-limits guard) that scripts one batch of
 * a service call: another till's request can land just before it, and the
 * connection can drop just after it, so a test places an interleaving or an
 * unknown outcome exactly instead of hoping a race falls that way.
 */
import { dbFor } from "../../src/db/client";
import { guardD1 } from "../../src/lib/d1-guard";
import type { StoreScope } from "../../src/stores/scope";
import { MAIN_STORE, storeDb, storeScope } from "./stores";

export interface D1Script {
  /** The batch (1-based) the script acts on: reads that use a batch count too. */
  at: number;
  /** Runs just before that batch is sent. */
  before?: () => Promise<unknown>;
  /**
   * After that batch lands, the connection drops: its caller gets an error,
   * and then nothing answers ("everything"), or only `first()` still does
   * ("read-back": a probe sees the write, reading it back fails).
   */
  lose?: "everything" | "read-back";
  /** The batch is never sent: the connection drops first (with `lose`, nothing answers after). */
  unsent?: boolean;
}

const lostError = () => new Error("D1_ERROR: Network connection lost.");

/** Scripts a batch of `over` (default: store 1's database, where orders, payments and refunds live). */
export function scriptedD1(
  script: D1Script,
  over: D1Database = storeDb(MAIN_STORE.id),
): { d1: D1Database; reached: () => boolean } {
  let batches = 0;
  let lost = false;
  const d1 = new Proxy(guardD1(over), {
    get(target, key) {
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (lost) throw lostError();
          batches += 1;
          if (batches !== script.at) return target.batch(statements);
          await script.before?.();
          if (script.unsent) {
            if (script.lose) lost = true;
            throw lostError();
          }
          const results = await target.batch(statements);
          if (!script.lose) return results;
          lost = true;
          throw lostError();
        };
      }
      if (key === "prepare" && lost) {
        const fail = async () => Promise.reject(lostError());
        return (sql: string) => ({
          bind: (...values: unknown[]) => ({
            first:
              script.lose === "read-back"
                ? () =>
                    target
                      .prepare(sql)
                      .bind(...values)
                      .first()
                : fail,
            all: fail,
            run: fail,
          }),
        });
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { d1, reached: () => batches >= script.at };
}

/** A store's scope whose database is `d1` (a scripted one), for `testContext({ store })`. */
export async function storeOver(d1: D1Database, storeId: number = MAIN_STORE.id): Promise<StoreScope> {
  return { ...(await storeScope(storeId)), d1, db: dbFor(d1) };
}
