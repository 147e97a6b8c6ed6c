/**
 * Admin tools: the email delivery log (admins) and backups (managers list
 * them, admins run one now). Stored daily reports are read under /reports.
 */
import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./admin.handlers";
import * as routes from "./admin.routes";

export const adminRouter = createRouter()
  .openapi(routes.emails, handlers.emails)
  .openapi(routes.backups, handlers.backups)
  .openapi(routes.backupNow, handlers.backupNow);
