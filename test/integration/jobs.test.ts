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
          .bind(`low_stock:${product.id}:%`)
          .first<{ n: number }>()
      )?.n;
    await expect.poll(count, { timeout: 20_000, interval: 250 }).toBe(managers?.n);
    // Three sales took it to or below the minimum; each alert still exists once.
    const outbox = await env.FILES.list({ prefix: `outbox/${encodeURIComponent(`low_stock:${product.id}:`)}` });
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
    await notifyLowStock(capture, [above.id]);
    expect(sent).toEqual([]);
    await notifyLowStock(capture, [above.id, at.id]);
    const managers = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM users WHERE is_active = 1 AND role IN ('admin', 'manager')",
    ).first<{ n: number }>();
    expect(sent).toHaveLength(managers?.n ?? -1);
    expect(sent.every((m) => m.kind === "low_stock" && m.dedupe_key.startsWith(`low_stock:${at.id}:`))).toBe(true);
  });
});

describe("cron jobs", () => {
  it("stores the daily report once, with the fixture's numbers, on the right local day", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const p = await createProduct((await accounts()).admin.token, { price: 1, stock_quantity: 100 });
    // 23:30 on 9 November in New York is 04:30 UTC on the 10th.
    const insert = (n: string, at: string, total: number, status: string) =>
      env.DB.prepare(
        `INSERT INTO orders (order_number, user_id, status, subtotal, tax, discount, total, paid_amount, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 0, 0, ?4, ?5, ?6, ?6)`,
      )
        .bind(n, cashier.id, status, total, status === "completed" ? total : 0, at)
        .run();
    await insert("DR-1", "2026-11-10T04:30:00.000Z", 2500, "completed");
    await insert("DR-2", "2026-11-10T05:30:00.000Z", 9900, "completed");
    await insert("DR-3", "2026-11-09T15:00:00.000Z", 700, "pending");
    await env.DB.prepare(
      "INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, discount, subtotal) SELECT id, ?1, 'P', 'P', 25, 100, 0, 2500 FROM orders WHERE order_number = 'DR-1'",
    )
      .bind(p.id)
      .run();
    const nyEnv = { ...guarded, STORE_TIMEZONE: "America/New_York" };
    const scheduled = Date.parse("2026-11-10T10:00:00.000Z");
    // A run that fails after claiming the day gives it back; the next one does it all.
    const failingQueue = {
      ...nyEnv,
      EMAIL_QUEUE: { sendBatch: async () => Promise.reject(new Error("queue down")) } as unknown as Queue,
    };
    await expect(runDailyReport(failingQueue, scheduled)).rejects.toThrow("queue down");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM daily_reports").first()).toEqual({ n: 0 });
    expect(await runDailyReport(nyEnv, scheduled)).toEqual({ date: "2026-11-09", created: true });
    expect(await runDailyReport(nyEnv, scheduled)).toEqual({ date: "2026-11-09", created: false });
    const emailed = await env.DB.prepare("SELECT emailed FROM daily_reports WHERE date = '2026-11-09'").first();
    expect(emailed).toEqual({ emailed: 2 }); // the admin and the manager
    const mail = `outbox/${encodeURIComponent(`daily_report:2026-11-09:${manager.id}`)}.json`;
    await expect.poll(async () => (await env.FILES.head(mail)) !== null, { timeout: 20_000, interval: 250 }).toBe(true);

    const stored = await expectJson<{
      data: { summary: Record<string, number>; top_products: { units_sold: number }[] };
    }>(call("GET", "/api/v1/reports/daily/2026-11-09", { token: manager.token }), 200);
    expect(stored.data.summary).toMatchObject({
      total_orders: 2,
      completed_orders: 1,
      total_sales: 25,
      pending_amount: 7,
    });
    expect(stored.data.top_products[0]?.units_sold).toBe(25);
    expect(await env.FILES.head("reports/daily/2026-11-09.json")).not.toBeNull();
    const list = await expectJson<{ total: number }>(
      call("GET", "/api/v1/reports/daily", { token: manager.token }),
      200,
    );
    expect(list.total).toBe(1);
    expect((await call("GET", "/api/v1/reports/daily/2026-11-08", { token: manager.token })).status).toBe(404);
    expect((await call("GET", "/api/v1/reports/daily/2026-11-09", { token: cashier.token })).status).toBe(403);
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
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM daily_reports WHERE date = '2026-11-19'").first()).toEqual({
      n: 1,
    });
    const manifests = await env.FILES.list({ prefix: "backups/2026-11-20T02-30/manifest" });
    expect(manifests.objects).toHaveLength(1);
  });

  it("has a job for every cron in wrangler.toml and fails on a schedule it does not know", async ({ expect }) => {
    const crons = /crons\s*=\s*\[([^\]]*)\]/
      .exec(wranglerToml)?.[1]
      ?.match(/"[^"]+"/g)
      ?.map((c) => c.slice(1, -1));
    expect(crons?.sort()).toEqual(Object.keys(CRON_JOBS).sort());
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await expect(waitOnExecutionContext(ctx)).rejects.toThrow(/no job for cron/);
  });

  it("restores a backup into an empty database with identical rows", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const product = await createProduct(admin.token, {
      price: 4.5,
      stock_quantity: 30,
      description: 'Quotes "and" commas, ünïcode',
    });
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

    const manifest = await readManifest(env.FILES, backup.id);
    await verifyBackup(env.FILES, manifest);
    await applyD1Migrations(env.RESTORE_DB, env.TEST_MIGRATIONS);
    const loaded = await restoreBackup(env.FILES, guardD1(env.RESTORE_DB), manifest);

    const digest = async (db: D1Database, table: string) => {
      const { results } = await db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all();
      const bytes = new TextEncoder().encode(JSON.stringify(results));
      return [
        results.length,
        [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
          .map((b) => b.toString(16).padStart(2, "0"))
          .join(""),
      ];
    };
    for (const file of manifest.tables) {
      expect(loaded[file.table], file.table).toBe(file.rows);
      expect(await digest(env.RESTORE_DB, file.table), file.table).toEqual(await digest(env.DB, file.table));
    }
    expect(manifest.tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(["orders", "order_items", "payments", "products", "users"]),
    );
    // The restored catalog is searchable: the FTS index was rebuilt by its triggers.
    const found = await env.RESTORE_DB.prepare(
      "SELECT rowid FROM products_fts WHERE products_fts MATCH 'quotes'",
    ).all();
    expect(found.results).toHaveLength(1);

    // A tampered file fails verification.
    const victim = manifest.tables.find((t) => t.rows > 0);
    await env.FILES.put(victim?.key ?? "", "tampered");
    await expect(verifyBackup(env.FILES, manifest)).rejects.toThrow(/mismatch/);
    expect(
      await runBackup(guarded, new Date(Date.parse(`${backup.id.replace(/T(\d\d)-(\d\d)$/, "T$1:$2")}:00.000Z`))),
    ).toMatchObject({ created: false });
  });
});
