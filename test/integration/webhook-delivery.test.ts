/**
 * Webhook delivery (README "Webhooks"): the queue consumer against the real
 * receiver Worker of vitest.config.ts, which verifies every signature
 * itself. A fixed clock (2031, so the real queue's consumer, running on
 * today's clock, never finds these deliveries due) drives the backoff
 * schedule to the dead-letter queue past three days; every retry carries
 * the same webhook-id; a delivery whose enqueue was lost, or whose attempt
 * died, is sent by the sweep; an endpoint failing for days is disabled and
 * the admins are emailed; redirects are failures and answers are read only
 * so far; and an order paid at a till reaches the receiver, signed.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src";
import type { Bindings } from "../../src/env";
import { recordEventStatements } from "../../src/events/record";
import type { EventType } from "../../src/events/types";
import { CRON_JOBS, CRON_OUTBOX_SWEEP } from "../../src/jobs/crons";
import type { EmailMessage } from "../../src/jobs/email-messages";
import { renderEmail } from "../../src/jobs/email-render";
import { guardEnv } from "../../src/lib/d1-guard";
import { RETRY_DELAYS_SECONDS } from "../../src/webhooks/backoff";
import { attemptDelivery, handleWebhookBatch } from "../../src/webhooks/deliver";
import { sweepWebhookDeliveries } from "../../src/webhooks/sweep";
import { type Accounts, accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { pay, sale } from "../helpers/money";
import { settleStoreEvents } from "../helpers/outbox";
import { MAIN_STORE } from "../helpers/stores";
import {
  deliveriesOf,
  deliveryRow,
  type EndpointOut,
  freshPath,
  RECEIVER_ORIGIN,
  receivedAt,
  receiverEndpoint,
  receiverKnows,
} from "../helpers/webhooks";

let a: Accounts;
beforeAll(async () => {
  a = await accounts();
});

/** Far from today: the real queue's consumer (today's clock) never finds these deliveries due. */
const T0 = new Date("2031-03-01T09:00:00.000Z");
const HOUR = 3600_000;

interface Sent {
  body: unknown;
  delaySeconds?: number;
}

/**
 * The Worker's env with its queues replaced by recorders (what was enqueued,
 * with which delay) and settings overridden; D1 guarded as in the Worker.
 */
function recordingEnv(settings: Record<string, string> = {}) {
  const webhooks: Sent[] = [];
  const dead: unknown[] = [];
  const emails: EmailMessage[] = [];
  const queue = (into: Sent[]) => ({
    send: async (body: unknown, options?: { delaySeconds?: number }) => {
      into.push({ body, ...(options?.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) });
    },
    sendBatch: async (messages: Iterable<{ body: unknown; delaySeconds?: number }>) => {
      for (const m of messages)
        into.push({ body: m.body, ...(m.delaySeconds ? { delaySeconds: m.delaySeconds } : {}) });
    },
  });
  const emailSent: Sent[] = [];
  const replaced = guardEnv({
    ...env,
    ...settings,
    WEBHOOKS_QUEUE: queue(webhooks),
    WEBHOOKS_DEAD_LETTER_QUEUE: { send: async (body: unknown) => void dead.push(body) },
    EMAIL_QUEUE: queue(emailSent),
  } as unknown as Bindings);
  return {
    env: replaced,
    webhooks,
    dead,
    emails: () => emailSent.map((m) => m.body as EmailMessage).concat(emails),
  };
}

let eventCount = 0;
/** Records a feed event (as the head office does) at `at`, without enqueueing anything; its id. */
async function recordEvent(at: Date, type: EventType = "order.completed", object: Record<string, unknown> = {}) {
  const key = `test:${type}:${++eventCount}:${at.getTime()}`;
  await env.DB.batch(
    recordEventStatements(
      env.DB,
      {
        key,
        type,
        storeId: MAIN_STORE.id,
        resourceType: "order",
        resourceId: 1000 + eventCount,
        resourceVersion: null,
        payload: { id: 1000 + eventCount, ...object },
        occurredAt: at.toISOString(),
      },
      at.toISOString(),
    ),
  );
  const row = await env.DB.prepare("SELECT id FROM events WHERE event_key = ?1").bind(key).first<{ id: number }>();
  if (!row) throw new Error("event not recorded");
  return row.id;
}

