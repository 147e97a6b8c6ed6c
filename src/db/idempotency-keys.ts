/**
 * The idempotency_keys table: the key row is written in the same batch as the
 * effect it names (`claimKeyStatement`, through `Batch.claimKey`), so a
 * committed batch always has its key and a refused one never does.
 */
import { and, eq, sql } from "drizzle-orm";
import type { IdempotencyContext } from "../lib/idempotency";
import { type AppDatabase, preparedPerDatabase } from "./client";
import type { Row } from "./rows";
import { idempotencyKeys } from "./schema";

/** What a replay needs of an earlier request with the same key. */
export type StoredKey = Pick<
  Row<typeof idempotencyKeys>,
  "requestHash" | "resourceType" | "resourceRef" | "responseStatus" | "responseBody"
>;

/** What a batch's key names: a type and a reference, or the row the statement just before it inserted. */
export type KeyResource = { type: string; ref: string } | { type: string; ref: typeof LAST_INSERTED };

/** As a key's `ref`: the row inserted by the statement added just before the key. */
export const LAST_INSERTED = Symbol("last inserted row");

const keyOfUser = preparedPerDatabase((db) =>
  db
    .select({
      requestHash: idempotencyKeys.requestHash,
      resourceType: idempotencyKeys.resourceType,
      resourceRef: idempotencyKeys.resourceRef,
      responseStatus: idempotencyKeys.responseStatus,
      responseBody: idempotencyKeys.responseBody,
    })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, sql.placeholder("userId")), eq(idempotencyKeys.key, sql.placeholder("key"))))
    .prepare(),
);

/** Read before every write that carries a key. */
export const findKey = (db: AppDatabase, userId: number, key: string): Promise<StoredKey | undefined> =>
  keyOfUser(db).get({ userId, key });

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
