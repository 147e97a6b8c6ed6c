import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { localDayStart } from "../../src/domain/time-zone";
import { rebuildRollup } from "../../src/services/rollups";
import { accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { applyStoreOutbox } from "../helpers/outbox";
import { insertOrders, localDay } from "../helpers/sales-fixtures";
import { addThirdStore, MAIN_STORE, storeScope, THIRD_STORE } from "../helpers/stores";

/**
 * Chain-wide reports (store_id=all) over MAIN (UTC) and WEST (Lisbon), both
 * USD: each chain figure is the sum of the two stores' own reports. Closed
 * days come from rollups, today from the live databases. EAST is in EUR, so
 * an admin must pick a currency.
 */
const USD = [
  { id: MAIN_STORE.id, tz: "UTC" },
  { id: THIRD_STORE.id, tz: THIRD_STORE.timeZone },
];

const at = (date: string, tz: string, hours: number) =>
  new Date(localDayStart(date, tz).getTime() + hours * 3_600_000).toISOString();

async function seed() {
  await addThirdStore();
  const { admin, cashier, manager } = await accounts();
  const p1 = await createProduct(admin.token, { price: 10, cost_price: 4, stock_quantity: 100 });
  const p2 = await createProduct(admin.token, { price: 5, cost_price: 1, stock_quantity: 100 });
  const customer = await expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token: admin.token, body: { first_name: "Chain", last_name: "Buyer" } }),
    201,
  );
  for (const store of USD) {
    for (const k of [-2, -1, 0]) {
      const d = localDay(store.tz, k);
      const n = 3 + k + store.id;
      await insertOrders(store.id, [
        {
          number: `CH-A-${store.id}-${d}`,
          // Today's orders an hour ago, so they are never in the future.
          at: k === 0 ? new Date(Date.now() - 3_600_000).toISOString() : at(d, store.tz, 10),
          status: "completed",
          lines: [
            [p1.id, n, 1000],
            [p2.id, 1, 500],
          ],
          tax: 100,
          userId: cashier.id,
          customerId: customer.id,
          payments: [
            { method: "cash", cents: 500 },
            {
              method: store.id === 1 ? "credit_card" : "debit_card",
              cents: 1000 * n + 100,
              refund: k === 0 ? undefined : { cents: 250, at: at(d, store.tz, 11) },
            },
          ],
        },
        {
          number: `CH-B-${store.id}-${d}`,
          at: k === 0 ? new Date(Date.now() - 1_800_000).toISOString() : at(d, store.tz, 12),
          status: k === -1 ? "cancelled" : "completed",
          lines: [[p2.id, n, 500]],
          userId: manager.id,
          payments: k === -1 ? [] : [{ method: "cash", cents: 500 * n }],
        },
      ]);
    }
    // Closed days: rollups. Today stays live.
    const scope = await storeScope(store.id);
    for (const k of [-2, -1]) await rebuildRollup(env.DB, scope, localDay(store.tz, k));
    await applyStoreOutbox(store.id); // the order index and customers hear of the sales
  }
  return { admin, cashier, manager, customer };
}

const seeded = seed();

const get = (token: string, path: string, headers: Record<string, string> = {}) =>
  call("GET", `/api/v1/reports/${path}`, { token, headers });
const json = async (token: string, path: string, headers: Record<string, string> = {}) =>
  expectJson<Record<string, unknown> & { data: unknown }>(get(token, path, headers), 200);

type Row = Record<string, number | string | null | undefined>;
const sumBy = (rows: Row[][], key: string, fields: string[]) => {
  const out = new Map<unknown, Row>();
  for (const row of rows.flat()) {
    const acc = out.get(row[key]) ?? { [key]: row[key] };
    for (const f of fields) acc[f] = Math.round((Number(acc[f] ?? 0) + Number(row[f])) * 100) / 100;
    out.set(row[key], acc);
  }
  return out;
};

