import type { RouteHandler } from "@hono/zod-openapi";
import { auditAt, auditStatement } from "../../audit/record";
import type { AppEnv } from "../../env";
import { listBackups, runBackup } from "../../jobs/backup";
import { listEmailLog } from "../../services/email-log";
import type { BackupNowRoute, BackupsRoute, EmailsRoute } from "./admin.routes";

export const emails: RouteHandler<EmailsRoute, AppEnv> = async (c) =>
  c.json(await listEmailLog(c.var.ctx, c.req.valid("query")), 200);

export const backups: RouteHandler<BackupsRoute, AppEnv> = async (c) =>
  c.json({ data: await listBackups(c.var.ctx.env.FILES) }, 200);

/**
 * A backup's id ("2026-11-30T18-11", one per minute) as the audit trail's
 * numeric entity id: its digits, 202611301811, which sort and read the same.
 */
const backupEntityId = (id: string) => Number(id.replace(/\D/g, ""));

/**
 * Runs a backup now. It writes R2 objects, not D1 rows, so there is no D1
 * batch to ride in: its one audit event is written at the head office once the
 * backup is in R2 (a backup that fails records nothing). A second run in the
 * same minute finds that minute's backup and writes nothing new (`created:
 * false`); the request still succeeded and records its event, saying so.
 */
export const backupNow: RouteHandler<BackupNowRoute, AppEnv> = async (c) => {
  const ctx = c.var.ctx;
  const result = await runBackup(ctx.env, ctx.now());
  const manifest = result.manifest;
  await auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
    action: "backup.created",
    entityType: "backup",
    entityId: backupEntityId(result.id),
    after: {
      id: result.id,
      created: result.created,
      ...(manifest
        ? {
            databases: manifest.databases.length,
            files: manifest.tables.length,
            rows: manifest.databases.reduce((n, database) => n + database.rows, 0),
          }
        : {}),
    },
  }).run();
  return c.json(result, 201);
};