/** The delivery of event `eventId` to `endpoint`. */
async function deliveryOf(endpoint: { id: number }, eventId: number): Promise<number> {
  const found = (await deliveriesOf(endpoint.id)).find((d) => d.event_id === eventId);
  if (!found) throw new Error(`no delivery of event ${eventId} to endpoint ${endpoint.id}`);
  return found.id;
}

const at = (date: Date) => ({ now: () => date, fetch: (request: Request) => fetch(request) });

/** An endpoint at the receiver that answers `status` to every webhook (its secret known to the receiver). */
async function failingEndpoint(label: string, status: number, types: string[] = ["*"]) {
  const base = freshPath(label);
  const path = `${base}/status/${status}`;
  const endpoint = await receiverEndpoint(a.admin.token, path, types);
  return { endpoint, path };
}

/** Deactivates every endpoint but `keep`: events recorded by one test then reach only its own. */
async function onlyEndpoint(keep: number) {
  await env.DB.prepare("UPDATE webhook_endpoints SET is_active = 0 WHERE id <> ?1").bind(keep).run();
}

describe("the backoff schedule under a fixed clock", () => {
  it("retries with the same webhook-id at 1m, 5m, 30m, 2h, 5h, 10h, then every 12h, and is dead past three days", async () => {
    const { endpoint, path } = await failingEndpoint("backoff", 503);
    await onlyEndpoint(endpoint.id);
    // Disabling (72 h of failures) is another test's subject: pushed out of the way here.
    const rec = recordingEnv({ WEBHOOK_DISABLE_AFTER_HOURS: "1000" });
    const eventId = await recordEvent(T0);
    const id = await deliveryOf(endpoint, eventId);

    let clock = T0;
    const delays: number[] = [];
    for (let attempt = 1; ; attempt++) {
      const outcome = await attemptDelivery(rec.env, id, at(clock));
      const row = await deliveryRow(id);
      expect(row.attempts).toBe(attempt);
      expect(row.last_status_code).toBe(503);
      expect(row.last_response_excerpt).toBe("receiver says 503");
      if (outcome.kind === "dead") break;
      expect(outcome.kind).toBe("retry");
      if (outcome.kind !== "retry") return;
      delays.push(outcome.delaySeconds);
      const next = new Date(clock.getTime() + outcome.delaySeconds * 1000);
      expect(row).toMatchObject({ status: "pending", next_attempt_at: next.toISOString(), lease_until: null });
      // Re-enqueued with that delay (at most Queues' 12 hours).
      expect(rec.webhooks.at(-1)).toEqual({ body: { delivery_id: id }, delaySeconds: outcome.delaySeconds });
      // The same message again, or one arriving early: not due, nothing sent.
      expect((await attemptDelivery(rec.env, id, at(new Date(next.getTime() - 60_000)))).kind).toBe("not_claimed");
      clock = next;
    }
    expect(delays).toEqual(RETRY_DELAYS_SECONDS);
    expect(clock.getTime() - T0.getTime()).toBeGreaterThanOrEqual(72 * HOUR);
    expect(await deliveryRow(id)).toMatchObject({ status: "dead", attempts: 12, lease_until: null });
    expect(rec.dead).toEqual([{ delivery_id: id }]);

    // Twelve requests, each verified by the receiver, all with the event's webhook-id.
    const got = await receivedAt(path);
    expect(got).toHaveLength(12);
    expect(new Set(got.map((r) => r.webhook_id))).toEqual(new Set([`msg_${eventId}`]));
    expect(got.every((r) => r.verified)).toBe(true);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(got.map((r) => Number(r.timestamp))).toEqual(
      [0, ...delays].map((_, i) =>
        Math.floor((T0.getTime() + delays.slice(0, i).reduce((s, d) => s + d * 1000, 0)) / 1000),
      ),
    );
    // Dead: a later message does nothing.
    expect((await attemptDelivery(rec.env, id, at(new Date(clock.getTime() + 100 * HOUR)))).kind).toBe("not_claimed");
  });

  it("the dead-letter queue's consumer marks a delivery dead, and leaves a delivered one and one being sent alone", async () => {
    const path = freshPath("dlq");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const pendingId = await deliveryOf(endpoint, await recordEvent(T0));
    const deliveredId = await deliveryOf(endpoint, await recordEvent(T0));
    expect((await attemptDelivery(guardEnv(env), deliveredId, at(T0))).kind).toBe("delivered");
    // Another consumer holds this one under a lease that has not run out: its outcome is that consumer's to record.
    const sendingId = await deliveryOf(endpoint, await recordEvent(T0));
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'sending', lease_until = ?2 WHERE id = ?1")
      .bind(sendingId, new Date(Date.now() + 60_000).toISOString())
      .run();
    const batch = createMessageBatch<unknown>("pos-webhooks-dlq", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { delivery_id: pendingId } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { delivery_id: deliveredId } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { delivery_id: sendingId } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    expect(await deliveryRow(pendingId)).toMatchObject({ status: "dead", last_error: "dead-letter queue" });
    expect((await deliveryRow(deliveredId)).status).toBe("delivered");
    expect((await deliveryRow(sendingId)).status).toBe("sending");
    // Not left for the sweep tests below to take back.
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'dead' WHERE id = ?1").bind(sendingId).run();
  });
});

describe("a consumer that fails", () => {
  it("hands the message back to the queue with a growing delay, and the delivery waits for it", async () => {
    const endpoint = await receiverEndpoint(a.admin.token, freshPath("consumer-fails"));
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    // The head office cannot be read: the attempt throws before it claims anything.
    const unreachable = new Proxy(env.DB, {
      get: (target, prop) =>
        prop === "prepare" || prop === "batch"
          ? () => {
              throw new Error("D1 is unavailable");
            }
          : Reflect.get(target, prop),
    });
    // A batch of our own: the test harness's batch does not record a retry's delay.
    const handed: { id: string; outcome: string; delaySeconds?: number | undefined }[] = [];
    const message = (msgId: string, attempts: number) => ({
      id: msgId,
      timestamp: new Date(),
      attempts,
      body: { delivery_id: id },
      ack: () => handed.push({ id: msgId, outcome: "ack" }),
      retry: (options?: QueueRetryOptions) =>
        handed.push({ id: msgId, outcome: "retry", delaySeconds: options?.delaySeconds }),
    });
    const batch = { queue: "pos-webhooks", messages: [message("f1", 1), message("f2", 4)] };
    await handleWebhookBatch(
      batch as unknown as MessageBatch<unknown>,
      { ...env, DB: unreachable } as Bindings,
      at(T0),
    );
    expect(handed.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: "f1", outcome: "retry", delaySeconds: 10 },
      { id: "f2", outcome: "retry", delaySeconds: 80 },
    ]);
    expect(await deliveryRow(id)).toMatchObject({ status: "pending", attempts: 0 });
    // Not left for the sweep tests below to find.
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'dead' WHERE id = ?1").bind(id).run();
  });
});