describe("chain-wide reports (store_id=all)", () => {
  it("are the sum of the stores' own reports, closed days from rollups and today live, each counted once", async ({
    expect,
  }) => {
    const { admin } = await seeded;
    const range = `start_date=${localDay("UTC", -2)}&end_date=${localDay("UTC", 0)}`;
    const per = (path: string) => Promise.all(USD.map((s) => json(admin.token, path, { "X-Store-Id": String(s.id) })));

    const chainSales = await json(admin.token, `sales?${range}&store_id=all&currency=USD`);
    expect(chainSales).toMatchObject({
      store_id: "all",
      currency: "USD",
      stores: [
        { id: 1, code: "MAIN" },
        { id: 3, code: "WEST" },
      ],
    });
    const stores = await per(`sales?${range}`);
    const money = ["orders", "gross_sales", "tax", "total_sales", "refunds", "net_sales"];
    const expected = sumBy(
      stores.map((s) => s.data as Row[]),
      "period",
      money,
    );
    const days = chainSales.data as Row[];
    expect(days.map((d) => d.period)).toEqual([...expected.keys()]);
    for (const d of days)
      expect(Object.fromEntries(money.map((f) => [f, d[f]]))).toEqual(
        Object.fromEntries(money.map((f) => [f, expected.get(d.period)?.[f]])),
      );
    // Today (live) sold something at both stores, and a rollup of today would not be counted again.
    expect(days.at(-1)?.orders).toBe(4);
    await rebuildRollup(env.DB, await storeScope(MAIN_STORE.id), localDay("UTC", 0));
    expect((await json(admin.token, `sales?${range}&store_id=all&currency=USD`)).data).toEqual(chainSales.data);
    // From here MAIN's today comes from its (fresh) rollup, WEST's today from its database.

    const methods = await json(admin.token, `payment-methods?${range}&store_id=all&currency=USD`);
    const methodSums = sumBy(
      (await per(`payment-methods?${range}`)).map((s) => s.data as Row[]),
      "payment_method",
      ["count", "amount", "refunds", "refund_count", "net_amount"],
    );
    expect(methods.data).toEqual([...methodSums.values()]);

    const cashiers = await json(admin.token, `cashiers?${range}&store_id=all&currency=USD`);
    const cashierSums = sumBy(
      (await per(`cashiers?${range}`)).map((s) => s.data as Row[]),
      "user_id",
      ["orders", "sales", "refunds", "refund_count", "net_sales"],
    );
    for (const c of cashiers.data as Row[]) {
      expect(c).toMatchObject(cashierSums.get(c.user_id) as Row);
    }
    expect((cashiers.data as Row[]).length).toBe(cashierSums.size);

    const products = await json(admin.token, `products-sales?${range}&store_id=all&currency=USD`);
    const productSums = sumBy(
      (await per(`products-sales?${range}`)).map((s) => (s.data as { top_by_units: Row[] }).top_by_units),
      "product_id",
      ["units_sold", "revenue", "cost", "margin"],
    );
    for (const p of (products.data as { top_by_units: Row[] }).top_by_units) {
      expect(p).toMatchObject(productSums.get(p.product_id) as Row);
    }

    for (const date of [localDay("UTC", -1), localDay("UTC", 0)]) {
      const summary = await json(admin.token, `daily-summary?date=${date}&store_id=all&currency=USD`);
      const parts = await per(`daily-summary?date=${date}`);
      const fields = [
        "total_orders",
        "completed_orders",
        "cancelled_orders",
        "total_sales",
        "total_received",
        "refunds",
      ];
      const sums = sumBy(
        parts.map((p) => [p.data as Row]),
        "date",
        fields,
      );
      expect(summary.data).toMatchObject(sums.get(date) as Row);
    }

    const inventory = await json(admin.token, "inventory?store_id=all&currency=USD");
    const stock = await per("inventory");
    expect((inventory.data as Row).units_on_hand).toBe(
      stock.reduce((n, s) => n + Number((s.data as Row).units_on_hand), 0),
    );
  });

  it("tops customers from the order index over the stores included", async ({ expect }) => {
    const { admin, customer } = await seeded;
    const chain = await json(admin.token, "customers?store_id=all&currency=USD");
    const per = await Promise.all(USD.map((s) => json(admin.token, "customers", { "X-Store-Id": String(s.id) })));
    const spent = per.flatMap((p) => p.data as Row[]).filter((c) => c.customer_id === customer.id);
    expect(spent.length).toBe(2);
    expect(chain.data).toEqual([
      expect.objectContaining({
        customer_id: customer.id,
        name: "Chain Buyer",
        total_spent: Math.round(spent.reduce((n, c) => n + Number(c.total_spent), 0) * 100) / 100,
        order_count: spent.reduce((n, c) => n + Number(c.order_count), 0),
      }),
    ]);
  });

  it("refuse mixed currencies, hourly buckets and cashiers; a manager of one store gets that store", async ({
    expect,
  }) => {
    const { admin, cashier } = await seeded;
    const mixed = await get(admin.token, "sales?store_id=all");
    expect(mixed.status).toBe(422);
    const detail = JSON.stringify(await mixed.json());
    expect(detail).toContain("MIXED_CURRENCIES");
    expect(detail).toContain("EUR: EAST");
    expect(detail).toContain("USD: MAIN, WEST");
    expect(detail).toContain("currency=USD");
    expect((await get(admin.token, "sales?store_id=all&currency=GBP")).status).toBe(422);
    expect((await get(admin.token, "sales?store_id=all&currency=USD&group_by=hour")).status).toBe(422);
    expect((await get(cashier.token, "sales?store_id=all")).status).toBe(403);
    expect((await call("GET", "/api/v1/orders?store_id=all", { token: admin.token })).status).toBe(422);

    const eastOnly = await json(admin.token, "daily-summary?store_id=all&currency=EUR");
    expect(eastOnly.stores).toEqual([{ id: 2, code: "EAST" }]);

    // A manager at WEST (home) with no role elsewhere: WEST alone, whatever currency.
    const westManager = await userAtStores(admin.token, "west-manager", { role: "manager", homeStoreId: 3 });
    const own = await json(westManager.token, "sales?store_id=all");
    expect(own.stores).toEqual([{ id: 3, code: "WEST" }]);
    const west = await json(westManager.token, "sales");
    expect((own.data as Row[]).map((d) => d.net_sales)).toEqual((west.data as Row[]).map((d) => d.net_sales));
    // A manager at MAIN and at WEST: both.
    const both = await userAtStores(admin.token, "two-store-manager", {
      role: "manager",
      homeStoreId: 1,
      storeRoles: [{ store_id: 3, role: "manager" }],
    });
    expect((await json(both.token, "sales?store_id=all")).stores).toEqual([
      { id: 1, code: "MAIN" },
      { id: 3, code: "WEST" },
    ]);
    // A cashier at home who manages WEST: WEST only (the home store's reports stay closed to them).
    const mixedRoles = await userAtStores(admin.token, "cashier-manager", {
      role: "cashier",
      homeStoreId: 1,
      storeRoles: [{ store_id: 3, role: "manager" }],
    });
    expect((await json(mixedRoles.token, "cashiers?store_id=all")).stores).toEqual([{ id: 3, code: "WEST" }]);
    expect((await get(mixedRoles.token, "cashiers")).status).toBe(403);
    const cashierDetail = await (await get(cashier.token, "sales?store_id=all")).json();
    expect(JSON.stringify(cashierDetail)).toContain("no active store");
  });

  it("answer as CSV and as an SVG chart", async ({ expect }) => {
    const { admin } = await seeded;
    const csv = await get(admin.token, "sales?store_id=all&currency=USD&days=3&format=csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toContain("net_sales");
    expect(lines.length).toBe(4);
    const svg = await get(admin.token, "sales?store_id=all&currency=USD&days=3&format=svg");
    expect(svg.status).toBe(200);
    expect(svg.headers.get("Content-Type")).toContain("image/svg+xml");
    const text = await svg.text();
    expect(text).toContain("<svg");
    expect(text).toContain("MAIN, WEST");
    const products = await get(admin.token, "products-sales?store_id=all&currency=USD&format=csv");
    expect(await products.text()).toContain("top_by_units");
  });
});
