/**
 * Idempotency-Key support for writes that move money or stock.
 *
 * The key row is written in the same D1 batch as the effect (see
 * `idempotencyInsert`), so a committed batch always has its key and a
 * refused one never does. A retry with the same key and body replays the
 * stored answer (with `Idempotent-Replayed: true`); the same key with another
 * body is a 422. Keys are scoped to the user who sent them.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { sha256Hex } from "./auth/tokens";
import { ApiError, invalidField } from "./errors";

export interface IdempotencyContext {
  userId: number;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

interface StoredKey {
  request_hash: string;
  resource_type: string;
  resource_ref: string;
  response_status: number | null;
  response_body: string | null;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted, so key order never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Reads and validates the header; null when the client sent none. */
export async function idempotencyFrom(
  c: Context<AppEnv>,
  userId: number,
  body: unknown,
): Promise<IdempotencyContext | null> {
  const key = c.req.header("Idempotency-Key");
  if (key === undefined) return null;
  if (!KEY_PATTERN.test(key)) {
    throw invalidField(["header", "Idempotency-Key"], "Idempotency-Key must be 1 to 255 printable ASCII characters");
  }
  const method = c.req.method;
  const path = c.req.path.replace(/\/+$/, "");
  const requestHash = await sha256Hex(`${method} ${path} ${canonicalJson(body)}`);
  return { userId, key, method, path, requestHash };
}

export type Replay =
  | { kind: "response"; status: number; body: unknown }
  | { kind: "resource"; resourceType: string; resourceRef: string };

/** What an earlier request with this key did, or null if there was none. 422 when the body differs. */
export async function findReplay(d1: D1Database, idem: IdempotencyContext): Promise<Replay | null> {
  const row = await d1
    .prepare(
      "SELECT request_hash, resource_type, resource_ref, response_status, response_body FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
    )
    .bind(idem.userId, idem.key)
    .first<StoredKey>();
  if (!row) return null;
  if (row.request_hash !== idem.requestHash) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used with a different request");
  }
  if (row.response_status !== null && row.response_body !== null) {
    return { kind: "response", status: row.response_status, body: JSON.parse(row.response_body) };
  }
  return { kind: "resource", resourceType: row.resource_type, resourceRef: row.resource_ref };
}

/** The statement that records the key; goes into the same batch as the effect. */
export function idempotencyInsert(
  d1: D1Database,
  idem: IdempotencyContext,
  resource: { type: string; ref: string },
  now: string,
): D1PreparedStatement {
  // "last_insert_rowid": the row the statement just before this one inserted.
  const ref = resource.ref === "last_insert_rowid" ? "CAST(last_insert_rowid() AS TEXT)" : "?7";
  return d1
    .prepare(
      `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, resource_type, resource_ref, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ${ref}, ?8)`,
    )
    .bind(idem.userId, idem.key, idem.method, idem.path, idem.requestHash, resource.type, resource.ref, now);
}

/** Stores the answer after the batch committed (best effort: a replay can re-render from the resource). */
export function storeResponse(d1: D1Database, idem: IdempotencyContext, status: number, body: unknown) {
  return d1
    .prepare("UPDATE idempotency_keys SET response_status = ?3, response_body = ?4 WHERE user_id = ?1 AND key = ?2")
    .bind(idem.userId, idem.key, status, JSON.stringify(body))
    .run();
}

export const REPLAYED_HEADER = { "Idempotent-Replayed": "true" } as const;

/** True when a batch failed because another request with the same key committed first. */
export const isKeyCollision = (error: unknown) =>
  error instanceof Error &&
  /idempotency_keys/.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`);
