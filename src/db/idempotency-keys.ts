/**
 * The idempotency_keys table: the key row is written in the same batch as the
 * effect it names (`claimKeyStatement`, through `Batch.claimKey`), so a
 * committed batch always has its key and a refused one never does.
 */
import type { IdempotencyContext } from "../lib/idempotency";

export interface StoredKey {
  request_hash: string;
  resource_type: string;
  resource_ref: string;
  response_status: number | null;
  response_body: string | null;
}

/** What a batch's key names: a type and a reference, or the row the statement just before it inserted. */
export type KeyResource = { type: string; ref: string } | { type: string; ref: typeof LAST_INSERTED };

/** As a key's `ref`: the row inserted by the statement added just before the key. */
export const LAST_INSERTED = Symbol("last inserted row");

export const findKey = (d1: D1Database, userId: number, key: string) =>
  d1
    .prepare(
      "SELECT request_hash, resource_type, resource_ref, response_status, response_body FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
    )
    .bind(userId, key)
    .first<StoredKey>();

export function claimKeyStatement(
  d1: D1Database,
  idem: IdempotencyContext,
  resource: KeyResource,
  now: string,
): D1PreparedStatement {
  // last_insert_rowid(): same connection, same transaction, the statement just before this one.
  const lastInserted = resource.ref === LAST_INSERTED;
  return d1
    .prepare(
      `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, resource_type, resource_ref, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ${lastInserted ? "CAST(last_insert_rowid() AS TEXT)" : "?7"}, ?8)`,
    )
    .bind(
      idem.userId,
      idem.key,
      idem.method,
      idem.path,
      idem.requestHash,
      resource.type,
      lastInserted ? null : resource.ref,
      now,
    );
}

/** Stores the answer after the batch committed (best effort: a replay can re-render from the resource). */
export const storeResponse = (d1: D1Database, idem: IdempotencyContext, status: number, body: unknown) =>
  d1
    .prepare("UPDATE idempotency_keys SET response_status = ?3, response_body = ?4 WHERE user_id = ?1 AND key = ?2")
    .bind(idem.userId, idem.key, status, JSON.stringify(body))
    .run();

/** True when a batch failed because another request with the same key committed first. */
export const isKeyCollision = (error: unknown) =>
  error instanceof Error &&
  /idempotency_keys/.test(`${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`);
