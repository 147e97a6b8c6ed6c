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

export const BackupSchema = z
  .object({
    id: z.string(),
    schema_version: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string(),
    tables: z.array(
      z.object({
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
