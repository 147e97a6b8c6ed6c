import { createRoute } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, jsonContent } from "../../lib/http/openapi";
import { BackupListSchema, BackupRunSchema, EmailLogListSchema, EmailLogQuerySchema } from "./admin.schemas";

const tags = ["admin"];
const security = BEARER_SECURITY;

export const emails = createRoute({
  method: "get",
  path: "/emails",
  tags,
  summary: "Email delivery log (status=failed: what ended in the dead-letter queue)",
  security,
  middleware: [requirePermission("admin:operate")],
  request: { query: EmailLogQuerySchema },
  responses: {
    200: jsonContent(EmailLogListSchema, "Log entries, newest first"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

export const backups = createRoute({
  method: "get",
  path: "/backups",
  tags,
  summary: "Backups in R2, newest first",
  security,
  middleware: [requirePermission("backups:read")],
  responses: {
    200: jsonContent(BackupListSchema, "Manifests"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

export const backupNow = createRoute({
  method: "post",
  path: "/backups",
  tags,
  summary: "Run a backup now (admin)",
  security,
  middleware: [requirePermission("admin:operate")],
  responses: {
    201: jsonContent(BackupRunSchema, "Backup written"),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

export type EmailsRoute = typeof emails;
export type BackupsRoute = typeof backups;
export type BackupNowRoute = typeof backupNow;
