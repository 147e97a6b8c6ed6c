/**
 * What the D1 production-limits guard (src/lib/d1-guard.ts) found: each test
 * fails with a `D1 production limit: …` refusal on the code before its fix.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { idBase } from "../../src/db/stores";
import { runBackup } from "../../src/jobs/backup";
import { guardEnv, inInvocation, watchD1Limits } from "../../src/lib/d1-guard";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { storeDb } from "../helpers/stores";

interface OrderPage {
  total: number;
  data: { id: number; order_items: { product_id: number; quantity: number }[] }[];
}

describe("limits the guard found", () => {
  it("lists 1000 orders with their items (one bound parameter per order was over D1's 100)", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 1000 });
    const orders = 120;
    for (let i = 0; i < orders; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, orders - i) }, (_, k) =>
          expectJson(
            call("POST", "/api/v1/orders", {
              token: cashier.token,
              body: { order_items: [{ product_id: product.id, quantity: 1 + ((i + k) % 3) }] },
            }),
            201,
          ),
        ),
      );
    }
    const page = await expectJson<OrderPage>(call("GET", "/api/v1/orders?limit=1000", { token: admin.token }), 200);
    expect(page.total).toBe(orders);
    expect(page.data).toHaveLength(orders);
    expect(page.data.every((order) => order.order_items.length === 1)).toBe(true);
    const units = page.data.reduce((sum, order) => sum + (order.order_items[0]?.quantity ?? 0), 0);
    expect(units).toBe(40 * 1 + 40 * 2 + 40 * 3);
    // The cashier's own list goes through the same query.
    const own = await expectJson<OrderPage>(call("GET", "/api/v1/orders?limit=1000", { token: cashier.token }), 200);
    expect(own.data).toHaveLength(orders);
  });

  it("backs up a database whose pages would take more than 1000 queries in one run", async ({ expect }) => {
    const { admin } = await accounts();
    await createProduct(admin.token);
    // 1200 log rows: with one-row pages the old backup needed a query per row.
    // In store 1's database, where inventory logs live.
    await storeDb()
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
         INSERT INTO inventory_logs (id, product_id, user_id, action, quantity_change, quantity_before, quantity_after, notes, created_at)
         SELECT ?1 + 1000 + i, 1, NULL, 'adjustment', 0, 10, 10, 'filler ' || i, '2026-01-01T00:00:00.000Z' FROM n`,
      )
      .bind(idBase(1))
      .run();
    const watch = watchD1Limits();
    const result = await inInvocation("cron backup (test)", () =>
      runBackup(guardEnv(env), new Date("2026-02-01T02:30:00Z"), { minPageRows: 1 }),
    );
    expect(result.created).toBe(true);
    const logs = result.manifest?.tables.find((t) => t.database === "store-MAIN" && t.table === "inventory_logs");
    expect(logs?.rows).toBeGreaterThanOrEqual(1200);
    watch.stop();
    const { count, invocation } = watch.stats.maxQueries;
    expect(invocation).toBe("cron backup (test)");
    expect(count).toBeLessThanOrEqual(800);
    expect(count).toBeGreaterThan(100); // the pages did grow only as far as needed
    expect(watch.stats.violations).toEqual([]);
  });

  it("answers a customer search whose escaped LIKE pattern would pass 50 bytes with 422, not 500", async ({
    expect,
  }) => {
    const { cashier } = await accounts();
    const search = (q: string) =>
      call("GET", `/api/v1/customers/search?q=${encodeURIComponent(q)}`, { token: cashier.token });
    // `%q%` with q at 48 plain bytes is exactly 50: allowed.
    expect((await search("a".repeat(48))).status).toBe(200);
    // Each %, _ or \ is escaped with a backslash: 25 of them make a 52-byte pattern.
    const res = await search("_".repeat(25));
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toMatch(/48 bytes/);
    expect((await search(`${"_".repeat(24)}`)).status).toBe(200);
  });
});

describe("limits pinned at their margins", () => {
  it("keeps the longest sales reports under 100,000 bytes of SQL (bucket bounds are inlined)", async ({ expect }) => {
    const { manager } = await accounts();
    const watch = watchD1Limits();
    const byDay = await expectJson<{ data: unknown[] }>(
      call("GET", "/api/v1/reports/sales?start_date=2024-01-01&end_date=2026-12-31&group_by=day", {
        token: manager.token,
      }),
      200,
    );
    expect(byDay.data).toHaveLength(1096);
    const byHour = await expectJson<{ data: unknown[] }>(
      call("GET", "/api/v1/reports/sales?start_date=2026-01-01&end_date=2026-01-31&group_by=hour", {
        token: manager.token,
      }),
      200,
    );
    expect(byHour.data).toHaveLength(744);
    watch.stop();
    const { bytes } = watch.stats.maxStatementBytes;
    expect(bytes).toBeGreaterThan(60_000); // the three-year daily report, about 69 kB
    expect(bytes).toBeLessThan(100_000);
    expect(watch.stats.violations).toEqual([]);
  });
});
