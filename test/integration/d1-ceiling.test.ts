/**
 * The largest requests the API accepts, through the D1 limits guard: an order
 * of 100 distinct products (the schema's maximum) is written in chunks sized
 * to production D1's 100 bound parameters (its lines 9 at a time, 10 values
 * each, its stock 30 at a time, 3 each: 91 with the shared ones); its reads
 * pass the ids as one JSON parameter. Sold, paid, refunded line by line and a
 * second one cancelled, each must stay within the limits.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { watchD1Limits } from "../../src/lib/d1-guard";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { storeDb } from "../helpers/stores";

const LINES = 100;

async function hundredProducts(): Promise<number[]> {
  const rows = Array.from({ length: LINES }, (_, i) => ({ sku: `CEIL-${i}`, name: `Ceiling ${i}` }));
  const now = "2026-11-30T00:00:00.000Z";
  // One statement, one JSON parameter: setting up is not what is measured.
  // The catalog at the head office, 10 of each in store 1's stock.
  await env.DB.prepare(
    `INSERT INTO products (sku, name, price, cost_price, min_stock_level, is_active, version, created_at, updated_at)
     SELECT json_extract(value, '$.sku'), json_extract(value, '$.name'), 100, 50, 0, 1, 1, ?2, ?2 FROM json_each(?1)`,
  )
    .bind(JSON.stringify(rows), now)
    .run();
  const { results } = await env.DB.prepare("SELECT id FROM products WHERE sku LIKE 'CEIL-%' ORDER BY id").all<{
    id: number;
  }>();
  const ids = results.map((row) => row.id);
  await storeDb()
    .prepare(
      `INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at)
       SELECT value, 10, 0, ?2 FROM json_each(?1)`,
    )
    .bind(JSON.stringify(ids), now)
    .run();
  return ids;
}

describe("requests at the schema's maximum", () => {
  it("sells, pays, refunds and cancels orders of 100 distinct products within production D1's limits", async ({
    expect,
  }) => {
    const { cashier, manager } = await accounts();
    const ids = await hundredProducts();
    expect(ids).toHaveLength(LINES);
    const watch = watchD1Limits();
    const order_items = ids.map((product_id) => ({ product_id, quantity: 2 }));

    const sold = await expectJson<{ id: number; total: number; order_items: { id: number }[] }>(
      call("POST", "/api/v1/orders", { token: cashier.token, body: { order_items } }),
      201,
    );
    expect(sold.order_items).toHaveLength(LINES);
    const payment = await expectJson<{ id: number; order_status: string }>(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: sold.id, payment_method: "credit_card", amount: sold.total },
      }),
      201,
    );
    expect(payment.order_status).toBe("completed");
    await expectJson(
      call("POST", `/api/v1/payments/${payment.id}/refund`, {
        token: manager.token,
        body: {
          reason: "everything back",
          items: sold.order_items.map((item) => ({ order_item_id: item.id, quantity: 1, restock: true })),
        },
      }),
      201,
    );
    const second = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", { token: cashier.token, body: { order_items } }),
      201,
    );
    await expectJson(call("POST", `/api/v1/orders/${second.id}/cancel`, { token: manager.token }), 200);
    await expectJson(call("GET", "/api/v1/orders?limit=1000", { token: manager.token }), 200);

    // 10 − 2 sold + 1 refunded, the cancelled order's 2 back.
    const { results } = await storeDb()
      .prepare("SELECT DISTINCT quantity AS s FROM stock_levels WHERE product_id IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(ids))
      .all<{ s: number }>();
    expect(results).toEqual([{ s: 9 }]);
    watch.stop();
    // The guard refused nothing, and the largest statements are the chunks sized under the cap.
    expect(watch.stats.violations).toEqual([]);
    expect(watch.stats.maxParams.count).toBe(91);
  });
});
