import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { idBase } from "../../src/db/stores";
import { buckets, rangeInstants } from "../../src/domain/report-range";
import * as reports from "../../src/services/reports";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { settleStoreEvents } from "../helpers/outbox";
import { insertSoldLine, nextId } from "../helpers/sales-fixtures";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

/**
 * A hand-made history written straight into a store's database, so every
 * expected figure below can be worked out on paper. Ids come from the
 * store's range, and lines carry the catalog facts a sale copies, as the
 * order service writes them.
 */
interface FixtureOrder {
  number: string;
  at: string;
  status: "pending" | "completed" | "cancelled" | "refunded";
  lines: [productId: number, qty: number, unitCents: number][];
  tax?: number;
  discount?: number;
  userId: number;
  customerId?: number | null;
  pay?: { method: string; at?: string; refund?: { cents: number; at: string } };
}

/** `INSERT … (id, …) SELECT next id in the store's range, …`: the id the store's database would hand out. */

async function insertOrders(orders: FixtureOrder[], storeId: number = MAIN_STORE.id) {
  const db = storeDb(storeId);
  const base = idBase(storeId);
  for (const o of orders) {
    const subtotal = o.lines.reduce((s, [, q, u]) => s + q * u, 0);
    const total = subtotal + (o.tax ?? 0) - (o.discount ?? 0);
    const paid = o.status === "completed" ? total - (o.pay?.refund?.cents ?? 0) : 0;
    const row = await db
      .prepare(
        `INSERT INTO orders (id, order_number, customer_id, user_id, status, subtotal, tax, discount, total, paid_amount, refunded_amount, created_at, updated_at)
         VALUES (${nextId("orders", base)}, ?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, 0, 0, ?8, ?8) RETURNING id`,
      )
      .bind(o.number, o.customerId ?? null, o.userId, subtotal, o.tax ?? 0, o.discount ?? 0, total, o.at)
      .first<{ id: number }>();
    const id = row?.id as number;
    for (const [productId, qty, unit] of o.lines) await insertSoldLine(db, id, productId, qty, unit);
    if (o.pay) {
      const pay = await db
        .prepare(
          `INSERT INTO payments (id, order_id, payment_method, status, amount, refunded_amount, created_at, updated_at)
           VALUES (${nextId("payments", base)}, ?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id`,
        )
        .bind(
          id,
          o.pay.method,
          o.pay.refund ? (o.pay.refund.cents === total ? "refunded" : "partially_refunded") : "completed",
          total,
          o.pay.refund?.cents ?? 0,
          o.pay.at ?? o.at,
        )
        .first<{ id: number }>();
      if (o.pay.refund) {
        await db
          .prepare(
            `INSERT INTO refunds (id, payment_id, order_id, amount, reason, created_at)
             VALUES (${nextId("refunds", base)}, ?1, ?2, ?3, 'fixture', ?4)`,
          )
          .bind(pay?.id, id, o.pay.refund.cents, o.pay.refund.at)
          .run();
      }
    }
    if (o.status !== "pending") {
      // Write the final state directly (the status trigger allows these steps).
      await db
        .prepare("UPDATE orders SET paid_amount = ?2, refunded_amount = ?3 WHERE id = ?1")
        .bind(id, paid, o.pay?.refund?.cents ?? 0)
        .run();
      if (o.status === "completed" || o.status === "refunded") {
        await db
          .prepare("UPDATE orders SET status = 'completed', completed_at = created_at WHERE id = ?1")
          .bind(id)
          .run();
      }
      if (o.status === "refunded")
        await db.prepare("UPDATE orders SET status = 'refunded' WHERE id = ?1").bind(id).run();
      if (o.status === "cancelled")
        await db.prepare("UPDATE orders SET status = 'cancelled' WHERE id = ?1").bind(id).run();
    }
  }
}

// Services called directly act on MAIN through its guarded database, as the Worker gives them.
const ctx = await testContext();

