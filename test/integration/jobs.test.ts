import {
  applyD1Migrations,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import worker from "../../src";
import { runBackup } from "../../src/jobs/backup";
import { CRON_BACKUP, CRON_DAILY_REPORT, CRON_JOBS } from "../../src/jobs/crons";
import { runDailyReport } from "../../src/jobs/daily-report";
import {
  backoffSeconds,
  type EmailDeps,
  emailDeps,
  handleDeadLetters,
  handleEmailBatch,
} from "../../src/jobs/email-consumer";
import type { EmailMessage } from "../../src/jobs/email-messages";
import { notifyLowStock } from "../../src/jobs/notifications";
import { readManifest, restoreBackup, verifyBackup } from "../../src/jobs/restore";
import { guardD1, guardEnv } from "../../src/lib/d1-guard";
import wranglerToml from "../../wrangler.toml?raw";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { atStore, MAIN_STORE, SECOND_STORE, storeDb, storeScope } from "../helpers/stores";

const message = (key: string, to = "someone@example.com"): EmailMessage => ({
  kind: "password_changed",
  to,
  data: { user_id: 1, at: "2026-11-25T10:00:00.000Z" },
  dedupe_key: key,
});

const batchOf = (...bodies: EmailMessage[]) =>
  createMessageBatch<unknown>(
    "pos-email",
    bodies.map((body, i) => ({ id: `m${i}-${body.dedupe_key}`, timestamp: new Date(), attempts: 1, body })),
  );

const logRow = (key: string) =>
  env.DB.prepare("SELECT status, attempts, last_error FROM email_log WHERE dedupe_key = ?1").bind(key).first();

// Jobs called directly get the D1 limits guard that the Worker's handlers give them.
const guarded = guardEnv(env);

describe("email consumer", () => {
  it("sends through the log transport and acks", async ({ expect }) => {
    const batch = batchOf(message("unit-ack"));
    const ctx = createExecutionContext();
    await handleEmailBatch(batch, emailDeps(guarded));
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m0-unit-ack"]);
    expect(result.retryMessages).toEqual([]);
    const sent = await env.FILES.get("outbox/unit-ack.json");
    expect(sent).not.toBeNull();
    expect(await sent?.json()).toMatchObject({
      to: "someone@example.com",
      subject: "Your password was changed",
      kind: "password_changed",
    });
    expect(await logRow("unit-ack")).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("retries a failed send with exponential backoff and records the error", async ({ expect }) => {
    const failing: EmailDeps = {
      ...emailDeps(guarded),
      transport: async () => Promise.reject(new Error("provider down")),
    };
    // Records the delay each retry asks for (the queue result keeps only the ids).
    const delays: (number | undefined)[] = [];
    const watched = (id: string, attempts: number) => {
      const batch = createMessageBatch<unknown>("pos-email", [
        { id, timestamp: new Date(), attempts, body: message("unit-retry") },
      ]);
      for (const msg of batch.messages) {
        const retry = msg.retry.bind(msg);
        msg.retry = (options) => {
          delays.push(options?.delaySeconds);
          retry(options);
        };
      }
      return batch;
    };
    const first = watched("r1", 1);
    await handleEmailBatch(first, failing);
    expect((await getQueueResult(first, createExecutionContext())).retryMessages).toEqual([
      expect.objectContaining({ msgId: "r1" }),
    ]);
    const third = watched("r3", 3);
    await handleEmailBatch(third, failing);
    expect((await getQueueResult(third, createExecutionContext())).retryMessages).toEqual([
      expect.objectContaining({ msgId: "r3" }),
    ]);
    expect(delays).toEqual([10, 40]);
    expect(await logRow("unit-retry")).toMatchObject({ status: "retrying", attempts: 2, last_error: "provider down" });
    expect(backoffSeconds(20)).toBe(3600);

    // Once it works, it is sent and acked.
    const ok = createMessageBatch<unknown>("pos-email", [
      { id: "r4", timestamp: new Date(), attempts: 4, body: message("unit-retry") },
    ]);
    await handleEmailBatch(ok, emailDeps(guarded));
    expect((await getQueueResult(ok, createExecutionContext())).explicitAcks).toEqual(["r4"]);
    expect(await logRow("unit-retry")).toMatchObject({ status: "sent" });
  });

  it("sends a message delivered twice only once", async ({ expect }) => {
    let sends = 0;
    const counting: EmailDeps = {
      ...emailDeps(guarded),
      transport: async () => {
        sends += 1;
      },
    };
    const twice = batchOf(message("unit-dup"), message("unit-dup"));
    await handleEmailBatch(twice, counting);
    const again = batchOf(message("unit-dup"));
    await handleEmailBatch(again, counting);
    expect(sends).toBe(1);
    expect((await getQueueResult(twice, createExecutionContext())).explicitAcks).toHaveLength(2);
    expect((await getQueueResult(again, createExecutionContext())).explicitAcks).toHaveLength(1);
  });

  it("records dead letters as failed, where admins can list them", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const dead = createMessageBatch<unknown>("pos-email-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 6, body: message("unit-dead", "gone@example.com") },
    ]);
    await handleDeadLetters(dead, guarded);
    expect((await getQueueResult(dead, createExecutionContext())).explicitAcks).toEqual(["d1"]);
    const failed = await expectJson<{ data: { dedupe_key: string; status: string }[] }>(
      call("GET", "/api/v1/admin/emails?status=failed", { token: admin.token }),
      200,
    );
    expect(failed.data.map((e) => e.dedupe_key)).toContain("unit-dead");
    expect(failed.data.every((e) => e.status === "failed")).toBe(true);
    expect((await call("GET", "/api/v1/admin/emails", { token: manager.token })).status).toBe(403);
  });
});

describe("emails produced by the API", () => {
  it("completing an order enqueues one receipt with an invoice link", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 12, stock_quantity: 50 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", {
        token: cashier.token,
        body: { first_name: "Rita", last_name: "Receipt", email: "rita@example.com" },
      }),
      201,
    );
    const order = await expectJson<{ id: number; order_number: string }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 2 }] },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "cash", amount: 10 },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "credit_card", amount: 14 },
      }),
      201,
    );
    const key = `outbox/${encodeURIComponent(`receipt:${order.order_number}`)}.json`;
    await expect.poll(async () => (await env.FILES.head(key)) !== null, { timeout: 20_000, interval: 250 }).toBe(true);
    const email = (await (await env.FILES.get(key))?.json()) as { to: string; text: string; html: string };
    expect(email.to).toBe("rita@example.com");
    expect(email.text).toContain(order.order_number);
    expect(email.text).toMatch(/\/files\/invoices\/.+\.pdf\?expires=\d+&sig=/);
    const receipts = await env.DB.prepare("SELECT COUNT(*) AS n FROM email_log WHERE kind = 'receipt'").first();
    expect(receipts).toEqual({ n: 1 });
  });

  it("sends the receipt when a confirmed payment completes the order, not when it only pays part", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 12, stock_quantity: 50 });
    const customer = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", {
        token: cashier.token,
        body: { first_name: "Paula", last_name: "Partial", email: "paula@example.com" },
      }),
      201,
    );
    const order = await expectJson<{ id: number; order_number: string }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { customer_id: customer.id, order_items: [{ product_id: product.id, quantity: 2 }] },
      }),
      201,
    );
    const pending = (amount: number) =>
      expectJson<{ id: number }>(
        call("POST", "/api/v1/payments", {
          token: cashier.token,
          body: { order_id: order.id, payment_method: "credit_card", amount, status: "pending" },
        }),
        201,
      );
    const first = await pending(10);
    const second = await pending(14);
    const confirm = (id: number) =>
      expectJson(call("PUT", `/api/v1/payments/${id}`, { token: cashier.token, body: { status: "completed" } }), 200);
    await confirm(first.id); // 10 of 24: the order stays pending
    await confirm(first.id); // the same confirmation sent again changes nothing
    await confirm(second.id); // completes the order

    const key = `outbox/${encodeURIComponent(`receipt:${order.order_number}`)}.json`;
    await expect.poll(async () => (await env.FILES.head(key)) !== null, { timeout: 20_000, interval: 250 }).toBe(true);
    // Sent for the completed order: both payments are on it (a receipt sent at the
    // partial confirmation would have taken the one-per-order key with only the first).
    const email = (await (await env.FILES.get(key))?.json()) as { text: string };
    expect(email.text).toContain("14.00");
    expect(email.text).toContain("10.00");
  });

  it("alerts managers once per product per day when stock falls to its minimum", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, { price: 1, stock_quantity: 6, min_stock_level: 4 });
    for (let i = 0; i < 4; i++) {
      await expectJson(
        call("POST", "/api/v1/orders", {
          token: cashier.token,
          body: { order_items: [{ product_id: product.id, quantity: 1 }] },
        }),
        201,
      );
    }
    const managers = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM users WHERE is_active = 1 AND role IN ('admin', 'manager')",
    ).first<{ n: number }>();
    const count = async () =>
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM email_log WHERE dedupe_key LIKE ?1 AND status = 'sent'")
          .bind(`low_stock:${MAIN_STORE.code}:${product.id}:%`)
          .first<{ n: number }>()
      )?.n;
    await expect.poll(count, { timeout: 20_000, interval: 250 }).toBe(managers?.n);
    // Three sales took it to or below the minimum; each alert still exists once.
    const outbox = await env.FILES.list({
      prefix: `outbox/${encodeURIComponent(`low_stock:${MAIN_STORE.code}:${product.id}:`)}`,
    });
    expect(outbox.objects).toHaveLength(managers?.n ?? -1);
  });

  it("queues a low-stock alert only for products at or below their minimum", async ({ expect }) => {
    const { admin } = await accounts();
    const above = await createProduct(admin.token, { price: 1, stock_quantity: 5, min_stock_level: 4 });
    const at = await createProduct(admin.token, { price: 1, stock_quantity: 4, min_stock_level: 4 });
    const sent: EmailMessage[] = [];
    const capture = {
      ...guarded,
      EMAIL_QUEUE: {
        sendBatch: async (batch: { body: EmailMessage }[]) => {
          sent.push(...batch.map((m) => m.body));
        },
      } as unknown as Queue,
    };
    const main = await storeScope(MAIN_STORE.id);
    await notifyLowStock(capture, main, [above.id]);
    expect(sent).toEqual([]);
    await notifyLowStock(capture, main, [above.id, at.id]);
    const managers = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM users WHERE is_active = 1 AND role IN ('admin', 'manager')",
    ).first<{ n: number }>();
    expect(sent).toHaveLength(managers?.n ?? -1);
    expect(sent.every((m) => m.kind === "low_stock" && m.dedupe_key.startsWith(`low_stock:MAIN:${at.id}:`))).toBe(true);
    expect(sent[0]?.data).toMatchObject({ store: { code: "MAIN" }, stock: 4, minimum: 4 });
    // The same product has no stock at EAST: nothing to alert there (it never stocked it).
    sent.length = 0;
    await notifyLowStock(capture, await storeScope(SECOND_STORE.id), [at.id]);
    expect(sent).toEqual([]);
  });
});

