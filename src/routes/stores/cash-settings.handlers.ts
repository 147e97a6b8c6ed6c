import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import * as service from "../../services/cash-settings";
import type { GetCashSettingsRoute, UpdateCashSettingsRoute } from "./cash-settings.routes";

export const getCashSettings: RouteHandler<GetCashSettingsRoute, AppEnv> = async (c) =>
  c.json(await service.getCashSettings(c.var.ctx), 200);

export const updateCashSettings: RouteHandler<UpdateCashSettingsRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const change = {
    requiresShift: body.requires_shift,
    varianceReasonThreshold: body.variance_reason_threshold,
    paidOutApprovalThreshold: body.paid_out_approval_threshold,
  };
  return c.json(await service.changeCashSettings(c.var.ctx, change), 200);
};
