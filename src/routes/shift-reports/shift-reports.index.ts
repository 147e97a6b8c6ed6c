import { createRouter } from "../../lib/http/create-router";
import * as handlers from "./shift-reports.handlers";
import * as routes from "./shift-reports.routes";

/** X- and Z-reports of a shift (mounted at /api/v1/shifts beside the shifts router). */
export const shiftReportsRouter = createRouter()
  .openapi(routes.xReport, handlers.xReport)
  .openapi(routes.zReport, handlers.zReport)
  .openapi(routes.zReportText, handlers.zReportText)
  .openapi(routes.zReportPdf, handlers.zReportPdf);