describe("reports in a time zone with DST (services on real D1)", () => {
  it("puts sales on the right local day and nets refunds on theirs", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const p = await createProduct(admin.token, { price: 1, stock_quantity: 1000, cost_price: 0.5 });
    await insertOrders([
      // 04:30 UTC on the 10th is 23:30 on the 9th in New York (EST, UTC−5).
      {
        number: "TZ-A",
        at: "2026-11-10T04:30:00.000Z",
        status: "completed",
        lines: [[p.id, 10, 100]],
        userId: cashier.id,
        pay: { method: "cash" },
      },
      // 05:30 UTC is 00:30 on the 10th: a new local day.
      {
        number: "TZ-B",
        at: "2026-11-10T05:30:00.000Z",
        status: "completed",
        lines: [[p.id, 20, 100]],
        userId: cashier.id,
        pay: { method: "credit_card", refund: { cents: 500, at: "2026-11-10T15:00:00.000Z" } },
      },
      {
        number: "TZ-C",
        at: "2026-11-10T12:00:00.000Z",
        status: "cancelled",
        lines: [[p.id, 50, 100]],
        userId: cashier.id,
      },
      {
        number: "TZ-D",
        at: "2026-11-10T13:00:00.000Z",
        status: "pending",
        lines: [[p.id, 7, 100]],
        userId: cashier.id,
      },
      // The night the clocks go back (1 Nov 2026): both are on the 1st locally.
      {
        number: "TZ-E",
        at: "2026-11-01T04:30:00.000Z",
        status: "completed",
        lines: [[p.id, 3, 100]],
        userId: cashier.id,
        pay: { method: "cash" },
      },
      {
        number: "TZ-F",
        at: "2026-11-02T04:30:00.000Z",
        status: "completed",
        lines: [[p.id, 4, 100]],
        userId: cashier.id,
        pay: { method: "cash" },
      },
    ]);
    const tz = "America/New_York";
    const days = await reports.salesReport(
      ctx,
      buckets({ start_date: "2026-11-09", end_date: "2026-11-10" }, "day", tz),
    );
    expect(days.map((d) => [d.period, d.orders, d.total_sales, d.refunds, d.net_sales])).toEqual([
      ["2026-11-09", 1, 10, 0, 10],
      ["2026-11-10", 1, 20, 5, 15],
    ]);
    const dst = await reports.salesReport(
      ctx,
      buckets({ start_date: "2026-10-31", end_date: "2026-11-02" }, "day", tz),
    );
    expect(dst.map((d) => [d.period, d.orders, d.total_sales])).toEqual([
      ["2026-10-31", 0, 0],
      ["2026-11-01", 2, 7],
      ["2026-11-02", 0, 0],
    ]);
    expect(buckets({ start_date: "2026-11-01", end_date: "2026-11-01" }, "hour", tz)).toHaveLength(25);

    // In UTC the same history splits differently: A and B are both on the 10th.
    const utc = await reports.salesReport(
      ctx,
      buckets({ start_date: "2026-11-09", end_date: "2026-11-10" }, "day", "UTC"),
    );
    expect(utc.map((d) => [d.period, d.orders, d.total_sales])).toEqual([
      ["2026-11-09", 0, 0],
      ["2026-11-10", 2, 30],
    ]);

    const summary = await reports.dailySummary(ctx, { date: "2026-11-10", tz });
    expect(summary).toEqual({
      date: "2026-11-10",
      total_orders: 3, // B, C and D (A belongs to the 9th)
      completed_orders: 1,
      cancelled_orders: 1,
      total_sales: 20,
      total_received: 15, // 20 taken − 5 refunded
      refunds: 5,
      pending_amount: 7,
    });

    const { start, end } = rangeInstants({ start_date: "2026-11-09", end_date: "2026-11-10" }, tz);
    const methods = await reports.paymentMethodsReport(ctx, { start, end });
    expect(methods.find((m) => m.payment_method === "credit_card")).toMatchObject({
      count: 1,
      amount: 20,
      refunds: 5,
      net_amount: 15,
    });
    expect(methods.find((m) => m.payment_method === "cash")).toMatchObject({ count: 1, amount: 10, net_amount: 10 });
    expect(methods).toHaveLength(7);

    const products = await reports.productSalesReport(ctx, { start, end, limit: 5 });
    expect(products.top_by_units[0]).toMatchObject({
      product_id: p.id,
      units_sold: 30,
      revenue: 30,
      cost: 15,
      margin: 15,
      margin_percent: 50,
    });

    const cashiers = await reports.cashiersReport(ctx, { start, end });
    expect(cashiers).toEqual([
      expect.objectContaining({
        user_id: cashier.id,
        orders: 2,
        sales: 30,
        refunds: 5,
        net_sales: 25,
        average_order_value: 15,
      }),
    ]);
  });
});

