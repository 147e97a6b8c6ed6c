/**
 * Webhook endpoints through the API (README "Webhooks"): admin only; the
 * secret shown once; unsafe URLs refused with the rule; versioned updates;
 * re-activation clears the failure marks; rotation with a grace period that
 * signs with both secrets; the test event sent right away to the real
 * receiver Worker (vitest.config.ts), which verifies its signature; deletion;
 * one audit event per write, never the secret.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordEventStatements } from "../../src/events/record";
import { type Accounts, accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { type EndpointOut, freshPath, RECEIVER_ORIGIN, receivedAt, receiverEndpoint } from "../helpers/webhooks";

let a: Accounts;
beforeAll(async () => {
  a = await accounts();
});

const auditOf = async (entityId: number) =>
  (
    await env.DB.prepare(
      "SELECT action, actor_user_id, before, after FROM audit_events WHERE entity_type = 'webhook_endpoint' AND entity_id = ?1 ORDER BY id",
    )
      .bind(entityId)
      .all<{ action: string; actor_user_id: number | null; before: string | null; after: string | null }>()
  ).results;

describe("webhook endpoints", () => {
  it("sends a signed test event to the receiver, which verifies it", async () => {
    const path = freshPath("test-event");
    const endpoint = await receiverEndpoint(a.admin.token, path, ["order.completed"]);
    const result = await expectJson<{ ok: boolean; status_code: number; webhook_id: string; response_excerpt: string }>(
      call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/test`, { token: a.admin.token }),
      200,
    );
    expect(result).toMatchObject({ ok: true, status_code: 200 });
    const got = await receivedAt(path);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ webhook_id: result.webhook_id, verified: true, signatures: 1 });
    expect(JSON.parse(got[0]?.body ?? "{}")).toMatchObject({
      type: "webhook.test",
      data: { endpoint_id: endpoint.id },
    });
    expect(RECEIVER_ORIGIN).toBe("https://hooks.example.com");
    const audit = await auditOf(endpoint.id);
    expect(audit.map((e) => e.action)).toEqual(["webhook_endpoint.created", "webhook_endpoint.tested"]);
    expect(JSON.stringify(audit)).not.toContain(endpoint.secret.slice(6));
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'webhook.test'").first<{
      n: number;
    }>();
    expect(events?.n).toBe(0);
    const listed = await expectJson<{ data: EndpointOut[] }>(
      call("GET", "/api/v1/webhook-endpoints", { token: a.admin.token }),
      200,
    );
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);
  });

  it("are admin only", async () => {
    for (const who of [a.manager, a.cashier, a.inventory_officer]) {
      expect((await call("GET", "/api/v1/webhook-endpoints", { token: who.token })).status).toBe(403);
      const post = await call("POST", "/api/v1/webhook-endpoints", {
        token: who.token,
        body: { url: "https://hooks.example.com/x", event_types: ["*"] },
      });
      expect(post.status).toBe(403);
      expect((await call("GET", "/api/v1/webhook-deliveries", { token: who.token })).status).toBe(403);
    }
    expect((await call("GET", "/api/v1/webhook-endpoints")).status).toBe(401);
  });

  it.each([
    ["http://hooks.example.com/x", /must use https/],
    ["https://10.0.0.7/hooks", /private \(10\.0\.0\.0\/8\)/],
    ["https://169.254.169.254/latest/meta-data", /link-local/],
    ["https://[::ffff:192.168.0.1]/x", /IPv4 inside IPv6: private/],
    ["https://localhost/x", /localhost/],
    ["https://svc.internal/x", /\.internal/],
    ["https://user:secret@hooks.example.com/x", /credentials/],
  ])("refuses %s with 422 and writes nothing", async (url, why) => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints").first<{ n: number }>();
    const res = await call("POST", "/api/v1/webhook-endpoints", {
      token: a.admin.token,
      body: { url, event_types: ["order.completed"] },
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: { loc: string[]; msg: string }[] };
    expect(body.detail[0]?.loc).toEqual(["body", "url"]);
    expect(body.detail[0]?.msg).toMatch(why);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it.each([
    [[]],
    [["order.shipped"]],
    [["*", "order.created"]],
    [["order.created", "order.created"]],
    [["webhook.test"]],
  ])("refuses event_types %j", async (types) => {
    const res = await call("POST", "/api/v1/webhook-endpoints", {
      token: a.admin.token,
      body: { url: "https://hooks.example.com/types", event_types: types },
    });
    expect(res.status).toBe(422);
  });

  it("updates with a version, refuses a stale one or an unsafe URL, and records one event per write", async () => {
    const created = await expectJson<EndpointOut & { secret: string }>(
      call("POST", "/api/v1/webhook-endpoints", {
        token: a.admin.token,
        body: { url: "https://hooks.example.com/v", event_types: ["order.created"], description: "First" },
      }),
      201,
    );
    expect(created).toMatchObject({
      version: 1,
      is_active: true,
      description: "First",
      event_types: ["order.created"],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const read = await expectJson<EndpointOut>(
      call("GET", `/api/v1/webhook-endpoints/${created.id}`, { token: a.admin.token }),
      200,
    );
    expect(read).not.toHaveProperty("secret");

    const updated = await expectJson<EndpointOut>(
      call("PUT", `/api/v1/webhook-endpoints/${created.id}`, {
        token: a.admin.token,
        body: { event_types: ["order.created", "refund.created"], version: 1 },
      }),
      200,
    );
    expect(updated).toMatchObject({
      version: 2,
      event_types: ["order.created", "refund.created"],
      description: "First",
    });
    const stale = await call("PUT", `/api/v1/webhook-endpoints/${created.id}`, {
      token: a.admin.token,
      body: { description: "Late", version: 1 },
    });
    expect(stale.status).toBe(409);
    const viaHeader = await call("PUT", `/api/v1/webhook-endpoints/${created.id}`, {
      token: a.admin.token,
      headers: { "If-Match": '"1"' },
      body: { description: "Late" },
    });
    expect(viaHeader.status).toBe(409);
    const unsafe = await call("PUT", `/api/v1/webhook-endpoints/${created.id}`, {
      token: a.admin.token,
      body: { url: "https://192.168.1.20/hook" },
    });
    expect(unsafe.status).toBe(422);
    expect(
      (await call("PUT", "/api/v1/webhook-endpoints/999999", { token: a.admin.token, body: { is_active: false } }))
        .status,
    ).toBe(404);

    const audit = await auditOf(created.id);
    expect(audit.map((e) => e.action)).toEqual(["webhook_endpoint.created", "webhook_endpoint.updated"]);
    expect(audit[0]?.actor_user_id).toBe(a.admin.id);
    expect(JSON.parse(audit[0]?.after ?? "{}")).toEqual({
      url: "https://hooks.example.com/v",
      description: "First",
      event_types: ["order.created"],
      is_active: true,
    });
    expect(JSON.parse(audit[1]?.before ?? "{}")).toEqual({ event_types: ["order.created"] });
    expect(JSON.parse(audit[1]?.after ?? "{}")).toEqual({ event_types: ["order.created", "refund.created"] });
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("rotates the secret: answered once, both signatures sent during the grace period", async () => {
    const path = freshPath("rotate");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    const rotated = await expectJson<EndpointOut & { secret: string }>(
      call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { token: a.admin.token }),
      200,
    );
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated.version).toBe(endpoint.version + 1);
    const grace = Date.parse(rotated.previous_secret_expires_at ?? "") - Date.now();
    // WEBHOOK_SECRET_GRACE_HOURS = 24 (wrangler.toml).
    expect(grace).toBeGreaterThan(23.9 * 3600_000);
    expect(grace).toBeLessThanOrEqual(24 * 3600_000);

    // The receiver still holds the old secret: the request carries two signatures and one is the old one's.
    const result = await expectJson<{ ok: boolean }>(
      call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/test`, { token: a.admin.token }),
      200,
    );
    expect(result.ok).toBe(true);
    const got = await receivedAt(path);
    expect(got[0]).toMatchObject({ verified: true, signatures: 2, matched: 1 });

    const audit = await auditOf(endpoint.id);
    expect(audit.map((e) => e.action)).toEqual([
      "webhook_endpoint.created",
      "webhook_endpoint.secret_rotated",
      "webhook_endpoint.tested",
    ]);
    expect(JSON.parse(audit[1]?.after ?? "{}")).toEqual({ grace_period_ends_at: rotated.previous_secret_expires_at });
    const trail = JSON.stringify(audit);
    for (const secret of [endpoint.secret, rotated.secret]) {
      expect(trail).not.toContain(secret);
      expect(trail).not.toContain(secret.slice(6));
    }

    // Past the grace period only the new secret signs.
    await env.DB.prepare("UPDATE webhook_endpoints SET previous_secret_expires_at = ?2 WHERE id = ?1")
      .bind(endpoint.id, new Date(Date.now() - 1000).toISOString())
      .run();
    await expectJson(call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/test`, { token: a.admin.token }), 200);
    expect((await receivedAt(path))[1]).toMatchObject({ verified: false, signatures: 1 });
    expect(
      (await call("POST", "/api/v1/webhook-endpoints/999999/rotate-secret", { token: a.admin.token })).status,
    ).toBe(404);
  });

  it("answers a failing receiver's status and excerpt from POST /test", async () => {
    const path = `${freshPath("test-fail")}/status/500`;
    const endpoint = await receiverEndpoint(a.admin.token, path);
    const result = await expectJson<{
      ok: boolean;
      status_code: number;
      response_excerpt: string;
      error: string;
      duration_ms: number;
    }>(call("POST", `/api/v1/webhook-endpoints/${endpoint.id}/test`, { token: a.admin.token }), 200);
    expect(result).toMatchObject({
      ok: false,
      status_code: 500,
      response_excerpt: "receiver says 500",
      error: "receiver answered 500",
    });
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("deletes an endpoint; its deliveries stay listed, the pending ones dead", async () => {
    const path = freshPath("delete");
    const endpoint = await receiverEndpoint(a.admin.token, path);
    const at = new Date("2031-01-01T00:00:00.000Z").toISOString();
    await env.DB.batch(
      recordEventStatements(
        env.DB,
        {
          key: `delete-test:${endpoint.id}`,
          type: "order.created",
          storeId: 1,
          resourceType: "order",
          resourceId: 1,
          resourceVersion: null,
          payload: { id: 1 },
          occurredAt: at,
        },
        at,
      ),
    );
    const deleted = await expectJson<{ detail: string }>(
      call("DELETE", `/api/v1/webhook-endpoints/${endpoint.id}`, { token: a.admin.token }),
      200,
    );
    expect(deleted.detail).toMatch(/deleted/);
    expect((await call("GET", `/api/v1/webhook-endpoints/${endpoint.id}`, { token: a.admin.token })).status).toBe(404);
    expect((await call("DELETE", `/api/v1/webhook-endpoints/${endpoint.id}`, { token: a.admin.token })).status).toBe(
      404,
    );
    const page = await expectJson<{ data: { endpoint_id: number; status: string; last_error: string }[] }>(
      call("GET", `/api/v1/webhook-deliveries?endpoint_id=${endpoint.id}`, { token: a.admin.token }),
      200,
    );
    expect(page.data).toEqual([
      expect.objectContaining({ endpoint_id: endpoint.id, status: "dead", last_error: "endpoint deleted" }),
    ]);
    const audit = await auditOf(endpoint.id);
    expect(audit.map((e) => e.action)).toEqual(["webhook_endpoint.created", "webhook_endpoint.deleted"]);
    expect(audit[1]?.after).toBeNull();
    expect(JSON.parse(audit[1]?.before ?? "{}")).toMatchObject({ url: `${RECEIVER_ORIGIN}${path}` });
  });
});

describe("webhook deliveries", () => {
  it("are listed newest first by endpoint, event and status, cursor-paged, read one by one and redelivered", async () => {
    const path = freshPath("list");
    const endpoint = await receiverEndpoint(a.admin.token, path, ["order.created"]);
    const eventIds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const at = new Date(Date.UTC(2031, 0, 2, 0, i)).toISOString();
      const key = `list-test:${endpoint.id}:${i}`;
      await env.DB.batch(
        recordEventStatements(
          env.DB,
          {
            key,
            type: "order.created",
            storeId: 1,
            resourceType: "order",
            resourceId: 100 + i,
            resourceVersion: null,
            payload: { id: 100 + i },
            occurredAt: at,
          },
          at,
        ),
      );
      const row = await env.DB.prepare("SELECT id FROM events WHERE event_key = ?1").bind(key).first<{ id: number }>();
      eventIds.push(row?.id ?? 0);
    }
    type Page = {
      data: { id: number; event: { id: number; type: string }; status: string; webhook_id: string }[];
      next_cursor: string | null;
    };
    const first = await expectJson<Page>(
      call("GET", `/api/v1/webhook-deliveries?endpoint_id=${endpoint.id}&limit=2`, { token: a.admin.token }),
      200,
    );
    expect(first.data.map((d) => d.event.id)).toEqual([eventIds[2], eventIds[1]]);
    expect(first.data[0]).toMatchObject({
      status: "pending",
      event: { type: "order.created" },
      webhook_id: `msg_${eventIds[2]}`,
    });
    expect(first.next_cursor).not.toBeNull();
    const second = await expectJson<Page>(
      call("GET", `/api/v1/webhook-deliveries?endpoint_id=${endpoint.id}&limit=2&cursor=${first.next_cursor}`, {
        token: a.admin.token,
      }),
      200,
    );
    expect(second.data.map((d) => d.event.id)).toEqual([eventIds[0]]);
    expect(second.next_cursor).toBeNull();
    const byEvent = await expectJson<Page>(
      call("GET", `/api/v1/webhook-deliveries?event_id=${eventIds[1]}&endpoint_id=${endpoint.id}`, {
        token: a.admin.token,
      }),
      200,
    );
    expect(byEvent.data.map((d) => d.event.id)).toEqual([eventIds[1]]);
    // Every endpoint that wants the type got its own delivery of the event: the event filter alone lists them all.
    const allOfEvent = await expectJson<Page>(
      call("GET", `/api/v1/webhook-deliveries?event_id=${eventIds[1]}`, { token: a.admin.token }),
      200,
    );
    expect(allOfEvent.data.length).toBeGreaterThan(1);
    expect(new Set(allOfEvent.data.map((d) => d.event.id))).toEqual(new Set([eventIds[1]]));
    const delivered = await expectJson<Page>(
      call("GET", `/api/v1/webhook-deliveries?endpoint_id=${endpoint.id}&status=delivered`, { token: a.admin.token }),
      200,
    );
    expect(delivered.data).toEqual([]);
    expect((await call("GET", "/api/v1/webhook-deliveries?status=lost", { token: a.admin.token })).status).toBe(422);

    const one = first.data[0];
    if (!one) throw new Error("no delivery");
    const read = await expectJson<{ id: number; attempts: number }>(
      call("GET", `/api/v1/webhook-deliveries/${one.id}`, { token: a.admin.token }),
      200,
    );
    expect(read).toMatchObject({ id: one.id, attempts: 0 });
    expect((await call("GET", "/api/v1/webhook-deliveries/999999", { token: a.admin.token })).status).toBe(404);

    // One being sent right now is not redelivered.
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'sending', lease_until = '2099-01-01T00:00:00.000Z' WHERE id = ?1",
    )
      .bind(one.id)
      .run();
    const busy = await call("POST", `/api/v1/webhook-deliveries/${one.id}/redeliver`, { token: a.admin.token });
    expect(busy.status).toBe(409);
    expect((await call("POST", "/api/v1/webhook-deliveries/999999/redeliver", { token: a.admin.token })).status).toBe(
      404,
    );
    await env.DB.prepare(
      "UPDATE webhook_deliveries SET status = 'dead', lease_until = NULL, attempts = 12 WHERE id = ?1",
    )
      .bind(one.id)
      .run();
    const again = await expectJson<{ status: string; attempts: number }>(
      call("POST", `/api/v1/webhook-deliveries/${one.id}/redeliver`, { token: a.admin.token }),
      202,
    );
    expect(again).toMatchObject({ status: "pending", attempts: 0 });
    const audit = await env.DB.prepare(
      "SELECT action, before, after FROM audit_events WHERE entity_type = 'webhook_delivery' AND entity_id = ?1",
    )
      .bind(one.id)
      .all();
    expect(audit.results).toEqual([
      {
        action: "webhook_delivery.redelivered",
        before: JSON.stringify({ status: "dead", attempts: 12 }),
        after: JSON.stringify({ status: "pending", attempts: 0 }),
      },
    ]);
  });
});
