/** Admin tools: email delivery log, backups (list, run now), stored daily reports. */
import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { listBackups, runBackup } from "../../jobs/backup";
import { requirePermission } from "../../lib/auth/middleware";
import { createRouter } from "../../lib/http/create-router";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  jsonContent,
  PaginationQuerySchema,
  paginatedSchema,
} from "../../lib/http/openapi";

const EmailLogSchema = z
  .object({
    dedupe_key: z.string(),
    kind: z.string(),
    recipient: z.string(),
    status: z.enum(["sending", "sent", "retrying", "failed"]),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    sent_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("EmailLogEntry");

const BackupSchema = z
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

const emails = createRoute({
  method: "get",
  path: "/emails",
  tags: ["admin"],
  summary: "Email delivery log (status=failed: what ended in the dead-letter queue)",
  security: BEARER_SECURITY,
  middleware: [requirePermission("admin:operate")],
  request: {
    query: PaginationQuerySchema.extend({ status: z.enum(["sending", "sent", "retrying", "failed"]).optional() }),
  },
  responses: {
    200: jsonContent(paginatedSchema(EmailLogSchema, "EmailLog"), "Log entries, newest first"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

const backups = createRoute({
  method: "get",
  path: "/backups",
  tags: ["admin"],
  summary: "Backups in R2, newest first",
  security: BEARER_SECURITY,
  middleware: [requirePermission("backups:read")],
  responses: {
    200: jsonContent(z.object({ data: z.array(BackupSchema) }), "Manifests"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

const backupNow = createRoute({
  method: "post",
  path: "/backups",
  tags: ["admin"],
  summary: "Run a backup now (admin)",
  security: BEARER_SECURITY,
  middleware: [requirePermission("admin:operate")],
  responses: {
    201: jsonContent(
      z.object({ id: z.string(), created: z.boolean(), manifest: BackupSchema.optional() }),
      "Backup written",
    ),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

const emailsHandler: RouteHandler<typeof emails, AppEnv> = async (c) => {
  const { skip, limit, status } = c.req.valid("query");
  const [rows, totals] = await c.env.DB.batch([
    c.env.DB.prepare(
      `SELECT dedupe_key, kind, recipient, status, attempts, last_error, sent_at, created_at, updated_at FROM email_log
       WHERE (?1 IS NULL OR status = ?1) ORDER BY updated_at DESC LIMIT ?2 OFFSET ?3`,
    ).bind(status ?? null, limit, skip),
    c.env.DB.prepare("SELECT COUNT(*) AS total FROM email_log WHERE (?1 IS NULL OR status = ?1)").bind(status ?? null),
  ]);
  const data = (rows?.results ?? []) as z.infer<typeof EmailLogSchema>[];
  return c.json({ total: (totals?.results[0] as { total: number } | undefined)?.total ?? 0, skip, limit, data }, 200);
};

const backupsHandler: RouteHandler<typeof backups, AppEnv> = async (c) =>
  c.json({ data: await listBackups(c.env.FILES) }, 200);

const backupNowHandler: RouteHandler<typeof backupNow, AppEnv> = async (c) =>
  c.json(await runBackup(c.env, new Date()), 201);

export const adminRouter = createRouter()
  .openapi(emails, emailsHandler)
  .openapi(backups, backupsHandler)
  .openapi(backupNow, backupNowHandler);