describe("reports over HTTP", () => {
  it("answers every report to managers, refuses cashiers, and validates ranges", async ({ expect }) => {
    const { admin, manager, cashier } = await accounts();
    const category = await createCategory(admin.token, "Reportable");
    const p = await createProduct(admin.token, {
      price: 2.5,
      cost_price: 1,
      stock_quantity: 100,
      category_id: category.id,
    });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Top", last_name: "Buyer" } }),
      201,
    );
    const order = await expectJson<{ id: number; total: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: p.id, quantity: 4 }], tax: 1 },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "cash", amount: 11 },
      }),
      201,
    );

    const paths = [
      "/api/v1/reports/sales?days=7",
      "/api/v1/reports/products-sales?days=30&limit=5",
      "/api/v1/reports/payment-methods?days=30",
      "/api/v1/reports/inventory",
      "/api/v1/reports/daily-summary",
      "/api/v1/reports/customers?limit=5",
      "/api/v1/reports/cashiers?days=30",
    ];
    for (const path of paths) {
      expect((await call("GET", path, { token: cashier.token })).status, path).toBe(403);
      const json = await expectJson<{ data: unknown }>(call("GET", path, { token: manager.token }), 200);
      expect(json.data, path).toBeDefined();
    }

    const sales = await expectJson<{
      data: { period: string; orders: number; total_sales: number }[];
      start_date: string;
      end_date: string;
    }>(call("GET", "/api/v1/reports/sales?days=7", { token: manager.token }), 200);
    expect(sales.data).toHaveLength(7);
    expect(sales.data.at(-1)).toMatchObject({ orders: 1, total_sales: 11 });
    expect(sales.data.slice(0, 6).every((d) => d.orders === 0 && d.total_sales === 0)).toBe(true);

    // Points travel through the store's outbox to the head office.
    await settleStoreEvents();
    const customers = await expectJson<{
      data: { customer_id: number; total_spent: number; order_count: number; loyalty_points: number }[];
    }>(call("GET", "/api/v1/reports/customers?limit=5", { token: manager.token }), 200);
    expect(customers.data[0]).toMatchObject({
      customer_id: customer.id,
      total_spent: 11,
      order_count: 1,
      loyalty_points: 11,
    });
    const inventory = await expectJson<{ data: { total_inventory_value: number; value_at_retail: number } }>(
      call("GET", "/api/v1/reports/inventory", { token: manager.token }),
      200,
    );
    expect(inventory.data.value_at_retail).toBeGreaterThanOrEqual(96 * 2.5);

    for (const bad of [
      "sales?start_date=2026-02-30",
      "sales?start_date=2026-13-01",
      "daily-summary?date=2026-00-10",

      "sales?start_date=2026-11-10&end_date=2026-11-01",
      "sales?start_date=2020-01-01&end_date=2026-11-01",
      "sales?group_by=minute",
      "sales?group_by=hour&days=60",
      "sales?days=0",
      "daily-summary?date=yesterday",
      "products-sales?limit=1000",
    ]) {
      expect((await call("GET", `/api/v1/reports/${bad}`, { token: manager.token })).status, bad).toBe(422);
    }
    const empty = await expectJson<{ data: { orders: number }[] }>(
      call("GET", "/api/v1/reports/sales?start_date=2020-01-01&end_date=2020-12-31&group_by=month", {
        token: manager.token,
      }),
      200,
    );
    expect(empty.data).toHaveLength(12);
    expect(empty.data.every((m) => m.orders === 0)).toBe(true);
  });

  it("keeps the replaced API's field names beside today's (sales buckets, days, total_products)", async ({
    expect,
  }) => {
    const { admin, manager, cashier } = await accounts();
    const p = await createProduct(admin.token, { price: 1, stock_quantity: 1000 });
    await insertOrders([
      {
        number: "LEG-A",
        at: "2025-06-01T09:00:00.000Z",
        status: "completed",
        lines: [[p.id, 10, 100]],
        tax: 150,
        discount: 50,
        userId: cashier.id,
        pay: { method: "cash" },
      },
      {
        number: "LEG-B",
        at: "2025-06-01T18:00:00.000Z",
        status: "completed",
        lines: [[p.id, 20, 100]],
        userId: cashier.id,
        pay: { method: "cash" },
      },
      {
        number: "LEG-C",
        at: "2025-06-01T19:00:00.000Z",
        status: "cancelled",
        lines: [[p.id, 99, 100]],
        userId: cashier.id,
      },
      {
        number: "LEG-D",
        at: "2025-06-03T10:00:00.000Z",
        status: "refunded",
        lines: [[p.id, 5, 100]],
        tax: 25,
        userId: cashier.id,
        pay: { method: "cash", refund: { cents: 525, at: "2025-06-03T15:00:00.000Z" } },
      },
    ]);
    // LEG-B redeemed 100 points' worth: a discount kept apart from the manual one.
    await storeDb(MAIN_STORE.id)
      .prepare(
        "UPDATE orders SET points_redeemed = 100, points_discount = 100, total = total - 100, paid_amount = paid_amount - 100 WHERE order_number = 'LEG-B'",
      )
      .run();

    const path = "/api/v1/reports/sales?start_date=2025-06-01&end_date=2025-06-03";
    const report = await expectJson<Record<string, unknown>>(call("GET", path, { token: manager.token }), 200);
    const bucket = (day: string) => ({ start: `${day}T00:00:00.000Z`, period: day, date: day });
    expect(report).toEqual({
      group_by: "day",
      days: 3,
      start_date: "2025-06-01",
      end_date: "2025-06-03",
      time_zone: "UTC",
      data: [
        {
          ...bucket("2025-06-01"),
          end: "2025-06-02T00:00:00.000Z",
          orders: 2,
          total_orders: 2,
          gross_sales: 30,
          discounts: 1.5,
          total_discount: 1.5,
          tax: 1.5,
          total_tax: 1.5,
          total_sales: 30,
          refunds: 0,
          net_sales: 30,
          average_order_value: 15,
        },
        {
          ...bucket("2025-06-02"),
          end: "2025-06-03T00:00:00.000Z",
          orders: 0,
          total_orders: 0,
          gross_sales: 0,
          discounts: 0,
          total_discount: 0,
          tax: 0,
          total_tax: 0,
          total_sales: 0,
          refunds: 0,
          net_sales: 0,
          average_order_value: 0,
        },
        {
          ...bucket("2025-06-03"),
          end: "2025-06-04T00:00:00.000Z",
          orders: 1,
          total_orders: 1,
          gross_sales: 5,
          discounts: 0,
          total_discount: 0,
          tax: 0.25,
          total_tax: 0.25,
          total_sales: 5.25,
          refunds: 5.25,
          net_sales: 0,
          average_order_value: 5.25,
        },
      ],
    });
    const monthly = await expectJson<{ days: number; data: { date: string; total_orders: number }[] }>(
      call("GET", "/api/v1/reports/sales?start_date=2025-05-01&end_date=2025-07-31&group_by=month", {
        token: manager.token,
      }),
      200,
    );
    expect(monthly.days).toBe(92);
    expect(monthly.data.map((m) => [m.date, m.total_orders])).toEqual([
      ["2025-05", 0],
      ["2025-06", 3],
      ["2025-07", 0],
    ]);
    // The CSV keeps its columns: the old names are for JSON dashboards only.
    const csv = await (await call("GET", `${path}&format=csv`, { token: manager.token })).text();
    expect(csv.split("\r\n")[0]).toBe(
      "period,start,end,orders,gross_sales,discounts,tax,total_sales,refunds,net_sales,average_order_value",
    );

    // Inventory summary: total_products is the active products, as in /reports/inventory.
    const active = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM products WHERE is_active = 1").first<{ n: number }>())?.n;
    const before = await active();
    const gone = await createProduct(admin.token);
    await createProduct(admin.token);
    await expectJson(call("DELETE", `/api/v1/products/${gone.id}`, { token: admin.token }), 200);
    const summary = await expectJson<{ total_products: number; active_products: number }>(
      call("GET", "/api/v1/inventory/summary", { token: manager.token }),
      200,
    );
    expect(summary.total_products).toBe((before ?? 0) + 1);
    expect(summary.active_products).toBe(summary.total_products);
    const inventory = await expectJson<{ data: { total_products: number } }>(
      call("GET", "/api/v1/reports/inventory", { token: manager.token }),
      200,
    );
    expect(inventory.data.total_products).toBe(summary.total_products);
  });

  it("gives the same numbers as CSV, and the sales chart as SVG", async ({ expect }) => {
    const { admin, manager, cashier } = await accounts();
    const p = await createProduct(admin.token, { price: 3, stock_quantity: 100 });
    const order = await expectJson<{ id: number; total: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: p.id, quantity: 2 }] },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "debit_card", amount: 6 },
      }),
      201,
    );
    for (const path of [
      "sales?days=3",
      "payment-methods?days=3",
      "cashiers?days=3",
      "customers",
      "inventory",
      "daily-summary",
    ]) {
      const json = await expectJson<{ data: Record<string, unknown>[] | Record<string, unknown> }>(
        call("GET", `/api/v1/reports/${path}`, { token: manager.token }),
        200,
      );
      const sep = path.includes("?") ? "&" : "?";
      const csv = await call("GET", `/api/v1/reports/${path}${sep}format=csv`, { token: manager.token });
      expect(csv.status, path).toBe(200);
      expect(csv.headers.get("Content-Type"), path).toContain("text/csv");
      const [header = "", ...lines] = (await csv.text()).trim().split("\r\n");
      const rows = Array.isArray(json.data) ? json.data : [json.data];
      expect(lines.length, path).toBe(rows.length);
      const columns = header.split(",");
      rows.forEach((row, i) => {
        const cells = (lines[i] ?? "").split(",");
        columns.forEach((col, k) => {
          const value = row[col];
          expect(cells[k], `${path} ${col}`).toBe(value === null || value === undefined ? "" : String(value));
        });
      });
    }
    // products-sales has three lists; its CSV carries all of them, tagged.
    const sales = await expectJson<{ data: Record<string, unknown[]> }>(
      call("GET", "/api/v1/reports/products-sales?days=3", { token: manager.token }),
      200,
    );
    const productsCsv = await (
      await call("GET", "/api/v1/reports/products-sales?days=3&format=csv", { token: manager.token })
    ).text();
    const [csvHeader = "", ...csvLines] = productsCsv.trim().split("\r\n");
    const listColumn = csvHeader.split(",").indexOf("list");
    const perList = (list: string) => csvLines.filter((line) => line.split(",")[listColumn] === list).length;
    for (const list of ["top_by_units", "top_by_revenue", "categories"]) {
      expect(perList(list), list).toBe(sales.data[list]?.length);
      expect(sales.data[list]?.length, list).toBeGreaterThan(0);
    }
    const svg = await call("GET", "/api/v1/reports/sales?days=14&format=svg", { token: manager.token });
    expect(svg.headers.get("Content-Type")).toContain("image/svg+xml");
    const text = await svg.text();
    expect(text).toMatch(/^<svg/);
    expect(text.match(/<rect x=/g)).toHaveLength(14);
  });
});

