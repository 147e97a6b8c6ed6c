/**
 * Webhook test helpers: endpoints made through the API, and the receiver
 * Worker of vitest.config.ts (test/receiver/webhook-receiver.js), which the
 * app's outbound fetch reaches whatever the URL. The test's own fetch goes
 * there too, which is how a test tells it a secret and reads what it got.
 */
import { env } from "cloudflare:workers";
import { call, expectJson } from "./api";

export const RECEIVER_ORIGIN = "https://hooks.example.com";

export interface EndpointOut {
  id: number;
  url: string;
  description: string | null;
  event_types: string[];
  is_active: boolean;
  failing_since: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
  previous_secret_expires_at: string | null;
  version: number;
  secret?: string;
}

export interface Received {
  webhook_id: string;
  timestamp: string;
  signature: string;
  signatures: number;
  body: string;
  verified: boolean;
  matched: number;
  content_type: string | null;
}

let paths = 0;
/** A receiver path no other test uses. */
export const freshPath = (label: string) => `/${label}-${Date.now().toString(36)}-${++paths}`;

/** Tells the receiver the secret that signs `path`'s requests (and those under it). */
export async function receiverKnows(path: string, secret: string): Promise<void> {
  const res = await fetch(`${RECEIVER_ORIGIN}/__secret${path}`, { method: "PUT", body: secret });
  if (!res.ok) throw new Error(`receiver refused the secret: ${res.status}`);
}

/** What the receiver got at `path`, oldest first. */
export async function receivedAt(path: string): Promise<Received[]> {
  return (await (await fetch(`${RECEIVER_ORIGIN}/__received${path}`)).json()) as Received[];
}

/** An endpoint at the receiver's `path`, for `types`, whose secret the receiver knows. */
export async function receiverEndpoint(
  token: string,
  path: string,
  types: string[] = ["*"],
): Promise<EndpointOut & { secret: string }> {
  const endpoint = await expectJson<EndpointOut & { secret: string }>(
    call("POST", "/api/v1/webhook-endpoints", {
      token,
      body: { url: `${RECEIVER_ORIGIN}${path}`, event_types: types },
    }),
    201,
  );
  await receiverKnows(path, endpoint.secret);
  return endpoint;
}

export interface DeliveryRowOut {
  id: number;
  event_id: number;
  endpoint_id: number;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response_excerpt: string | null;
  delivered_at: string | null;
}

/** A delivery row as the database holds it. */
export const deliveryRow = async (id: number): Promise<DeliveryRowOut> => {
  const row = await env.DB.prepare("SELECT * FROM webhook_deliveries WHERE id = ?1").bind(id).first<DeliveryRowOut>();
  if (!row) throw new Error(`no delivery ${id}`);
  return row;
};

/** The deliveries of an endpoint, oldest first. */
export const deliveriesOf = async (endpointId: number): Promise<DeliveryRowOut[]> =>
  (
    await env.DB.prepare("SELECT * FROM webhook_deliveries WHERE endpoint_id = ?1 ORDER BY id")
      .bind(endpointId)
      .all<DeliveryRowOut>()
  ).results;
