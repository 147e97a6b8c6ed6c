import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { shiftReport } from "../../services/shift-reports";
import { zReportPdfLink, zReportText as zText } from "../../services/shift-reports-documents";
import type * as routes from "./shift-reports.routes";

export const xReport: RouteHandler<typeof routes.xReport, AppEnv> = async (c) =>
  c.json(await shiftReport(c.var.ctx, c.var.user, c.req.valid("param").id, "X"), 200);

export const zReport: RouteHandler<typeof routes.zReport, AppEnv> = async (c) =>
  c.json(await shiftReport(c.var.ctx, c.var.user, c.req.valid("param").id, "Z"), 200);

export const zReportText: RouteHandler<typeof routes.zReportText, AppEnv> = async (c) =>
  c.text(await zText(c.var.ctx, c.var.user, c.req.valid("param").id), 200, {
    "Content-Type": "text/plain; charset=utf-8",
  });

export const zReportPdf: RouteHandler<typeof routes.zReportPdf, AppEnv> = async (c) =>
  c.json(
    await zReportPdfLink(c.var.ctx, c.var.user, c.req.valid("param").id, { origin: new URL(c.req.url).origin }),
    200,
  );