describe("reports per store", () => {
  it("counts each store's own orders, in each store's own local days", async ({ expect }) => {
    const { admin, manager, cashier } = await accounts();
    const p = await createProduct(admin.token, { price: 1, cost_price: 0.25, stock_quantity: 100 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", { token: cashier.token, body: { first_name: "Two", last_name: "Stores" } }),
      201,
    );
    // 03:00 UTC on 10 March 2026 is 23:00 on the 9th in New York (EDT, UTC−4): EAST's 9th, MAIN's (UTC) 10th.
    await insertOrders(
      [
        {
          number: "ST-M1",
          at: "2026-03-10T03:00:00.000Z",
          status: "completed",
          lines: [[p.id, 10, 100]],
          userId: cashier.id,
          customerId: customer.id,
          pay: { method: "cash" },
        },
      ],
      MAIN_STORE.id,
    );
    await insertOrders(
      [
        {
          number: "ST-E1",
          at: "2026-03-10T03:00:00.000Z",
          status: "completed",
          lines: [[p.id, 2, 100]],
          userId: cashier.id,
          customerId: customer.id,
          pay: { method: "credit_card" },
        },
        {
          number: "ST-E2",
          at: "2026-03-10T15:00:00.000Z",
          status: "completed",
          lines: [[p.id, 3, 100]],
          userId: cashier.id,
          pay: { method: "cash" },
        },
      ],
      SECOND_STORE.id,
    );
    const range = "start_date=2026-03-09&end_date=2026-03-10";
    type Sales = { data: { period: string; orders: number; total_sales: number }[]; time_zone: string };
    const main = await expectJson<Sales>(call("GET", `/api/v1/reports/sales?${range}`, { token: admin.token }), 200);
    expect(main.time_zone).toBe("UTC");
    expect(main.data.map((d) => [d.period, d.orders, d.total_sales])).toEqual([
      ["2026-03-09", 0, 0],
      ["2026-03-10", 1, 10],
    ]);
    const east = await expectJson<Sales>(
      call("GET", `/api/v1/reports/sales?${range}`, { token: admin.token, headers: atStore(SECOND_STORE.id) }),
      200,
    );
    expect(east.time_zone).toBe(SECOND_STORE.timeZone);
    expect(east.data.map((d) => [d.period, d.orders, d.total_sales])).toEqual([
      ["2026-03-09", 1, 2],
      ["2026-03-10", 1, 3],
    ]);
    // The same store named by the query's store_id.
    const byQuery = await expectJson<Sales>(
      call("GET", `/api/v1/reports/sales?${range}&store_id=${SECOND_STORE.id}`, { token: admin.token }),
      200,
    );
    expect(byQuery.data).toEqual(east.data);

    const summary = await expectJson<{ data: { total_orders: number; total_sales: number }; time_zone: string }>(
      call("GET", "/api/v1/reports/daily-summary?date=2026-03-09", {
        token: admin.token,
        headers: atStore(SECOND_STORE.id),
      }),
      200,
    );
    expect(summary).toMatchObject({ time_zone: SECOND_STORE.timeZone, data: { total_orders: 1, total_sales: 2 } });

    type ProductsSales = { data: { top_by_units: { product_id: number; units_sold: number; cost: number }[] } };
    const eastProducts = await expectJson<ProductsSales>(
      call("GET", `/api/v1/reports/products-sales?${range}`, { token: admin.token, headers: atStore(SECOND_STORE.id) }),
      200,
    );
    // Cost is what each line was sold at (its copied unit cost): 5 units × 0.25.
    expect(eastProducts.data.top_by_units).toEqual([
      expect.objectContaining({ product_id: p.id, units_sold: 5, cost: 1.25 }),
    ]);

    // Spend per store, names from the head office.
    type Customers = { data: { customer_id: number; name: string; total_spent: number; order_count: number }[] };
    const mainCustomers = await expectJson<Customers>(
      call("GET", "/api/v1/reports/customers", { token: admin.token }),
      200,
    );
    expect(mainCustomers.data.find((c) => c.customer_id === customer.id)).toEqual(
      expect.objectContaining({ name: "Two Stores", total_spent: 10, order_count: 1 }),
    );
    const eastCustomers = await expectJson<Customers>(
      call("GET", "/api/v1/reports/customers", { token: admin.token, headers: atStore(SECOND_STORE.id) }),
      200,
    );
    expect(eastCustomers.data).toEqual([
      expect.objectContaining({ customer_id: customer.id, name: "Two Stores", total_spent: 2, order_count: 1 }),
    ]);

    // The chart is in the store's currency; a manager of MAIN is nobody at EAST.
    const chart = await call("GET", `/api/v1/reports/sales?${range}&format=svg`, {
      token: admin.token,
      headers: atStore(SECOND_STORE.id),
    });
    expect(await chart.text()).toContain("€");
    expect(
      (await call("GET", "/api/v1/reports/sales", { token: manager.token, headers: atStore(SECOND_STORE.id) })).status,
    ).toBe(403);
  });

  it("values a store's own stock at catalog cost and counts the products it has no stock row for", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    type Inventory = {
      data: {
        total_products: number;
        products_not_stocked: number;
        low_stock_count: number;
        out_of_stock_count: number;
        units_on_hand: number;
        total_inventory_value: number;
        value_at_retail: number;
      };
    };
    const eastInventory = () =>
      expectJson<Inventory>(
        call("GET", "/api/v1/reports/inventory", { token: admin.token, headers: atStore(SECOND_STORE.id) }),
        200,
      );
    const mainInventory = () =>
      expectJson<Inventory>(call("GET", "/api/v1/reports/inventory", { token: admin.token }), 200);
    const mainBefore = await mainInventory();
    const eastBefore = await eastInventory();
    // Stocked at MAIN only (the acting store of its creation).
    const p = await createProduct(admin.token, { price: 3, cost_price: 1.5, stock_quantity: 10, min_stock_level: 5 });
    const mainAfter = await mainInventory();
    expect(mainAfter.data.total_products).toBe(mainBefore.data.total_products + 1);
    expect(mainAfter.data.products_not_stocked).toBe(mainBefore.data.products_not_stocked);
    expect(mainAfter.data.units_on_hand).toBe(mainBefore.data.units_on_hand + 10);
    expect(mainAfter.data.total_inventory_value).toBeCloseTo(mainBefore.data.total_inventory_value + 15, 2);

    const eastUnstocked = await eastInventory();
    expect(eastUnstocked.data).toMatchObject({
      total_products: eastBefore.data.total_products + 1,
      products_not_stocked: eastBefore.data.products_not_stocked + 1,
      out_of_stock_count: eastBefore.data.out_of_stock_count + 1,
      low_stock_count: eastBefore.data.low_stock_count + 1,
      units_on_hand: eastBefore.data.units_on_hand,
      total_inventory_value: eastBefore.data.total_inventory_value,
    });
    // EAST takes 4 in (below its minimum of 5), and sells it at its own price of 4.00.
    await storeDb(SECOND_STORE.id)
      .prepare("INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at) VALUES (?1, 4, 5, ?2)")
      .bind(p.id, new Date().toISOString())
      .run();
    await env.DB.prepare(
      "INSERT INTO product_store_prices (product_id, store_id, price, updated_at) VALUES (?1, ?2, 400, ?3)",
    )
      .bind(p.id, SECOND_STORE.id, new Date().toISOString())
      .run();
    const eastStocked = await eastInventory();
    expect(eastStocked.data).toMatchObject({
      total_products: eastUnstocked.data.total_products,
      products_not_stocked: eastUnstocked.data.products_not_stocked - 1,
      out_of_stock_count: eastUnstocked.data.out_of_stock_count - 1,
      low_stock_count: eastUnstocked.data.low_stock_count,
      units_on_hand: eastUnstocked.data.units_on_hand + 4,
    });
    expect(eastStocked.data.total_inventory_value).toBeCloseTo(eastUnstocked.data.total_inventory_value + 6, 2);
    expect(eastStocked.data.value_at_retail).toBeCloseTo(eastUnstocked.data.value_at_retail + 16, 2);
  });
});
