/**
 * A hold is settled within its expiry, whatever the object's alarm was set
 * for: after an alarm run leaves only settled entries, the next alarm is the
 * daily sweep, and a new hold must bring it forward.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createOrder } from "../../src/services/orders-create";
import { stockObjectName } from "../../src/stock/client";
import { ALARM_RETRY_MS, HOLD_MS } from "../../src/stock/product-stock";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { bookStock, gate, logSum } from "../helpers/stock";
import { MAIN_STORE, storeDb } from "../helpers/stores";

const stub = (productId: number) =>
  env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, productId)));

const alarmAt = (productId: number) =>
  runInDurableObject(stub(productId), (_instance, state) => state.storage.getAlarm());

const heldExpiries = (productId: number) =>
  runInDurableObject(stub(productId), (_instance, state) =>
    state.storage.sql
      .exec<{ ref: string; expires_at: number }>(
        "SELECT ref, expires_at FROM entries WHERE state = 'held' ORDER BY ref",
      )
      .toArray(),
  );

describe("ProductStock alarm", () => {
  it("brings the daily sweep forward to a new hold's expiry, and the alarm then settles it from D1", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 10 });

    // A sale that settled normally, then an alarm run: only settled entries remain,
    // so the object schedules its daily sweep.
    await expectJson(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    await expect.poll(async () => (await gate().view(product.id)).open_entries).toBe(0);
    expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
    expect(await alarmAt(product.id)).toBeGreaterThan(Date.now() + 23 * 3600_000);

    // Two holds whose outcome the object never hears: a sale whose batch landed
    // while the connection dropped, and a till that vanished before writing.
    // The sale's store batch (its first in the store's database) lands, then the connection drops for good.
    const deps = await testContext({ store: await storeOver(scriptedD1({ at: 1, lose: "everything" }).d1) });
    const actor = { id: cashier.id, username: cashier.username, role: "cashier" as const };
    await expect(
      createOrder(deps, actor, { order_items: [{ product_id: product.id, quantity: 2 }] }, null),
    ).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    await gate().reserve(product.id, "ORD-VANISHED-2", 3);
    expect(await gate().view(product.id)).toMatchObject({ available: 4, open_entries: 2, held_take: 5 });

    // The alarm now fires when the first of them expires, not a day later.
    const holds = await heldExpiries(product.id);
    expect(holds).toHaveLength(2);
    const firstExpiry = Math.min(...holds.map((hold) => hold.expires_at));
    expect(firstExpiry).toBeLessThanOrEqual(Date.now() + HOLD_MS);
    const scheduled = await alarmAt(product.id);
    expect(scheduled).not.toBeNull();
    expect(scheduled).toBeLessThanOrEqual(firstExpiry + 1000);

    // Past their expiry, the alarm asks D1: the sale is committed, the vanished hold released.
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
    expect(await bookStock(product.id)).toBe(7);
    expect(await logSum(product.id)).toBe(7);
    expect(await gate().view(product.id)).toMatchObject({ available: 7, open_entries: 0 });
    const states = await runInDurableObject(stub(product.id), (_instance, state) =>
      state.storage.sql.exec<{ ref: string; state: string }>("SELECT ref, state FROM entries").toArray(),
    );
    expect(states.map((row) => row.state).sort()).toEqual(["committed", "committed", "released"]);
    expect(states.find((row) => row.ref === "ORD-VANISHED-2")?.state).toBe("released");
  });

  it("settles a backlog of 1,100 expired holds within one invocation's 1,000 D1 queries", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 2000 });
    const refs = Array.from({ length: 1100 }, (_, i) => `ORD-BACKLOG-${String(i).padStart(4, "0")}`);
    for (let i = 0; i < refs.length; i += 100) {
      await Promise.all(refs.slice(i, i + 100).map((ref) => gate().reserve(product.id, ref, 1)));
    }
    // Every other sale's batch landed (its log row and stock update), then the till vanished.
    const landed = refs.filter((_, i) => i % 2 === 0);
    const store = storeDb(MAIN_STORE.id);
    await store.batch([
      store
        .prepare(
          `INSERT INTO inventory_logs (product_id, action, quantity_change, quantity_before, quantity_after, stock_ref, created_at)
           SELECT ?1, 'sale', -1, 0, 0, value, '2026-11-30T00:00:00.000Z' FROM json_each(?2)`,
        )
        .bind(product.id, JSON.stringify(landed)),
      store
        .prepare("UPDATE stock_levels SET quantity = quantity - ?2 WHERE product_id = ?1")
        .bind(product.id, landed.length),
    ]);
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    // One query per hold would pass the guard's 1,000 per invocation and fail the alarm.
    expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
    expect(await gate().view(product.id)).toMatchObject({ available: 2000 - landed.length, open_entries: 0 });
    expect(await bookStock(product.id)).toBe(2000 - landed.length);
  });

  it("keeps an alarm set when D1 fails it, so holds are still settled once D1 is back", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 5 });
    await gate().reserve(product.id, "ORD-OUTAGE-1", 2);
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    // The lookup table is gone for the alarm's run: D1 answers with an error.
    await storeDb(MAIN_STORE.id).prepare("ALTER TABLE inventory_logs RENAME TO inventory_logs_away").run();
    try {
      const before = Date.now();
      expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
      const retry = await alarmAt(product.id);
      expect(retry).not.toBeNull();
      expect(retry).toBeGreaterThanOrEqual(before + ALARM_RETRY_MS - 1000);
      expect(retry).toBeLessThanOrEqual(Date.now() + ALARM_RETRY_MS);
      expect(await gate().view(product.id)).toMatchObject({ available: 3, open_entries: 1 });
    } finally {
      await storeDb(MAIN_STORE.id).prepare("ALTER TABLE inventory_logs_away RENAME TO inventory_logs").run();
    }
    // A new hold still gets an alarm at its own expiry at the latest.
    await gate().reserve(product.id, "ORD-OUTAGE-2", 1);
    expect(await alarmAt(product.id)).toBeLessThanOrEqual(Date.now() + HOLD_MS + 1000);
    // D1 back: the next run releases both unwritten holds.
    await runInDurableObject(stub(product.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
    });
    expect(await runDurableObjectAlarm(stub(product.id))).toBe(true);
    expect(await gate().view(product.id)).toMatchObject({ available: 5, open_entries: 0 });
  });
});
