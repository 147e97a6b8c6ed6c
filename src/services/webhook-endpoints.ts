/**
 * Webhook endpoints (README "Webhooks"), admin only: create (the secret is
 * answered once), read (never the secret), versioned update (re-activating a
 * disabled endpoint clears its failure marks), delete, secret rotation with
 * a grace period, and a test request sent right away with the delivery's
 * own signing and safety code. Each write records one audit event in its
 * batch; no secret value ever reaches the trail.
 */
import { sql } from "drizzle-orm";
import { auditAt, auditInsert, auditStatement, changedFields, LAST_INSERTED } from "../audit/record";
import { decodeRow } from "../db/rows";
import { webhookEndpoints } from "../db/schema-webhooks";
import { updateVersionedWith } from "../db/versioned";
import { killPendingOf } from "../db/webhook-deliveries";
import {
  allEndpoints,
  deleteEndpointStatement,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  rotateSecretStatement,
} from "../db/webhook-endpoints";
import { TEST_EVENT_TYPE } from "../events/types";
import { invalidField, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { signingSecrets } from "../webhooks/deliver";
import { type Fetcher, sendSigned } from "../webhooks/send";
import { newSecret } from "../webhooks/signing";
import { checkTarget } from "../webhooks/target";
import type { ServiceContext } from "./context";

export const toEndpointView = (row: EndpointRow) => ({
  id: row.id,
  url: row.url,
  description: row.description,
  event_types: row.eventTypes,
  is_active: row.isActive,
  failing_since: row.failingSince,
  disabled_at: row.disabledAt,
  disabled_reason: row.disabledReason,
  /** Until then the previous secret also signs (null: no rotation pending). */
  previous_secret_expires_at: row.previousSecret ? row.previousSecretExpiresAt : null,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type EndpointView = ReturnType<typeof toEndpointView>;

/** What an endpoint's audit events record (never a secret). */
const auditFields = (row: Pick<EndpointRow, "url" | "description" | "eventTypes" | "isActive">) => ({
  url: row.url,
  description: row.description,
  event_types: row.eventTypes,
  is_active: row.isActive,
});

export interface EndpointInput {
  url: string;
  description?: string | null | undefined;
  event_types: string[];
  is_active?: boolean | undefined;
}

/** 422 naming the rule when webhooks may not go to `url` (webhooks/target.ts). */
function safeUrl(ctx: ServiceContext, url: string): string {
  const target = checkTarget(url, { allowLoopback: ctx.config.webhooks.allowLoopback });
  if (!target.ok) throw invalidField(["body", "url"], `The URL ${target.reason}`);
  return target.url.href;
}

async function existing(ctx: ServiceContext, id: number): Promise<EndpointRow> {
  const row = await findEndpoint(ctx.hq.db, id);
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

export async function createEndpoint(
  ctx: ServiceContext,
  input: EndpointInput,
): Promise<EndpointView & { secret: string }> {
  const now = isoNow(ctx.now());
  const values = {
    url: safeUrl(ctx, input.url),
    description: input.description ?? null,
    eventTypes: input.event_types,
    isActive: input.is_active ?? true,
    secret: newSecret(),
    createdAt: now,
    updatedAt: now,
  };
  const [[row]] = await ctx.hq.db.batch([
    insertEndpoint(ctx.hq.db, values),
    auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
      action: "webhook_endpoint.created",
      entityType: "webhook_endpoint",
      entityId: LAST_INSERTED,
      after: auditFields(values),
    }),
  ]);
  if (!row) throw new Error("insert returned no row");
  return { ...toEndpointView(row), secret: row.secret };
}

export async function listEndpoints(ctx: ServiceContext): Promise<{ data: EndpointView[] }> {
  return { data: (await allEndpoints(ctx.hq.db)).map(toEndpointView) };
}

export async function getEndpoint(ctx: ServiceContext, id: number): Promise<EndpointView> {
  return toEndpointView(await existing(ctx, id));
}

/**
 * A versioned update (409 VERSION_CONFLICT on a stale `expected`). Turning a
 * disabled or inactive endpoint active clears disabled_at, disabled_reason
 * and failing_since, so the failure clock starts again.
 */
export async function updateEndpoint(
  ctx: ServiceContext,
  id: number,
  change: Partial<EndpointInput>,
  expected: number | undefined,
): Promise<EndpointView> {
  const url = change.url === undefined ? undefined : safeUrl(ctx, change.url);
  const reactivate = change.is_active === true;
  // Only when it was inactive: a PUT repeating is_active true must not reset a failing endpoint's clock.
  const clearedIfInactive = (column: string) =>
    sql.raw(`CASE WHEN is_active = 0 THEN NULL ELSE ${column} END`) as unknown as string;
  const row = await updateVersionedWith(
    ctx.hq,
    webhookEndpoints,
    {
      what: "Webhook endpoint",
      id,
      expected,
      set: {
        url,
        description: change.description,
        eventTypes: change.event_types,
        isActive: change.is_active,
        ...(reactivate
          ? {
              disabledAt: clearedIfInactive("disabled_at"),
              disabledReason: clearedIfInactive("disabled_reason"),
              failingSince: clearedIfInactive("failing_since"),
            }
          : {}),
      },
      now: isoNow(ctx.now()),
    },
    (current) => {
      const requested = {
        url: url ?? current.url,
        description: change.description === undefined ? current.description : change.description,
        eventTypes: change.event_types ?? current.eventTypes,
        isActive: change.is_active ?? current.isActive,
      };
      return [
        auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
          action: "webhook_endpoint.updated",
          entityType: "webhook_endpoint",
          entityId: id,
          ...changedFields(auditFields(current), auditFields(requested)),
        }),
      ];
    },
  );
  return toEndpointView(row);
}

