import { createRoute, z } from "@hono/zod-openapi";
import { requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, IdParamSchema, jsonContent } from "../../lib/http/openapi";
import { ShiftReportSchema, ZReportLinkSchema } from "./shift-reports.schemas";

const tags = ["shifts"];
const security = BEARER_SECURITY;
// The shift's id names its store; a caller with no role there, or a cashier
// asking about someone else's shift, gets a 404.
const readShift = [requirePermission("shifts:operate", { param: "id", resource: "Shift" })];
const ACCESS = "Managers and admins: any shift of the store; cashiers: their own.";

export const xReport = createRoute({
  method: "get",
  path: "/{id}/x-report",
  tags,
  summary: "X-report: an open or ended shift's figures so far",
  description: `${ACCESS} Managers and admins only: every cash figure so far adds up to expected cash, so a cashier's own shift answers 403 until it is closed (blind count). A closed shift is a 409: read its z-report.`,
  security,
  middleware: readShift,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ShiftReportSchema, "The X-report"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const zReport = createRoute({
  method: "get",
  path: "/{id}/z-report",
  tags,
  summary: "Z-report: a closed shift's figures as frozen at close",
  description: `${ACCESS} A shift that is not closed is a 409 (its x-report has the figures so far).`,
  security,
  middleware: readShift,
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ShiftReportSchema, "The Z-report"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const zReportText = createRoute({
  method: "get",
  path: "/{id}/z-report/text",
  tags,
  summary: "Z-report as plain text, 42 columns (80 mm till printers)",
  security,
  middleware: readShift,
  request: { params: IdParamSchema },
  responses: {
    200: { description: "The Z-report", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(...AUTHED_ERRORS, 404, 409),
  },
});

export const zReportPdf = createRoute({
  method: "get",
  path: "/{id}/z-report/pdf",
  tags,
  summary: "Z-report PDF, as a signed link",
  description: `${ACCESS} Rendered once and kept in R2; the link works without a token until it expires.`,
  security,
  middleware: readShift,
  request: { params: IdParamSchema },
  responses: {
    200: jsonContent(ZReportLinkSchema, "Link to the PDF"),
    ...errorResponses(...AUTHED_ERRORS, 404, 409),
  },
});