describe("cron jobs", () => {
  it("stores one daily report per store, each for its own yesterday, once", async ({ expect }) => {
    const { admin, cashier, manager } = await accounts();
    const p = await createProduct(admin.token, { price: 1, stock_quantity: 100 });
    const insert = (storeId: number, n: string, at: string, total: number, status: string) =>
      storeDb(storeId)
        .prepare(
          `INSERT INTO orders (id, order_number, user_id, status, subtotal, tax, discount, total, paid_amount, created_at, updated_at)
           VALUES ((SELECT COALESCE(MAX(id), ?7) + 1 FROM orders), ?1, ?2, ?3, ?4, 0, 0, ?4, ?5, ?6, ?6)`,
        )
        .bind(n, cashier.id, status, total, status === "completed" ? total : 0, at, storeId * 2 ** 32)
        .run();
    // MAIN (UTC): the 9th has DR-1 and DR-2; DR-3 is on the 10th.
    await insert(MAIN_STORE.id, "DR-1", "2026-11-09T04:30:00.000Z", 2500, "completed");
    await insert(MAIN_STORE.id, "DR-2", "2026-11-09T15:00:00.000Z", 700, "pending");
    await insert(MAIN_STORE.id, "DR-3", "2026-11-10T01:00:00.000Z", 9900, "completed");
    await storeDb(MAIN_STORE.id)
      .prepare(
        "INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal) SELECT id, ?1, 'P', 'P', 25, 100, 0, 2500 FROM orders WHERE order_number = 'DR-1'",
      )
      .bind(p.id)
      .run();
    // EAST (New York): 04:30 UTC on the 9th is 23:30 on the 8th there; 06:00 UTC is the 9th.
    await insert(SECOND_STORE.id, "DE-1", "2026-11-09T04:30:00.000Z", 1200, "completed");
    await insert(SECOND_STORE.id, "DE-2", "2026-11-09T06:00:00.000Z", 5000, "completed");

    // 03:00 UTC on the 10th: MAIN's yesterday is the 9th, EAST's (22:00 on the 9th there) the 8th.
    const scheduled = Date.parse("2026-11-10T03:00:00.000Z");
    const reportRows = () => env.DB.prepare("SELECT store_id, date FROM daily_reports ORDER BY store_id").all();
    // A run that fails after claiming a day gives it back; the next one does it all.
    const failingQueue = {
      ...guarded,
      EMAIL_QUEUE: { sendBatch: async () => Promise.reject(new Error("queue down")) } as unknown as Queue,
    };
    await expect(runDailyReport(failingQueue, scheduled)).rejects.toThrow("queue down");
    expect((await reportRows()).results).toEqual([]);
    const published = [
      { store: "MAIN", date: "2026-11-09", created: true },
      { store: "EAST", date: "2026-11-08", created: true },
    ];
    expect(await runDailyReport(guarded, scheduled)).toEqual({ reports: published, left_for_next_run: 0 });
    // The next hourly run finds both days done (report and rollup) and does nothing.
    expect(await runDailyReport(guarded, scheduled)).toEqual({ reports: [], left_for_next_run: 0 });
    expect((await reportRows()).results).toEqual([
      { store_id: MAIN_STORE.id, date: "2026-11-09" },
      { store_id: SECOND_STORE.id, date: "2026-11-08" },
    ]);
    // MAIN's managers are the admin and the manager (home store MAIN); EAST has only the admin.
    const emailed = await env.DB.prepare("SELECT store_id, emailed FROM daily_reports ORDER BY store_id").all();
    expect(emailed.results).toEqual([
      { store_id: MAIN_STORE.id, emailed: 2 },
      { store_id: SECOND_STORE.id, emailed: 1 },
    ]);
    const mail = `outbox/${encodeURIComponent(`daily_report:MAIN:2026-11-09:${manager.id}`)}.json`;
    await expect.poll(async () => (await env.FILES.head(mail)) !== null, { timeout: 20_000, interval: 250 }).toBe(true);
    expect(await env.FILES.head("reports/daily/MAIN/2026-11-09.json")).not.toBeNull();
    expect(await env.FILES.head("reports/daily/EAST/2026-11-08.json")).not.toBeNull();

    type Stored = {
      data: {
        store: { code: string };
        time_zone: string;
        summary: Record<string, number>;
        top_products: { units_sold: number }[];
      };
    };
    const stored = await expectJson<Stored>(
      call("GET", "/api/v1/reports/daily/2026-11-09", { token: manager.token }),
      200,
    );
    expect(stored.data.store.code).toBe("MAIN");
    expect(stored.data.summary).toMatchObject({
      total_orders: 2,
      completed_orders: 1,
      total_sales: 25,
      pending_amount: 7,
    });
    expect(stored.data.top_products[0]?.units_sold).toBe(25);
    const east = await expectJson<Stored>(
      call("GET", "/api/v1/reports/daily/2026-11-08", { token: admin.token, headers: atStore(SECOND_STORE.id) }),
      200,
    );
    expect(east.data).toMatchObject({
      store: { code: "EAST" },
      time_zone: SECOND_STORE.timeZone,
      summary: { total_orders: 1, total_sales: 12 },
    });
    // Each store lists and reads its own reports only.
    for (const [headers, date] of [
      [{}, "2026-11-09"],
      [atStore(SECOND_STORE.id), "2026-11-08"],
    ] as const) {
      const list = await expectJson<{ total: number; data: { date: string; store_id: number }[] }>(
        call("GET", "/api/v1/reports/daily", { token: admin.token, headers }),
        200,
      );
      expect(list.data.map((r) => r.date)).toEqual([date]);
    }
    expect((await call("GET", "/api/v1/reports/daily/2026-11-08", { token: manager.token })).status).toBe(404);
    expect((await call("GET", "/api/v1/reports/daily/2026-11-09", { token: cashier.token })).status).toBe(403);
  });

  it("does at most the run's share of stores and leaves the rest to the next hourly run", async ({ expect }) => {
    await accounts();
    // 12:00 UTC on the 21st: MAIN's and EAST's yesterday is the 20th.
    const at = Date.parse("2026-11-21T12:00:00.000Z");
    const days = async () =>
      (
        await env.DB.prepare(
          `SELECT r.store_id AS store, (SELECT COUNT(*) FROM daily_rollups u WHERE u.store_id = r.store_id AND u.date = r.date) AS rollups
           FROM daily_reports r WHERE r.date = '2026-11-20' ORDER BY r.store_id`,
        ).all()
      ).results;
    const first = await runDailyReport(guarded, at, 1);
    expect(first).toMatchObject({ reports: [{ store: "MAIN", date: "2026-11-20" }], left_for_next_run: 1 });
    expect(await days()).toEqual([{ store: MAIN_STORE.id, rollups: 1 }]);
    const second = await runDailyReport(guarded, at, 1);
    expect(second).toMatchObject({ reports: [{ store: "EAST", date: "2026-11-20" }], left_for_next_run: 0 });
    expect(await runDailyReport(guarded, at, 1)).toEqual({ reports: [], left_for_next_run: 0 });
    expect(await days()).toEqual([
      { store: MAIN_STORE.id, rollups: 1 },
      { store: SECOND_STORE.id, rollups: 1 },
    ]);
  });

  it("runs each cron twice for the same time and produces one report and one backup", async ({ expect }) => {
    await accounts();
    const at = Date.parse("2026-11-20T02:30:00.000Z");
    for (const cron of [CRON_DAILY_REPORT, CRON_DAILY_REPORT, CRON_BACKUP, CRON_BACKUP]) {
      const controller = createScheduledController({ scheduledTime: at, cron });
      const ctx = createExecutionContext();
      await worker.scheduled(controller, env, ctx);
      await waitOnExecutionContext(ctx);
    }
    // One report per store, each for its own yesterday (EAST's is the 18th: 21:30 on the 19th in New York).
    const reports = await env.DB.prepare(
      "SELECT store_id, date FROM daily_reports WHERE date IN ('2026-11-18', '2026-11-19') ORDER BY store_id",
    ).all();
    expect(reports.results).toEqual([
      { store_id: MAIN_STORE.id, date: "2026-11-19" },
      { store_id: SECOND_STORE.id, date: "2026-11-18" },
    ]);
    const manifests = await env.FILES.list({ prefix: "backups/2026-11-20T02-30/manifest" });
    expect(manifests.objects).toHaveLength(1);
  });

  it("has a job for every cron in wrangler.toml and fails on a schedule it does not know", async ({ expect }) => {
    const crons = /crons\s*=\s*\[([^\]]*)\]/
      .exec(wranglerToml)?.[1]
      ?.match(/"[^"]+"/g)
      ?.map((c) => c.slice(1, -1));
    expect(crons?.sort()).toEqual(Object.keys(CRON_JOBS).sort());
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "0 0 31 2 *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await expect(waitOnExecutionContext(ctx)).rejects.toThrow(/no job for cron/);
  });

  it("backs up every database under one manifest and restores each into an empty one with identical rows", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, {
      price: 4.5,
      stock_quantity: 30,
      description: 'Quotes "and" commas, ünïcode',
    });
    // MAIN: a sale through the API.
    const order = await expectJson<{ id: number; total: number }>(
      call("POST", "/api/v1/orders", {
        token: cashier.token,
        body: { order_items: [{ product_id: product.id, quantity: 3 }] },
      }),
      201,
    );
    await expectJson(
      call("POST", "/api/v1/payments", {
        token: cashier.token,
        body: { order_id: order.id, payment_method: "cash", amount: 20 },
      }),
      201,
    );
    // EAST: stock, an order with a line and a payment, in its own id range.
    const east = storeDb(SECOND_STORE.id);
    const next = await east
      .prepare("SELECT COALESCE(MAX(id), ?1) + 1 AS id FROM orders")
      .bind(SECOND_STORE.id * 2 ** 32)
      .first<{ id: number }>();
    const eastId = next?.id as number;
    const now = "2026-11-19T12:00:00.000Z";
    await east.batch([
      east
        .prepare("INSERT INTO stock_levels (product_id, quantity, min_stock_level, updated_at) VALUES (?1, 7, 2, ?2)")
        .bind(product.id, now),
      east
        .prepare(
          `INSERT INTO orders (id, order_number, user_id, status, subtotal, tax, discount, total, paid_amount, created_at, updated_at)
           VALUES (?1, 'ORD-EAST-20261119-0000BEEF', ?2, 'pending', 900, 0, 0, 900, 0, ?3, ?3)`,
        )
        .bind(eastId, cashier.id, now),
      east
        .prepare(
          `INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal)
           VALUES (?1, ?2, 'Ünïcode "name"', 'SKU-E', 2, 450, 0, 900)`,
        )
        .bind(eastId, product.id),
      east
        .prepare(
          `INSERT INTO payments (id, order_id, payment_method, status, amount, created_at, updated_at)
           VALUES ((SELECT COALESCE(MAX(id), ?3) + 1 FROM payments), ?1, 'cash', 'completed', 900, ?2, ?2)`,
        )
        .bind(eastId, now, SECOND_STORE.id * 2 ** 32),
    ]);

    const backup = await expectJson<{
      id: string;
      created: boolean;
      manifest: { tables: { table: string; rows: number }[] };
    }>(call("POST", "/api/v1/admin/backups", { token: admin.token }), 201);
    expect(backup.created).toBe(true);
    const listed = await expectJson<{ data: { id: string }[] }>(
      call("GET", "/api/v1/admin/backups", { token: admin.token }),
      200,
    );
    expect(listed.data.map((b) => b.id)).toContain(backup.id);

    // One manifest, every database: the head office and both stores, each file under the run's prefix.
    const manifest = await readManifest(env.FILES, backup.id);
    expect(manifest.databases.map((d) => [d.name, d.kind, d.store_code, d.binding])).toEqual([
      ["head-office", "head_office", null, "DB"],
      ["store-MAIN", "store", "MAIN", "STORE_MAIN"],
      ["store-EAST", "store", "EAST", "STORE_EAST"],
    ]);
    expect(manifest.tables.every((t) => t.key.startsWith(`backups/${backup.id}/${t.database}/`))).toBe(true);
    const rowsOf = (database: string, table: string) =>
      manifest.tables.find((t) => t.database === database && t.table === table)?.rows;
    const count = async (db: D1Database, table: string) =>
      (await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n;
    expect(rowsOf("store-MAIN", "orders")).toBe(await count(env.STORE_MAIN, "orders"));
    expect(rowsOf("store-EAST", "orders")).toBe(await count(env.STORE_EAST, "orders"));
    expect(rowsOf("store-EAST", "orders")).toBeGreaterThan(0);
    expect(rowsOf("head-office", "stores")).toBe(2);
    expect(rowsOf("head-office", "orders")).toBeUndefined();
    await verifyBackup(env.FILES, manifest);

    await applyD1Migrations(env.RESTORE_DB, env.TEST_MIGRATIONS);
    await applyD1Migrations(env.RESTORE_STORE_DB, env.TEST_STORE_MIGRATIONS);
    const targets = { "head-office": guardD1(env.RESTORE_DB), "store-EAST": guardD1(env.RESTORE_STORE_DB) };
    // Every database of the manifest needs a target: without one for MAIN nothing is written.
    await expect(restoreBackup(env.FILES, manifest, targets)).rejects.toThrow(
      "No target database for store-MAIN (backed up from binding STORE_MAIN)",
    );
    expect(await env.RESTORE_DB.prepare("SELECT COUNT(*) AS n FROM users").first()).toEqual({ n: 0 });

    // The test pool has two empty databases (vitest.config.ts): the head office, and EAST standing for
    // every store. Each store database is loaded by the same loop over the manifest (its files by
    // database name, tables by name), so a second store would only run it again.
    const loaded = await restoreBackup(env.FILES, manifest, targets, { only: ["head-office", "store-EAST"] });

    const digest = async (db: D1Database, table: string, where = "1") => {
      const { results } = await db.prepare(`SELECT * FROM "${table}" WHERE ${where} ORDER BY rowid`).all();
      const bytes = new TextEncoder().encode(JSON.stringify(results));
      return [
        results.length,
        [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
          .map((b) => b.toString(16).padStart(2, "0"))
          .join(""),
      ];
    };
    const compared: [database: string, restored: D1Database, source: D1Database][] = [
      ["head-office", env.RESTORE_DB, env.DB],
      ["store-EAST", env.RESTORE_STORE_DB, env.STORE_EAST],
    ];
    for (const [database, restored, source] of compared) {
      const files = manifest.tables.filter((t) => t.database === database);
      expect(files.length, database).toBeGreaterThan(5);
      for (const file of files) {
        expect(loaded[database]?.[file.table], `${database} ${file.table}`).toBe(file.rows);
        // The backup's own audit event is written once the backup is in R2: the backup cannot hold it.
        const asBackedUp = file.table === "audit_events" ? "action != 'backup.created'" : "1";
        expect(await digest(restored, file.table), `${database} ${file.table}`).toEqual(
          await digest(source, file.table, asBackedUp),
        );
      }
    }
    expect(manifest.tables.filter((t) => t.database === "head-office").map((t) => t.table)).toEqual(
      expect.arrayContaining(["products", "users", "stores", "customers", "audit_events", "audit_archive"]),
    );
    expect(rowsOf("head-office", "audit_events")).toBeGreaterThan(0);
    expect(rowsOf("store-EAST", "audit_archive")).toBe(1);
    expect(await count(env.DB, "audit_events")).toBe((rowsOf("head-office", "audit_events") ?? 0) + 1);
    expect(manifest.tables.filter((t) => t.database === "store-EAST").map((t) => t.table)).toEqual(
      expect.arrayContaining(["orders", "order_items", "payments", "stock_levels", "outbox"]),
    );
    expect(await env.RESTORE_STORE_DB.prepare("SELECT product_name FROM order_items").first()).toEqual({
      product_name: 'Ünïcode "name"',
    });
    // The restored catalog is searchable: the FTS index was rebuilt by its triggers.
    const found = await env.RESTORE_DB.prepare(
      "SELECT rowid FROM products_fts WHERE products_fts MATCH 'quotes'",
    ).all();
    expect(found.results).toHaveLength(1);
    // A target that is no longer empty is refused.
    await expect(restoreBackup(env.FILES, manifest, targets, { only: ["store-EAST"] })).rejects.toThrow(
      "The target for store-EAST is not empty",
    );

    // A tampered file fails verification.
    const victim = manifest.tables.find((t) => t.database === "store-EAST" && t.rows > 0);
    await env.FILES.put(victim?.key ?? "", "tampered");
    await expect(verifyBackup(env.FILES, manifest)).rejects.toThrow(/mismatch/);
    expect(
      await runBackup(guarded, new Date(Date.parse(`${backup.id.replace(/T(\d\d)-(\d\d)$/, "T$1:$2")}:00.000Z`))),
    ).toMatchObject({ created: false });
  });
});
