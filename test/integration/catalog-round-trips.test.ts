/**
 * A product read is one round trip: the caller's check and the catalog row
 * (head office) go out together with the store's level, none waiting for
 * another. Each D1 call here is slowed and logged with how many calls had
 * finished when it started (its "wave"): one round trip is every call in wave 0.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { PendingUserCheck } from "../../src/lib/auth/middleware";
import { verifyAccessToken } from "../../src/lib/auth/tokens";
import { authConfig } from "../../src/lib/config";
import { createServiceContext } from "../../src/services/context";
import { readProduct } from "../../src/services/products";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { atStore } from "../helpers/stores";

interface Call {
  db: string;
  wave: number;
}

/** `d1` with every call delayed by `ms` and logged in `calls`. */
function slowD1(d1: D1Database, db: string, ms: number, log: { calls: Call[]; done: number }): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    log.calls.push({ db, wave: log.done });
    await new Promise((resolve) => setTimeout(resolve, ms));
    try {
      return await run();
    } finally {
      log.done += 1;
    }
  };
  const passThrough = (target: object, key: PropertyKey) => {
    const value = Reflect.get(target, key, target);
    return typeof value === "function" ? value.bind(target) : value;
  };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (key === "first" || key === "all" || key === "run" || key === "raw") {
          return (...args: unknown[]) =>
            timed(() => (target[key] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        return passThrough(target, key);
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (key === "batch") {
        return (statements: D1PreparedStatement[]) =>
          timed(() => target.batch(statements.map((s) => real.get(s) ?? s)));
      }
      return passThrough(target, key);
    },
  });
}

// One slowed env for the file, as a Worker isolate keeps one env: the store
// directory is cached per head-office binding, as in production.
const log = { calls: [] as Call[], done: 0 };
const slowEnv = {
  ...env,
  DB: slowD1(env.DB, "hq", 20, log),
  STORE_MAIN: slowD1(env.STORE_MAIN, "MAIN", 20, log),
  STORE_EAST: slowD1(env.STORE_EAST, "EAST", 20, log),
};

/**
 * Another isolate's env: the same databases, slowed and logged in the same
 * `log`, with its own per-isolate caches (the barcode ids and the store
 * directory are kept per head-office binding object).
 */
const coldEnv = () => ({
  ...env,
  DB: slowD1(env.DB, "hq", 20, log),
  STORE_MAIN: slowD1(env.STORE_MAIN, "MAIN", 20, log),
  STORE_EAST: slowD1(env.STORE_EAST, "EAST", 20, log),
});

async function slowContext(token: string, storeId?: number, isolateEnv: typeof slowEnv = slowEnv) {
  log.calls = [];
  log.done = 0;
  const claims = await verifyAccessToken(authConfig(env), token);
  const pending: PendingUserCheck = {
    claims: {
      userId: Number(claims.sub),
      tokenVersion: claims.tv,
      role: claims.role,
      sessionId: claims.sid,
      homeStoreId: claims.hs,
    },
    permission: "catalog:read",
    asked: storeId ? { id: storeId } : {},
  };
  const ctx = createServiceContext(isolateEnv, { waitUntil: () => undefined });
  return { ctx, pending, log };
}

