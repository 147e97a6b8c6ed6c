/**
 * An endpoint's health (README "Webhooks", disabling): a success clears
 * `failing_since`; a failure sets it if unset; an endpoint that has failed
 * every attempt for `disableAfterHours` is disabled (inactive, disabled_at,
 * disabled_reason), its pending deliveries are marked dead, the change is
 * audited as the system's, and the admins are emailed. Re-activating it
 * (PUT is_active true) clears the marks.
 */
import { type AuditPlace, auditStatement } from "../audit/record";
import { killPendingOf } from "../db/webhook-deliveries";
import type { Bindings } from "../env";
import { enqueueEmails } from "../jobs/email-messages";
import { appConfig } from "../lib/config";
import { log } from "../lib/log";

/** Statement for a successful attempt: the endpoint is healthy again. */
export const healthyStatement = (d1: D1Database, endpointId: number) =>
  d1
    .prepare("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL")
    .bind(endpointId);

/** Statement for a failed attempt: failing since now, unless it already was. */
export const failingStatement = (d1: D1Database, endpointId: number, now: string) =>
  d1
    .prepare("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1")
    .bind(endpointId, now);

/** The system writes it (a queue consumer): no user, no request. */
const systemAt = (at: string): AuditPlace => ({
  idBase: 0,
  at,
  actor: { userId: null, username: null, role: null, storeId: null, clientAddress: null, requestId: null },
});

/**
 * After a failed attempt: disables the endpoint when it has been failing
 * for too long. True when this call disabled it (the admins were told).
 */
export async function disableIfFailingTooLong(env: Bindings, endpointId: number, now: Date): Promise<boolean> {
  const d1 = env.DB;
  const hours = appConfig(env).webhooks.disableAfterHours;
  const cutoff = new Date(now.getTime() - hours * 3600_000).toISOString();
  const endpoint = await d1
    .prepare("SELECT url, failing_since FROM webhook_endpoints WHERE id = ?1 AND is_active = 1 AND failing_since <= ?2")
    .bind(endpointId, cutoff)
    .first<{ url: string; failing_since: string }>();
  if (!endpoint) return false;
  const at = now.toISOString();
  const reason = `every delivery failed for ${hours} hours`;
  const [disabled] = await d1.batch([
    d1
      .prepare(
        `UPDATE webhook_endpoints SET is_active = 0, disabled_at = ?2, disabled_reason = ?3, version = version + 1,
           updated_at = ?2
         WHERE id = ?1 AND is_active = 1`,
      )
      .bind(endpointId, at, reason),
    auditStatement(d1, systemAt(at), {
      action: "webhook_endpoint.disabled",
      entityType: "webhook_endpoint",
      entityId: endpointId,
      before: { is_active: true },
      after: { is_active: false, disabled_reason: reason },
      onlyIfChanged: true,
    }),
    killPendingOf(d1, endpointId, "endpoint disabled after continued failures", at),
  ]);
  if (!disabled?.meta.changes) return false;
  await emailAdmins(env, { endpointId, url: endpoint.url, failingSince: endpoint.failing_since, reason, at });
  return true;
}

async function emailAdmins(
  env: Bindings,
  d: { endpointId: number; url: string; failingSince: string; reason: string; at: string },
): Promise<void> {
  try {
    const { results: admins } = await env.DB.prepare(
      "SELECT id, email FROM users WHERE role = 'admin' AND is_active = 1 ORDER BY id",
    ).all<{ id: number; email: string }>();
    await enqueueEmails(
      env.EMAIL_QUEUE,
      admins.map((admin) => ({
        kind: "webhook_disabled" as const,
        to: admin.email,
        data: { endpoint_id: d.endpointId, url: d.url, failing_since: d.failingSince, reason: d.reason },
        dedupe_key: `webhook_disabled:${d.endpointId}:${d.at}:${admin.id}`,
      })),
    );
  } catch (error) {
    // The endpoint is disabled either way; a lost email must not undo or repeat that.
    log(env, "error", "could not email the admins about a disabled webhook endpoint", {
      endpoint_id: d.endpointId,
      error: String(error),
    });
  }
}
