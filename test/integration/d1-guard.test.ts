/**
 * The D1 production-limits guard (src/lib/d1-guard.ts): each limit refused
 * with a message naming it, the value at the limit allowed, Drizzle working
 * through it, the Worker and the stock objects wired to it, and the fault
 * hook reaching the Worker behind `exports.default.fetch`.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { describe, it } from "vitest";
import { dbFor } from "../../src/db/client";
import { customers } from "../../src/db/schema";
import { D1_LIMITS, d1Faults, guardD1, guardEnv, guardSql, inInvocation, watchD1Limits } from "../../src/lib/d1-guard";
import { isD1Refusal } from "../../src/lib/db-errors";
import { stockObjectName } from "../../src/stock/client";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { bookStock, count, gate } from "../helpers/stock";
import { MAIN_STORE } from "../helpers/stores";

const db = () => guardD1(env.DB);
const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const values = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("statement limits", () => {
  it("allows 100 bound parameters and refuses 101, naming the limit and the SQL", async ({ expect }) => {
    const at = await db()
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT 1) WHERE 1 IN (${marks(100)})`)
      .bind(...values(100))
      .first<{ n: number }>();
    expect(at).toEqual({ n: 1 });
    const over = db()
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT 1) WHERE 1 IN (${marks(101)})`)
      .bind(...values(101));
    await expect(over.first()).rejects.toThrow(
      /^D1_ERROR: D1 production limit: 101 bound parameters \(max 100\) in "SELECT COUNT\(\*\) AS n FROM \(SELECT 1\) WHERE 1 IN \(\?, .*": SQLITE_ERROR$/,
    );
    // The error reads as a refusal (nothing written), as D1's own SQL errors do.
    await over.all().catch((error) => expect(isD1Refusal(error)).toBe(true));
    // SQLite counts the highest parameter number, not the values bound.
    await expect(
      db()
        .prepare("SELECT ?101 AS x")
        .bind(...values(101))
        .raw(),
    ).rejects.toThrow(/101 bound parameters/);
    await expect(
      db()
        .prepare("SELECT ?100 AS x")
        .bind(...values(100))
        .raw(),
    ).resolves.toEqual([[99]]);
  });

  it("allows a 100,000-byte statement and refuses one byte more", async ({ expect }) => {
    const sized = (bytes: number) => {
      const head = "SELECT '";
      const tail = "' AS s";
      return `${head}${"x".repeat(bytes - head.length - tail.length)}${tail}`;
    };
    expect(await db().prepare(sized(D1_LIMITS.statementBytes)).first("s")).toHaveLength(99_986);
    await expect(db().prepare(sized(100_001)).run()).rejects.toThrow(
      /D1 production limit: statement of 100001 bytes \(max 100000\)/,
    );
    // Bytes, not characters: 'é' is two.
    const accented = `SELECT '${"é".repeat(50_000)}' AS s`;
    await expect(db().prepare(accented).run()).rejects.toThrow(/statement of 100014 bytes/);
  });

  it("refuses LIKE and GLOB patterns over 50 bytes: bound, literal or concatenated", async ({ expect }) => {
    const likeBound = "SELECT 'abc' LIKE ?1 AS m";
    expect(await db().prepare(likeBound).bind("a".repeat(50)).first("m")).toBe(0);
    await expect(db().prepare(likeBound).bind("a".repeat(51)).first()).rejects.toThrow(
      /D1 production limit: LIKE pattern of 51 bytes \(max 50\)/,
    );
    // 17 three-byte characters are 51 bytes.
    await expect(db().prepare(likeBound).bind("€".repeat(17)).first()).rejects.toThrow(/LIKE pattern of 51 bytes/);
    await expect(
      db()
        .prepare(`SELECT 'a' LIKE '${"%".repeat(51)}' AS m`)
        .first(),
    ).rejects.toThrow(/LIKE pattern of 51 bytes/);
    const wrapped = "SELECT 'abc' LIKE '%' || ? || '%' ESCAPE '\\' AS m";
    expect(await db().prepare(wrapped).bind("b".repeat(48)).first("m")).toBe(0);
    await expect(db().prepare(wrapped).bind("b".repeat(49)).first()).rejects.toThrow(/LIKE pattern of 51 bytes/);
    await expect(db().prepare("SELECT 'abc' GLOB ?1 AS m").bind("*".repeat(60)).first()).rejects.toThrow(
      /GLOB pattern of 60 bytes/,
    );
    // A long value compared with = is no pattern; a long LIKE subject is fine too.
    expect(await db().prepare("SELECT ?1 = ?2 AS m").bind("x".repeat(80), "y").first("m")).toBe(0);
    expect(await db().prepare("SELECT ?1 LIKE 'x%' AS m").bind("x".repeat(80)).first("m")).toBe(1);
  });

  it("refuses a bound value over 2,000,000 bytes (D1's largest string or BLOB)", async ({ expect }) => {
    expect(await db().prepare("SELECT length(?1) AS n").bind("x".repeat(2_000_000)).first("n")).toBe(2_000_000);
    await expect(db().prepare("SELECT length(?1) AS n").bind("é".repeat(1_000_001)).first()).rejects.toThrow(
      /bound value of 2000002 bytes \(max 2000000\)/,
    );
    await expect(db().prepare("SELECT length(?1) AS n").bind(new Uint8Array(2_000_001)).first()).rejects.toThrow(
      /bound value of 2000001 bytes/,
    );
  });

  it("sees the parameters Drizzle binds (it uses prepare, bind, all, raw, run and batch)", async ({ expect }) => {
    const orm = dbFor(db());
    expect(dbFor(db())).toBe(orm); // one guarded binding per binding: the Drizzle cache still hits
    expect(
      await orm
        .select()
        .from(customers)
        .where(like(customers.email, `%${"e".repeat(48)}%`)),
    ).toEqual([]);
    // Drizzle wraps the error ("Failed query: …"); the guard's is its cause, as D1's would be.
    await expect(
      orm
        .select()
        .from(customers)
        .where(like(customers.email, `%${"e".repeat(49)}%`)),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/LIKE pattern of 51 bytes/) } });
    await expect(
      orm.batch([
        orm.select({ id: customers.id }).from(customers),
        orm
          .select({ id: customers.id })
          .from(customers)
          .where(like(customers.phone, "x".repeat(51))),
      ]),
    ).rejects.toThrow(/LIKE pattern of 51 bytes/);
    expect(await orm.update(customers).set({ city: "x" }).where(like(customers.email, "nobody%"))).toMatchObject({
      success: true,
    });
  });

  it("refuses a whole batch when one statement is over a limit, so none of it runs", async ({ expect }) => {
    const before = await count("categories");
    await expect(
      db().batch([
        db().prepare("INSERT INTO categories (name, created_at, updated_at) VALUES ('never', '', '')"),
        db()
          .prepare(`SELECT 1 WHERE 1 IN (${marks(120)})`)
          .bind(...values(120)),
      ]),
    ).rejects.toThrow(/120 bound parameters/);
    // A statement prepared on the raw binding is checked too when it reaches a guarded batch.
    await expect(
      db().batch([env.DB.prepare(`SELECT 1 WHERE 1 IN (${marks(101)})`).bind(...values(101))]),
    ).rejects.toThrow(/101 bound parameters/);
    expect(await count("categories")).toBe(before);
  });

  it("checks sessions and exec too", async ({ expect }) => {
    const session = db().withSession("first-unconstrained");
    await expect(
      session
        .prepare(`SELECT 1 WHERE 1 IN (${marks(101)})`)
        .bind(...values(101))
        .all(),
    ).rejects.toThrow(/101 bound parameters/);
    const [one] = await session.batch([session.prepare("SELECT 1 AS one")]);
    expect(one?.results).toEqual([{ one: 1 }]);
    expect(session.getBookmark()).not.toBeUndefined();
    await expect(db().exec(`SELECT '${"x".repeat(100_000)}'`)).rejects.toThrow(/statement of 100009 bytes/);
    const watch = watchD1Limits();
    await inInvocation("test: exec", () => db().exec("SELECT 1;\nSELECT 2;"));
    watch.stop();
    expect(watch.stats.maxQueries).toEqual({ count: 2, invocation: "test: exec" });
  });
});

describe("queries per invocation", () => {
  it("allows 1000 queries in one invocation and refuses the 1001st; a batch of N counts N", async ({ expect }) => {
    const watch = watchD1Limits();
    const statements = (n: number) => Array.from({ length: n }, () => db().prepare("SELECT 1"));
    await inInvocation("test: 1000 then one more", async () => {
      await db().batch(statements(999));
      await db().prepare("SELECT 1").first();
      await expect(db().prepare("SELECT 2").first()).rejects.toThrow(
        /D1 production limit: 1001 queries in one invocation \(max 1000\) by test: 1000 then one more/,
      );
    });
    await inInvocation("test: one batch", async () => {
      await expect(db().batch(statements(1001))).rejects.toThrow(/1001 queries in one invocation/);
    });
    // Each invocation counts apart; code outside any invocation (this test) is not counted.
    await inInvocation("test: fresh", () => db().prepare("SELECT 1").first());
    watch.stop();
    expect(watch.stats.maxQueries).toEqual({ count: 1001, invocation: "test: 1000 then one more" });
    expect(watch.stats.violations).toHaveLength(2);
  });

  it("counts each request through the Worker, and each call into a stock object, as its own invocation", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const watch = watchD1Limits();
    await expectJson(call("GET", "/api/v1/products?limit=5", { token: admin.token }), 200);
    watch.stop();
    const request = watch.stats.maxQueries;
    expect(request.invocation).toBe("GET /api/v1/products");
    expect(request.count).toBeGreaterThan(0);

    const product = await createProduct(admin.token);
    const objectWatch = watchD1Limits();
    // A fresh object reads its count from D1 once: one query, in its own invocation.
    expect(await gate().resync(product.id)).toMatchObject({ ok: true, available: 10 });
    objectWatch.stop();
    expect(objectWatch.stats.maxQueries).toEqual({ count: 1, invocation: "ProductStock.resync" });
  });
});

describe("Durable Object SQL", () => {
  it("caps ctx.storage.sql.exec at 100 parameters, and ProductStock uses the capped handle", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token);
    const stub = env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, product.id)));
    await runInDurableObject(stub, (instance, state) => {
      const sql = guardSql(state.storage.sql, env);
      expect(sql.exec(`SELECT COUNT(*) AS n WHERE 1 IN (${marks(100)})`, ...values(100)).one()).toEqual({ n: 1 });
      expect(() => sql.exec(`SELECT 1 WHERE 1 IN (${marks(101)})`, ...values(101))).toThrow(
        /^D1_ERROR: Durable Object SQL production limit: 101 bound parameters \(max 100\)/,
      );
      expect(sql.databaseSize).toBeGreaterThan(0); // the rest of SqlStorage still works
      const own = (instance as unknown as { sql: SqlStorage }).sql;
      expect(() => own.exec(`SELECT 1 WHERE 1 IN (${marks(101)})`, ...values(101))).toThrow(/101 bound parameters/);
    });
  });
});

describe("activation", () => {
  it("wraps env only when D1_ENFORCE_PRODUCTION_LIMITS is true, once per env, and fails on a typo", ({ expect }) => {
    expect(env.D1_ENFORCE_PRODUCTION_LIMITS).toBe("true");
    const guarded = guardEnv(env);
    expect(guarded).toBe(guardEnv(env));
    expect(guarded.DB).not.toBe(env.DB);
    expect(guarded.DB).toBe(guardD1(env.DB));
    expect(guarded.RESTORE_DB).toBe(guardD1(env.RESTORE_DB));
    // Every store's database too (each kind of database is held to the same limits).
    expect(guarded.STORE_MAIN).toBe(guardD1(env.STORE_MAIN));
    expect(guarded.STORE_EAST).toBe(guardD1(env.STORE_EAST));
    expect(guarded.RESTORE_STORE_DB).toBe(guardD1(env.RESTORE_STORE_DB));
    expect(guarded.FILES).toBe(env.FILES);
    const off = { DB: env.DB, D1_ENFORCE_PRODUCTION_LIMITS: "false" };
    expect(guardEnv(off)).toBe(off);
    const unset = { DB: env.DB };
    expect(guardEnv(unset)).toBe(unset);
    expect(() => guardEnv({ DB: env.DB, D1_ENFORCE_PRODUCTION_LIMITS: "yes" })).toThrow(
      'D1_ENFORCE_PRODUCTION_LIMITS must be "true" or "false", not "yes"',
    );
  });
});

describe("fault injection", () => {
  const isOrderBatch = (sql: string[]) => sql.some((s) => /INSERT INTO orders/i.test(s));

  it("fails the Worker's next order batch before it runs: nothing sold, the hold released", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    const orders = await count("orders");
    const fault = d1Faults.failNextBatch({ when: "before", match: isOrderBatch });
    const res = await call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { order_items: [{ product_id: product.id, quantity: 2 }] },
    });
    expect(fault.fired).toBe(true);
    expect(fault.sql?.some((s) => /INSERT INTO orders/i.test(s))).toBe(true);
    expect(res.status).toBe(500);
    expect(await res.json()).not.toHaveProperty("detail", expect.stringMatching(/D1_ERROR|SQL/));
    expect(await count("orders")).toBe(orders);
    expect(await bookStock(product.id)).toBe(5);
    await expect.poll(async () => gate().view(product.id)).toMatchObject({ available: 5, open_entries: 0 });
    expect(d1Faults.pending()).toBe(0);
  });

  it("fails it after it ran (outcome unknown): the order stands once, the hold is committed", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    const orders = await count("orders");
    const fault = d1Faults.failNextBatch({ when: "after", match: isOrderBatch });
    const res = await call("POST", "/api/v1/orders", {
      token: cashier.token,
      body: { order_items: [{ product_id: product.id, quantity: 2 }] },
      headers: { "Idempotency-Key": "fault-after-1" },
    });
    expect(fault.fired).toBe(true);
    // The service asks D1 whether its batch landed, finds it, and answers with the order.
    expect(res.status).toBe(201);
    expect(await count("orders")).toBe(orders + 1);
    expect(await bookStock(product.id)).toBe(3);
    await expect.poll(async () => gate().view(product.id)).toMatchObject({ available: 3, open_entries: 0 });
  });

  it("leaves batches that do not match alone, and reset disarms", async ({ expect }) => {
    const fault = d1Faults.failNextBatch({ when: "before", match: () => false });
    await db().batch([db().prepare("SELECT 1")]);
    expect(fault.fired).toBe(false);
    d1Faults.reset();
    expect(d1Faults.pending()).toBe(0);
    const custom = d1Faults.failNextBatch({ when: "before", message: "D1_ERROR: storage caused object to be reset" });
    await expect(db().batch([db().prepare("SELECT 1")])).rejects.toThrow("storage caused object to be reset");
    expect(custom.fired).toBe(true);
  });
});
