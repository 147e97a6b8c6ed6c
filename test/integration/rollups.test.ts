import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { localDayStart } from "../../src/domain/time-zone";
import { runDailyReport } from "../../src/jobs/daily-report";
import { guardEnv } from "../../src/lib/d1-guard";
import { rebuildRollup, rebuildRollups } from "../../src/services/rollups";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";
import { applyStoreOutbox } from "../helpers/outbox";
import { insertOrders, localDay } from "../helpers/sales-fixtures";
import { MAIN_STORE, SECOND_STORE, storeDb, storeScope } from "../helpers/stores";

/**
 * A store-day's rollup must say what the live single-store reports say of
 * that day: the chain-wide answer of one store's currency (built from the
 * rollups) is compared, figure for figure, with the store's own report.
 */
const STORES = [
  { id: MAIN_STORE.id, tz: "UTC", currency: "USD" },
  { id: SECOND_STORE.id, tz: SECOND_STORE.timeZone, currency: SECOND_STORE.currency },
];

/** The instant `hours` after the start of local day `date` in `tz`. */
const at = (date: string, tz: string, hours: number) =>
  new Date(localDayStart(date, tz).getTime() + hours * 3_600_000).toISOString();

const CHAIN_ONLY = new Set(["store_id", "stores", "currency", "time_zone"]);
/** A report without what only a chain-wide answer has (and the buckets' instants, in the acting zone). */
function comparable(body: Record<string, unknown>) {
  const out = Object.fromEntries(Object.entries(body).filter(([k]) => !CHAIN_ONLY.has(k)));
  if (Array.isArray(out.data)) {
    out.data = (out.data as Record<string, unknown>[]).map(({ start: _s, end: _e, ...rest }) => rest);
  }
  return out;
}

const REPORTS = ["sales", "products-sales", "payment-methods", "cashiers"];

async function seedHistory() {
  const { admin, cashier, manager } = await accounts();
  const category = await createCategory(admin.token, "Rollup fruit");
  const p1 = await createProduct(admin.token, {
    price: 10,
    cost_price: 4,
    stock_quantity: 1000,
    category_id: category.id,
  });
  const p2 = await createProduct(admin.token, { price: 5, cost_price: 1, stock_quantity: 1000 });
  for (const store of STORES) {
    for (const k of [-3, -2, -1]) {
      const d = localDay(store.tz, k);
      const n = 4 + k; // 1..3: days differ
      const tag = `${store.id}-${d}`;
      await insertOrders(store.id, [
        {
          number: `RU-A-${tag}`,
          at: at(d, store.tz, 2),
          status: "completed",
          lines: [
            [p1.id, 2 * n, 1000],
            [p2.id, 1, 500],
          ],
          tax: 200,
          discount: 100,
          userId: cashier.id,
          payments: [
            { method: "cash", cents: 1000 },
            { method: "credit_card", cents: 2000 * n + 600 - 1000 },
          ],
        },
        {
          number: `RU-B-${tag}`,
          at: at(d, store.tz, 4),
          status: "completed",
          lines: [[p1.id, n, 1000]],
          userId: manager.id,
          payments: [{ method: "debit_card", cents: 1000 * n, refund: { cents: 300, at: at(d, store.tz, 5) } }],
        },
        {
          number: `RU-C-${tag}`,
          at: at(d, store.tz, 6),
          status: "cancelled",
          lines: [[p2.id, 5, 500]],
          userId: cashier.id,
        },
        {
          number: `RU-D-${tag}`,
          at: at(d, store.tz, 7),
          status: "pending",
          lines: [[p2.id, 3, 500]],
          userId: cashier.id,
          payments: [{ method: "mobile_payment", cents: 200 }],
        },
        // Just before local midnight, refunded the next local day (the refund counts there).
        {
          number: `RU-E-${tag}`,
          at: at(d, store.tz, 23.5),
          status: "refunded",
          lines: [[p2.id, n, 500]],
          userId: cashier.id,
          payments: [{ method: "cash", cents: 500 * n, refund: { cents: 500 * n, at: at(d, store.tz, 25) } }],
        },
      ]);
    }
  }
  return { admin };
}

const history = seedHistory();

async function report(token: string, name: string, query: string, headers: Record<string, string> = {}) {
  return expectJson<Record<string, unknown>>(call("GET", `/api/v1/reports/${name}?${query}`, { token, headers }), 200);
}