describe("the same webhook-id", () => {
  it("on a retry after a failure and on a redelivery after success", async () => {
    const path = freshPath("same-id");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const eventId = await recordEvent(T0);
    const id = await deliveryOf(endpoint, eventId);
    // First attempt: the receiver is "down" (a fetch that fails), then the retry goes through.
    const down = { now: () => T0, fetch: async () => Promise.reject(new Error("connection refused")) };
    const rec = recordingEnv();
    const failed = await attemptDelivery(rec.env, id, down);
    expect(failed.kind).toBe("retry");
    expect(await deliveryRow(id)).toMatchObject({ status: "pending", last_status_code: null });
    expect((await deliveryRow(id)).last_error).toMatch(/connection refused/);
    const retryAt = new Date(T0.getTime() + 60_000);
    expect((await attemptDelivery(rec.env, id, at(retryAt))).kind).toBe("delivered");
    expect(await deliveryRow(id)).toMatchObject({ status: "delivered", attempts: 2, last_status_code: 200 });

    const redelivered = await expectJson<{ status: string; webhook_id: string; attempts: number }>(
      call("POST", `/api/v1/webhook-deliveries/${id}/redeliver`, { token: a.admin.token }),
      202,
    );
    expect(redelivered).toMatchObject({ webhook_id: `msg_${eventId}`, attempts: 0 });
    // The redelivery's message goes to the real queue; whichever consumer claims it first sends it, once.
    await attemptDelivery(guardEnv(env), id);
    await vi.waitFor(async () => expect((await deliveryRow(id)).status).toBe("delivered"), { timeout: 15_000 });
    const got = await receivedAt(path);
    expect(got.map((r) => r.webhook_id)).toEqual([`msg_${eventId}`, `msg_${eventId}`]);
    expect(got.every((r) => r.verified)).toBe(true);
  });
});

