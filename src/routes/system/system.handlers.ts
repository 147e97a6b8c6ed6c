import type { RouteHandler } from "@hono/zod-openapi";
import { databaseAnswers } from "../../db/client";
import type { AppEnv } from "../../env";
import { appConfig } from "../../lib/config";
import { log } from "../../lib/log";
import type { HealthRoute, InfoRoute } from "./system.routes";

export const info: RouteHandler<InfoRoute, AppEnv> = (c) =>
  c.json(
    { name: appConfig(c.env).appName, version: appConfig(c.env).appVersion, docs: "/docs", openapi: "/openapi.json" },
    200,
  );

export const health: RouteHandler<HealthRoute, AppEnv> = async (c) => {
  const time = c.var.ctx.now().toISOString();
  try {
    if (await databaseAnswers(c.var.ctx.d1))
      return c.json({ status: "ok" as const, database: "ok" as const, time }, 200);
  } catch (error) {
    log(c.env, "error", "health check failed", { error: String(error) });
  }
  return c.json({ status: "degraded" as const, database: "unavailable" as const, time }, 503);
};
