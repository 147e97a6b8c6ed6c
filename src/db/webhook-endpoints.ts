/**
 * The SQL of webhook endpoints (README "Webhooks"): the admin's receivers,
 * each with its secret (and the previous one during a rotation's grace).
 * Deleting one removes its row, secrets included; its deliveries stay (they
 * name it by id) and those still waiting are marked dead in the same batch.
 */
import { desc, eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
import type { Row } from "./rows";
import { webhookEndpoints } from "./schema-webhooks";

export type EndpointRow = Row<typeof webhookEndpoints>;

export const findEndpoint = (db: AppDatabase, id: number): Promise<EndpointRow | undefined> =>
  db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();

/** Every endpoint, newest first (an admin has a handful, not thousands). */
export const allEndpoints = (db: AppDatabase): Promise<EndpointRow[]> =>
  db.select().from(webhookEndpoints).orderBy(desc(webhookEndpoints.id)).all();

export const insertEndpoint = (db: AppDatabase, values: typeof webhookEndpoints.$inferInsert) =>
  db.insert(webhookEndpoints).values(values).returning();

/**
 * A new secret; the one it replaces keeps signing until `graceUntil`
 * (a rotation during another's grace drops the oldest).
 */
export const rotateSecretStatement = (d1: D1Database, id: number, secret: string, graceUntil: string, now: string) =>
  d1
    .prepare(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ?3, secret = ?2,
         version = version + 1, updated_at = ?4
       WHERE id = ?1 RETURNING *`,
    )
    .bind(id, secret, graceUntil, now);

export const deleteEndpointStatement = (d1: D1Database, id: number) =>
  d1.prepare("DELETE FROM webhook_endpoints WHERE id = ?1").bind(id);