/**
 * Deletes the endpoint (its secrets with it). Its deliveries stay readable
 * in GET /webhook-deliveries under its id; those still pending are dead.
 */
export async function deleteEndpoint(ctx: ServiceContext, id: number): Promise<void> {
  const row = await existing(ctx, id);
  const d1 = ctx.hq.d1;
  await d1.batch([
    killPendingOf(d1, id, "endpoint deleted", isoNow(ctx.now())),
    deleteEndpointStatement(d1, id),
    // A racing delete that got there first leaves this one nothing to record.
    auditStatement(d1, auditAt(ctx, "hq"), {
      action: "webhook_endpoint.deleted",
      entityType: "webhook_endpoint",
      entityId: id,
      before: auditFields(row),
      after: null,
      onlyIfChanged: true,
    }),
  ]);
}

/** A new secret, answered once; the old one keeps signing for `secretGraceHours`. */
export async function rotateSecret(ctx: ServiceContext, id: number): Promise<EndpointView & { secret: string }> {
  const now = ctx.now();
  const graceUntil = new Date(now.getTime() + ctx.config.webhooks.secretGraceHours * 3600_000).toISOString();
  const d1 = ctx.hq.d1;
  const [rotated] = await d1.batch([
    rotateSecretStatement(d1, id, newSecret(), graceUntil, isoNow(now)),
    auditStatement(d1, auditAt(ctx, "hq"), {
      action: "webhook_endpoint.secret_rotated",
      entityType: "webhook_endpoint",
      entityId: id,
      // Named so redact() keeps it: a key containing "secret" would show as [redacted].
      after: { grace_period_ends_at: graceUntil },
      onlyIfChanged: true,
    }),
  ]);
  const raw = rotated?.results[0];
  if (!raw) throw notFound("Webhook endpoint");
  const row = decodeRow(webhookEndpoints, raw);
  return { ...toEndpointView(row), secret: row.secret };
}

export interface TestResult {
  ok: boolean;
  webhook_id: string;
  status_code: number | null;
  response_excerpt: string | null;
  error: string | null;
  duration_ms: number;
}

/**
 * Sends a signed `webhook.test` event now, with the delivery's own checks,
 * signing and bounded request; records no feed event and no delivery, only
 * the audit event. A receiver that fails is an answer (ok false), not an error.
 */
export async function testEndpoint(ctx: ServiceContext, id: number, fetcher?: Fetcher): Promise<TestResult> {
  const row = await existing(ctx, id);
  const target = checkTarget(row.url, { allowLoopback: ctx.config.webhooks.allowLoopback });
  if (!target.ok) throw invalidField(["url"], `The endpoint's URL ${target.reason}; change it first`);
  const now = ctx.now();
  const webhookId = `msg_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({
    type: TEST_EVENT_TYPE,
    timestamp: isoNow(now),
    data: { endpoint_id: id, message: "A test event from the POS API: nothing happened." },
  });
  const result = await sendSigned(
    target.url,
    { id: webhookId, body, secrets: signingSecrets(row, now), at: now },
    fetcher,
  );
  await auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
    action: "webhook_endpoint.tested",
    entityType: "webhook_endpoint",
    entityId: id,
    after: { ok: result.ok, status_code: result.statusCode, duration_ms: result.durationMs },
  }).run();
  return {
    ok: result.ok,
    webhook_id: webhookId,
    status_code: result.statusCode,
    response_excerpt: result.excerpt,
    error: result.error,
    duration_ms: result.durationMs,
  };
}
