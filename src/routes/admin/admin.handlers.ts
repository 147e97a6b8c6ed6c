import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { listBackups, runBackup } from "../../jobs/backup";
import { listEmailLog } from "../../services/email-log";
import type { BackupNowRoute, BackupsRoute, EmailsRoute } from "./admin.routes";

export const emails: RouteHandler<EmailsRoute, AppEnv> = async (c) =>
  c.json(await listEmailLog(c.var.ctx, c.req.valid("query")), 200);

export const backups: RouteHandler<BackupsRoute, AppEnv> = async (c) =>
  c.json({ data: await listBackups(c.var.ctx.env.FILES) }, 200);

export const backupNow: RouteHandler<BackupNowRoute, AppEnv> = async (c) =>
  c.json(await runBackup(c.var.ctx.env, c.var.ctx.now()), 201);