describe("duplicate messages", () => {
  it("send a delivery once: the claim lets one of them through, in one batch or later", async () => {
    const path = freshPath("duplicates");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(new Date()));
    const message = (n: number) => ({ id: `d${n}`, timestamp: new Date(), attempts: 1, body: { delivery_id: id } });
    const batch = createMessageBatch<unknown>("pos-webhooks", [message(1), message(2), message(3)]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["d1", "d2", "d3"]);
    const again = createMessageBatch<unknown>("pos-webhooks", [message(4), { ...message(5), body: { nonsense: 1 } }]);
    await worker.queue(again, env);
    expect((await getQueueResult(again, createExecutionContext())).explicitAcks.sort()).toEqual(["d4", "d5"]);
    expect(await deliveryRow(id)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await receivedAt(path)).toHaveLength(1);
  });
});

describe("the sweep", () => {
  it("sends a delivery whose enqueue never happened (a crash after the commit), through the real queue", async () => {
    const path = freshPath("sweep");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    // Committed ten minutes ago, never enqueued.
    const eventId = await recordEvent(new Date(Date.now() - 10 * 60_000));
    const id = await deliveryOf(endpoint, eventId);
    expect((await deliveryRow(id)).status).toBe("pending");
    // A delivery just recorded is not the sweep's: its own enqueue is on its way.
    const fresh = await deliveryOf(endpoint, await recordEvent(new Date()));

    const result = await CRON_JOBS[CRON_OUTBOX_SWEEP]?.(guardEnv(env), Date.now());
    expect(result?.webhooks).toMatchObject({ overdue: 1, reclaimed: 0 });
    await vi.waitFor(async () => expect((await deliveryRow(id)).status).toBe("delivered"), { timeout: 20_000 });
    const got = await receivedAt(path);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ webhook_id: `msg_${eventId}`, verified: true });
    expect((await deliveryRow(fresh)).status).toBe("pending");
  });

  it("takes back a delivery whose attempt died mid-send (lease expired) and sends it", async () => {
    const path = freshPath("lease");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    // Claimed by a consumer that then died: sending, lease over.
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'sending', attempts = 1, lease_until = ?2 WHERE id = ?1",
    )
      .bind(id, new Date(T0.getTime() + 2 * 60_000).toISOString())
      .run();
    const rec = recordingEnv();
    // Within the lease: left alone. (Other tests' pending deliveries, on today's clock, are overdue in 2031.)
    expect((await sweepWebhookDeliveries(rec.env, new Date(T0.getTime() + 60_000))).reclaimed).toBe(0);
    expect(rec.webhooks).not.toContainEqual({ body: { delivery_id: id } });
    const later = new Date(T0.getTime() + 5 * 60_000);
    expect((await sweepWebhookDeliveries(rec.env, later)).reclaimed).toBe(1);
    expect(rec.webhooks).toContainEqual({ body: { delivery_id: id } });
    expect(await deliveryRow(id)).toMatchObject({ status: "pending", next_attempt_at: later.toISOString() });
    expect((await attemptDelivery(rec.env, id, at(later))).kind).toBe("delivered");
    expect(await deliveryRow(id)).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("endpoint health", () => {
  it("disables an endpoint failing for 72 hours, kills its pending deliveries and emails the admins", async () => {
    const { endpoint, path } = await failingEndpoint("disable", 500);
    await onlyEndpoint(endpoint.id);
    const rec = recordingEnv();
    const first = await deliveryOf(endpoint, await recordEvent(T0));
    const second = await deliveryOf(endpoint, await recordEvent(T0));
    const third = await deliveryOf(endpoint, await recordEvent(T0));

    expect((await attemptDelivery(rec.env, first, at(T0))).kind).toBe("retry");
    const row = async () =>
      env.DB.prepare(
        "SELECT is_active, failing_since, disabled_at, disabled_reason FROM webhook_endpoints WHERE id = ?1",
      )
        .bind(endpoint.id)
        .first<{
          is_active: number;
          failing_since: string | null;
          disabled_at: string | null;
          disabled_reason: string | null;
        }>();
    expect(await row()).toMatchObject({ is_active: 1, failing_since: T0.toISOString(), disabled_at: null });
    // 71 hours on, still failing: not yet.
    expect((await attemptDelivery(rec.env, second, at(new Date(T0.getTime() + 71 * HOUR)))).kind).toBe("retry");
    expect((await row())?.is_active).toBe(1);
    expect(rec.emails()).toEqual([]);

    const later = new Date(T0.getTime() + 73 * HOUR);
    const outcome = await attemptDelivery(rec.env, third, at(later));
    expect(outcome).toMatchObject({ kind: "dead", endpointDisabled: true });
    expect(await row()).toMatchObject({
      is_active: 0,
      failing_since: T0.toISOString(),
      disabled_at: later.toISOString(),
      disabled_reason: "every delivery failed for 72 hours",
    });
    for (const id of [first, second, third]) expect((await deliveryRow(id)).status).toBe("dead");
    // Nothing more is sent to it: its deliveries are dead, and a stray message finds nothing due.
    expect((await attemptDelivery(rec.env, first, at(new Date(later.getTime() + HOUR)))).kind).toBe("not_claimed");
    expect(await receivedAt(path)).toHaveLength(3);

    const admins = (
      await env.DB.prepare("SELECT email FROM users WHERE role = 'admin' AND is_active = 1").all<{ email: string }>()
    ).results.map((u) => u.email);
    expect(admins).toContain("admin@example.com");
    const emails = rec.emails();
    expect(emails.map((m) => m.to).sort()).toEqual(admins.sort());
    expect(emails[0]).toMatchObject({
      kind: "webhook_disabled",
      data: { endpoint_id: endpoint.id, url: `${RECEIVER_ORIGIN}${path}`, failing_since: T0.toISOString() },
    });
    const rendered = await renderEmail(env, emails[0] as EmailMessage);
    expect(rendered.subject).toBe(`Webhook endpoint disabled: ${RECEIVER_ORIGIN}${path}`);
    expect(rendered.text).toContain(`failed every delivery since ${T0.toISOString()}`);
    const audit = await env.DB.prepare(
      "SELECT action, actor_user_id, after FROM audit_events WHERE entity_type = 'webhook_endpoint' AND entity_id = ?1 AND action = 'webhook_endpoint.disabled'",
    )
      .bind(endpoint.id)
      .all();
    expect(audit.results).toEqual([
      {
        action: "webhook_endpoint.disabled",
        actor_user_id: null,
        after: JSON.stringify({ is_active: false, disabled_reason: "every delivery failed for 72 hours" }),
      },
    ]);

    // Re-activated by an admin: the marks are cleared, and a missed delivery can be sent again.
    const back = await expectJson<EndpointOut>(
      call("PUT", `/api/v1/webhook-endpoints/${endpoint.id}`, { token: a.admin.token, body: { is_active: true } }),
      200,
    );
    expect(back).toMatchObject({ is_active: true, failing_since: null, disabled_at: null, disabled_reason: null });
    await expectJson(call("POST", `/api/v1/webhook-deliveries/${third}/redeliver`, { token: a.admin.token }), 202);
  });

  it("a success clears failing_since; an inactive endpoint's deliveries are never attempted", async () => {
    const path = freshPath("health");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ?2 WHERE id = ?1")
      .bind(endpoint.id, T0.toISOString())
      .run();
    const ok = await deliveryOf(endpoint, await recordEvent(T0));
    expect((await attemptDelivery(guardEnv(env), ok, at(T0))).kind).toBe("delivered");
    const failingSince = await env.DB.prepare("SELECT failing_since FROM webhook_endpoints WHERE id = ?1")
      .bind(endpoint.id)
      .first<{ failing_since: string | null }>();
    expect(failingSince?.failing_since).toBeNull();

    const waiting = await deliveryOf(endpoint, await recordEvent(T0));
    await expectJson(
      call("PUT", `/api/v1/webhook-endpoints/${endpoint.id}`, { token: a.admin.token, body: { is_active: false } }),
      200,
    );
    expect(await attemptDelivery(guardEnv(env), waiting, at(T0))).toEqual({
      kind: "skipped",
      reason: "endpoint inactive",
    });
    expect(await deliveryRow(waiting)).toMatchObject({ status: "dead", last_error: "endpoint inactive" });
    expect(await receivedAt(path)).toHaveLength(1);
    // Redelivering to an inactive endpoint is refused.
    const refused = await call("POST", `/api/v1/webhook-deliveries/${waiting}/redeliver`, { token: a.admin.token });
    expect(refused.status).toBe(409);
  });
});

describe("outbound safety while sending", () => {
  it("treats a redirect as a failure and does not follow it", async () => {
    const { endpoint, path } = await (async () => {
      const base = freshPath("redirect");
      const p = `${base}/redirect`;
      return { endpoint: await receiverEndpoint(a.admin.token, p), path: p };
    })();
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    expect((await attemptDelivery(recordingEnv().env, id, at(T0))).kind).toBe("retry");
    expect(await deliveryRow(id)).toMatchObject({
      status: "pending",
      last_status_code: 302,
      last_error: "redirect (302) not followed to https://elsewhere.example.net/hook",
    });
    expect(await receivedAt(path)).toHaveLength(1);
    expect(await receivedAt("/hook")).toHaveLength(0);
  });

  it("reads at most 1 KB of an answer", async () => {
    const path = `${freshPath("big")}/big`;
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    expect((await attemptDelivery(guardEnv(env), id, at(T0))).kind).toBe("delivered");
    expect((await deliveryRow(id)).last_response_excerpt).toBe("x".repeat(1024));
  });

  it("gives up on a receiver after 10 seconds", async () => {
    const path = freshPath("slow");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    // A receiver that never answers: only the request's own timeout ends the wait.
    const hang = (request: Request) =>
      new Promise<Response>((_, reject) =>
        request.signal.addEventListener("abort", () => reject(request.signal.reason)),
      );
    const started = Date.now();
    const outcome = await attemptDelivery(recordingEnv().env, id, { now: () => T0, fetch: hang });
    expect(outcome.kind).toBe("retry");
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
    expect((await deliveryRow(id)).last_error).toBe("no answer within 10 seconds");
  }, 30_000);

  it("checks the target again before each send", async () => {
    const path = freshPath("recheck");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await onlyEndpoint(endpoint.id);
    const id = await deliveryOf(endpoint, await recordEvent(T0));
    // A URL that became unsafe behind the API's back (its checks refuse it on create and update).
    await env.DB.prepare("UPDATE webhook_endpoints SET url = 'https://169.254.169.254/latest' WHERE id = ?1")
      .bind(endpoint.id)
      .run();
    expect((await attemptDelivery(recordingEnv().env, id, at(T0))).kind).toBe("retry");
    expect((await deliveryRow(id)).last_error).toMatch(/^target refused: URL must not target link-local/);
    expect(await receivedAt(path)).toHaveLength(0);
  });
});

describe("end to end", () => {
  it("an order paid at the till reaches the receiver as order.completed, signed and verified", async () => {
    const path = freshPath("orders");
    const endpoint = await receiverEndpoint(a.admin.token, path, ["order.completed"]);
    await onlyEndpoint(endpoint.id);
    const product = await createProduct(a.admin.token, { price: 25, stock_quantity: 10 });
    const order = await sale(a.cashier.token, [{ product_id: product.id, quantity: 2 }]);
    const paid = await pay(a.cashier.token, { order_id: order.id, payment_method: "cash", amount: 50 });
    expect(paid.status).toBe(201);

    // The store's outbox reaches the head office, which records the event and its delivery.
    await settleStoreEvents();
    const event = await env.DB.prepare(
      "SELECT id, resource_id FROM events WHERE type = 'order.completed' AND resource_id = ?1",
    )
      .bind(order.id)
      .first<{ id: number; resource_id: number }>();
    expect(event?.resource_id).toBe(order.id);
    const id = await deliveryOf(endpoint, event?.id ?? 0);

    // The webhooks queue's consumer, through the Worker's queue handler (the real queue may get there first).
    const batch = createMessageBatch<unknown>("pos-webhooks", [
      { id: "w1", timestamp: new Date(), attempts: 1, body: { delivery_id: id } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["w1"]);
    await vi.waitFor(async () => expect((await deliveryRow(id)).status).toBe("delivered"), { timeout: 15_000 });

    const got = await receivedAt(path);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ webhook_id: `msg_${event?.id}`, verified: true, content_type: "application/json" });
    const body = JSON.parse(got[0]?.body ?? "{}");
    expect(body).toMatchObject({
      type: "order.completed",
      data: {
        event_id: event?.id,
        store_id: MAIN_STORE.id,
        resource_type: "order",
        resource_id: order.id,
        object: { id: order.id, order_number: order.order_number, status: "completed", total: 50 },
      },
    });
    expect(Math.abs(Number(got[0]?.timestamp) * 1000 - Date.now())).toBeLessThan(5 * 60_000);
    expect(typeof body.timestamp).toBe("string");
  });

  it("the receiver verifies nothing it has no secret for (the check can fail)", async () => {
    const path = freshPath("unknown-secret");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    await receiverKnows(path, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    await expectJson(call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/test`, { token: a.admin.token }), 200);
    expect((await receivedAt(path))[0]).toMatchObject({ verified: false, matched: 0 });
  });
});