describe("daily rollups", () => {
  it("say, for every store-day, what the live single-store reports say (New York days included)", async ({
    expect,
  }) => {
    const { admin } = await history;
    for (const store of STORES) {
      const scope = await storeScope(store.id);
      for (const k of [-3, -2, -1]) await rebuildRollup(env.DB, scope, localDay(store.tz, k));
    }
    for (const store of STORES) {
      for (const k of [-3, -2, -1]) {
        const d = localDay(store.tz, k);
        const range = `start_date=${d}&end_date=${d}`;
        for (const name of REPORTS) {
          const live = await report(admin.token, name, range, { "X-Store-Id": String(store.id) });
          const chain = await report(admin.token, name, `${range}&store_id=all&currency=${store.currency}`);
          expect(chain.stores).toEqual([{ id: store.id, code: store.id === 1 ? "MAIN" : "EAST" }]);
          expect(comparable(chain), `${name} ${store.id} ${d}`).toEqual(comparable(live));
        }
        const summary = await report(admin.token, "daily-summary", `date=${d}`, { "X-Store-Id": String(store.id) });
        const chainSummary = await report(
          admin.token,
          "daily-summary",
          `date=${d}&store_id=all&currency=${store.currency}`,
        );
        expect(comparable(chainSummary)).toEqual(comparable(summary));
        // Not a report of nothing: every day sold, refunded and cancelled something.
        const data = summary.data as Record<string, number>;
        expect(data.completed_orders).toBeGreaterThan(0);
        expect(data.cancelled_orders).toBe(1);
      }
      // Three days at once, by day and by week: sums of the days.
      const range = `start_date=${localDay(store.tz, -3)}&end_date=${localDay(store.tz, -1)}`;
      for (const query of [range, `${range}&group_by=week`]) {
        const live = await report(admin.token, "sales", query, { "X-Store-Id": String(store.id) });
        const chain = await report(admin.token, "sales", `${query}&store_id=all&currency=${store.currency}`);
        expect(comparable(chain)).toEqual(comparable(live));
      }
    }
  });

  it("are what closed days are read from, and a late cancel or payment rebuilds exactly its day", async ({
    expect,
  }) => {
    const { admin } = await history;
    const scope = await storeScope(MAIN_STORE.id);
    const [d3, d2, d1] = [-3, -2, -1].map((k) => localDay("UTC", k)) as [string, string, string];
    await applyStoreOutbox(MAIN_STORE.id); // the history's own events (they would rebuild the days again)
    for (const d of [d3, d2, d1]) await rebuildRollup(env.DB, scope, d, () => new Date("2026-01-01T00:00:00.000Z"));
    const computedAt = async (d: string) =>
      (
        await env.DB.prepare("SELECT computed_at FROM daily_rollups WHERE store_id = 1 AND date = ?1")
          .bind(d)
          .first<{ computed_at: string }>()
      )?.computed_at;
    expect(await computedAt(d2)).toBe("2026-01-01T00:00:00.000Z");
    const summary = async (d: string, chainWide: boolean) =>
      (await report(admin.token, "daily-summary", `date=${d}${chainWide ? "&store_id=all&currency=USD" : ""}`))
        .data as { cancelled_orders: number; pending_amount: number; total_received: number };
    const before = await summary(d2, true);

    // Today, the pending order of d2 is cancelled (its payment given back first, as the service would).
    const db = storeDb(MAIN_STORE.id);
    const now = new Date().toISOString();
    const pending = await db
      .prepare("SELECT id FROM orders WHERE order_number = ?1")
      .bind(`RU-D-1-${d2}`)
      .first<{ id: number }>();
    await db
      .prepare("UPDATE orders SET status = 'cancelled', updated_at = ?2 WHERE id = ?1")
      .bind(pending?.id, now)
      .run();
    // Until the event is applied, the chain still says what the rollup says; the live report already moved.
    expect(await summary(d2, true)).toEqual(before);
    expect((await summary(d2, false)).cancelled_orders).toBe(before.cancelled_orders + 1);

    const outcomes = await applyStoreOutbox(MAIN_STORE.id);
    expect([...outcomes.values()]).toContain("applied");
    const after = await summary(d2, true);
    expect(after).toEqual(await summary(d2, false));
    expect(after.cancelled_orders).toBe(before.cancelled_orders + 1);
    expect(after.pending_amount).toBeLessThan(before.pending_amount);
    expect(await computedAt(d2)).not.toBe("2026-01-01T00:00:00.000Z");
    expect(await computedAt(d3)).toBe("2026-01-01T00:00:00.000Z");
    expect(await computedAt(d1)).toBe("2026-01-01T00:00:00.000Z");
    // Today has no rollup, and the event did not make one.
    expect(await computedAt(localDay("UTC", 0))).toBeUndefined();

    // A late payment on d1's pending order: it counts today, but d1's pending amount falls.
    const d1Pending = await db
      .prepare("SELECT id, total, paid_amount FROM orders WHERE order_number = ?1")
      .bind(`RU-D-1-${d1}`)
      .first<{ id: number; total: number; paid_amount: number }>();
    const beforePay = await summary(d1, true);
    await db
      .prepare(
        `INSERT INTO payments (id, order_id, payment_method, status, amount, refunded_amount, created_at, updated_at)
         VALUES ((SELECT MAX(id) + 1 FROM payments), ?1, 'cash', 'completed', 100, 0, ?2, ?2)`,
      )
      .bind(d1Pending?.id, now)
      .run();
    await db
      .prepare("UPDATE orders SET paid_amount = paid_amount + 100, updated_at = ?2 WHERE id = ?1")
      .bind(d1Pending?.id, now)
      .run();
    await applyStoreOutbox(MAIN_STORE.id);
    const afterPay = await summary(d1, true);
    expect(afterPay.pending_amount).toBeCloseTo(beforePay.pending_amount - 1, 2);
    expect(afterPay.total_received).toBe(beforePay.total_received); // the money counts today
    expect(afterPay).toEqual(await summary(d1, false));
    expect(await computedAt(d3)).toBe("2026-01-01T00:00:00.000Z");
  });

  it("rebuilt for a range (the script's batches of days) are what day-by-day rebuilds write", async ({ expect }) => {
    await history;
    const tables = [
      "daily_rollups",
      "daily_rollup_products",
      "daily_rollup_categories",
      "daily_rollup_methods",
      "daily_rollup_cashiers",
    ];
    const all = async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of tables) {
        const { results } = await env.DB.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).all<
          Record<string, unknown>
        >();
        out[table] = results.map(({ computed_at: _c, ...rest }) => rest);
      }
      return out;
    };
    const scopes = await Promise.all(STORES.map((s) => storeScope(s.id)));
    for (const [i, store] of STORES.entries()) {
      for (const k of [-4, -3, -2, -1, 0]) await rebuildRollup(env.DB, scopes[i] as never, localDay(store.tz, k));
    }
    const dayByDay = await all();
    for (const table of tables) await env.DB.prepare(`DELETE FROM ${table}`).run();
    // One range for both stores: MAIN's and EAST's "today" may differ by a date; cover both.
    const from = [localDay("UTC", -4), localDay(SECOND_STORE.timeZone, -4)].sort()[0] as string;
    const summary = await rebuildRollups(env.DB, scopes, { from, to: localDay("UTC", 0) });
    expect(summary.map((s) => s.store)).toEqual(["MAIN", "EAST"]);
    const ranged = await all();
    const days = (rows: unknown[] | undefined) =>
      (rows as { store_id: number; date: string }[]).filter((r) =>
        STORES.some((s) => s.id === r.store_id && [-4, -3, -2, -1, 0].some((k) => localDay(s.tz, k) === r.date)),
      );
    for (const table of tables) expect(days(ranged[table]), table).toEqual(dayByDay[table]);
    expect(ranged.daily_rollup_products?.length).toBeGreaterThan(6);
    await rebuildRollups(env.DB, scopes, { from, to: localDay("UTC", 0) });
    expect(await all()).toEqual(ranged);
  });

  it("are written by the daily job for each store's own yesterday; running it twice changes nothing", async ({
    expect,
  }) => {
    await history;
    const guarded = guardEnv(env);
    const scheduled = Date.now();
    const rows = async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of [
        "daily_rollups",
        "daily_rollup_products",
        "daily_rollup_categories",
        "daily_rollup_methods",
        "daily_rollup_cashiers",
      ]) {
        const { results } = await env.DB.prepare(
          `SELECT * FROM ${table} WHERE (store_id = 1 AND date = ?1) OR (store_id = 2 AND date = ?2) ORDER BY 1, 2, 3`,
        )
          .bind(localDay("UTC", -1), localDay(SECOND_STORE.timeZone, -1))
          .all<Record<string, unknown>>();
        out[table] = results.map(({ computed_at: _c, ...rest }) => rest);
      }
      return out;
    };
    await env.DB.prepare("DELETE FROM daily_rollups WHERE date >= ?1").bind(localDay("UTC", -2)).run();
    await runDailyReport(guarded, scheduled);
    const first = await rows();
    expect(first.daily_rollups?.length).toBe(2);
    expect(first.daily_rollup_products?.length).toBeGreaterThanOrEqual(4);
    expect(first.daily_rollup_methods?.length).toBeGreaterThanOrEqual(6);
    await runDailyReport(guarded, scheduled);
    expect(await rows()).toEqual(first);
  });
});
