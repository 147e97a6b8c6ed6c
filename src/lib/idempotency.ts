/**
 * Idempotency-Key support for writes that move money or stock.
 *
 * The key row is written in the same D1 batch as the effect (`Batch.claimKey`
 * in src/db/batch.ts), so a committed batch always has its key and a refused
 * one never does. A retry with the same key and body replays the stored
 * answer (with `Idempotent-Replayed: true`); the same key with another body is
 * a 422. Keys are scoped to the user who sent them, and live in the acting
 * store's database (idempotency_keys is a store table).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppDatabase } from "../db/client";
import { findKey, type StoredKey } from "../db/idempotency-keys";
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

/** The header as the OpenAPI document describes it (the handler validates it, see `idempotencyFrom`). */
export const IdempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: "Idempotency-Key: same key and body replays the first answer" }),
});

/**
 * Thrown by a service (after releasing what it held) when its batch lost to a
 * twin with the same key; `idempotent()` then answers with the twin's result.
 */
export class KeyCollision extends Error {
  constructor() {
    super("idempotency key collision");
  }
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
export async function findReplay(db: AppDatabase, idem: IdempotencyContext): Promise<Replay | null> {
  const row = await findKey(db, idem.userId, idem.key);
  return row ? replayOf(row, idem) : null;
}

/** The replay a stored key gives this request (422 when the body differs). */
export function replayOf(row: StoredKey, idem: IdempotencyContext): Replay {
  if (row.requestHash !== idem.requestHash) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used with a different request");
  }
  if (row.responseStatus !== null && row.responseBody !== null) {
    return { kind: "response", status: row.responseStatus, body: JSON.parse(row.responseBody) };
  }
  return { kind: "resource", resourceType: row.resourceType, resourceRef: row.resourceRef };
}

export const REPLAYED_HEADER = { "Idempotent-Replayed": "true" } as const;
