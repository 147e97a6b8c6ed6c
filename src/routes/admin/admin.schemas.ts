import { z } from "@hono/zod-openapi";
import { EMAIL_STATUSES } from "../../db/email-log";
import { PaginationQuerySchema, paginatedSchema } from "../../lib/http/openapi";

export const EmailLogSchema = z
  .object({
    dedupe_key: z.string(),
    kind: z.string(),
    recipient: z.string(),
    status: z.enum(EMAIL_STATUSES),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    sent_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("EmailLogEntry");

export const EmailLogListSchema = paginatedSchema(EmailLogSchema, "EmailLog");

export const EmailLogQuerySchema = PaginationQuerySchema.extend({ status: z.enum(EMAIL_STATUSES).optional() });

const BackupDatabaseSchema = z
  .object({
    name: z.string().openapi({ description: "`head-office` or `store-<CODE>`: its folder under the run's prefix" }),
    kind: z.enum(["head_office", "store"]),
    store_id: z.number().int().nullable(),
    store_code: z.string().nullable(),
    binding: z.string().openapi({ description: "The Worker binding it was read from (DB, STORE_<CODE>)" }),
    database_name: z.string().nullable(),
    schema_version: z.string().nullable(),
    files: z.number().int(),
    rows: z.number().int(),
  })
  .openapi("BackupDatabase");

export const BackupSchema = z
  .object({
    id: z.string(),
    schema_version: z.string().nullable().openapi({ description: "The head office's last migration" }),
    started_at: z.string(),
    finished_at: z.string(),
    databases: z
      .array(BackupDatabaseSchema)
      .openapi({ description: "Every database of the run: the head office and each store" }),
    tables: z.array(
      z.object({
        database: z.string().openapi({ description: "The `name` of its database in `databases`" }),
        table: z.string(),
        key: z.string(),
        rows: z.number().int(),
        bytes: z.number().int(),
        sha256: z.string(),
      }),
    ),
  })
  .openapi("BackupManifest");

export const BackupListSchema = z.object({ data: z.array(BackupSchema) });

export const BackupRunSchema = z.object({ id: z.string(), created: z.boolean(), manifest: BackupSchema.optional() });