describe("product reads at the edge", () => {
  it("reads a product by id in one round trip: caller check, catalog and store level together", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 6 });
    for (const storeId of [undefined, 2]) {
      const warm = await slowContext(admin.token, storeId);
      await readProduct(warm.ctx, { id: product.id }, warm.pending);
      const { ctx, pending, log } = await slowContext(admin.token, storeId);
      const { view, caller } = await readProduct(ctx, { id: product.id }, pending);
      expect(view).toMatchObject({ id: product.id, stock_quantity: storeId === 2 ? 0 : 6 });
      expect(caller?.role).toBe("admin");
      expect(ctx.store.id).toBe(storeId ?? 1);
      expect(log.calls).toEqual([
        { db: "hq", wave: 0 },
        { db: storeId === 2 ? "EAST" : "MAIN", wave: 0 },
      ]);
    }
  });

  it("scans a barcode in one round trip once the barcode was seen, and always answers the catalog's product", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { barcode: "4006381333962", stock_quantity: 3 });
    const first = await slowContext(cashier.token);
    const seen = await readProduct(first.ctx, { barcode: "4006381333962" }, first.pending);
    expect(seen.view).toMatchObject({ id: product.id, stock_quantity: 3 });
    const again = await slowContext(cashier.token);
    expect((await readProduct(again.ctx, { barcode: "4006381333962" }, again.pending)).view.id).toBe(product.id);
    expect(again.log.calls).toEqual([
      { db: "hq", wave: 0 },
      { db: "MAIN", wave: 0 },
    ]);

    // The barcode moves to another product: the scan answers the new one (a second store read, not a wrong answer).
    const other = await createProduct(admin.token, { stock_quantity: 9 });
    await expectJson(
      call("PUT", `/api/v1/products/${product.id}`, { token: admin.token, body: { barcode: null } }),
      200,
    );
    await expectJson(
      call("PUT", `/api/v1/products/${other.id}`, { token: admin.token, body: { barcode: "4006381333962" } }),
      200,
    );
    const moved = await slowContext(cashier.token);
    expect((await readProduct(moved.ctx, { barcode: "4006381333962" }, moved.pending)).view).toMatchObject({
      id: other.id,
      stock_quantity: 9,
    });
    // (A later call, if logged, is the store's barcode copy being mended after the answer.)
    expect(moved.log.calls.slice(0, 3).map((c) => c.wave)).toEqual([0, 0, 2]);
  });

  it("scans a barcode no isolate has seen in one round trip, through the store's copy, which a stale scan mends", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const code = "5901234123457";
    const first = await createProduct(admin.token, { barcode: code, stock_quantity: 4 });
    // A new isolate that has served a request (its store directory is loaded) but never saw this barcode.
    const isolate = async () => {
      const fresh = coldEnv();
      const warm = await slowContext(cashier.token, undefined, fresh);
      await readProduct(warm.ctx, { id: first.id }, warm.pending);
      return slowContext(cashier.token, undefined, fresh);
    };
    // Created at MAIN with its barcode: MAIN's stock row carries the copy.
    const scan = await isolate();
    const { view } = await readProduct(scan.ctx, { barcode: code }, scan.pending);
    expect(view).toMatchObject({ id: first.id, stock_quantity: 4 });
    expect(scan.log.calls.map((c) => c.wave)).toEqual([0, 0]);

    // The barcode moves to a product whose row has no copy: the copy on the old row is stale.
    const second = await createProduct(admin.token, { stock_quantity: 2 });
    for (const [id, barcode] of [
      [first.id, null],
      [second.id, code],
    ] as const) {
      await expectJson(call("PUT", `/api/v1/products/${id}`, { token: admin.token, body: { barcode } }), 200);
    }
    const stale = await isolate();
    expect((await readProduct(stale.ctx, { barcode: code }, stale.pending)).view).toMatchObject({
      id: second.id,
      stock_quantity: 2,
    });
    expect(stale.log.calls.slice(0, 3).map((c) => c.wave)).toEqual([0, 0, 2]);
    // After the answer, the store's copy is put right: moved to the new product's row, off the old one.
    const copies = async () =>
      (
        await env.STORE_MAIN.prepare(
          "SELECT product_id, barcode FROM stock_levels WHERE product_id IN (?1, ?2) ORDER BY product_id",
        )
          .bind(first.id, second.id)
          .all()
      ).results;
    await expect.poll(copies).toEqual([
      { product_id: first.id, barcode: null },
      { product_id: second.id, barcode: code },
    ]);
    const mended = await isolate();
    expect((await readProduct(mended.ctx, { barcode: code }, mended.pending)).view.id).toBe(second.id);
    expect(mended.log.calls.map((c) => c.wave)).toEqual([0, 0]);
  });

  it("still refuses a caller with no role at the store asked for, answering nothing", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token);
    const { ctx, pending } = await slowContext(cashier.token, 2);
    await expect(readProduct(ctx, { id: product.id }, pending)).rejects.toMatchObject({ status: 403 });
    const res = await call("GET", `/api/v1/products/${product.id}`, { token: cashier.token, headers: atStore(2) });
    expect(res.status).toBe(403);
    expect((await call("GET", `/api/v1/products/${product.id}`)).status).toBe(401);
    expect((await call("GET", "/api/v1/products/barcode/123", { headers: atStore(2) })).status).toBe(401);
  });
});
