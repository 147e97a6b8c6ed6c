import type { RouteHandler } from "@hono/zod-openapi";
import { databaseAnswers } from "../../db/client";
import { listStores } from "../../db/stores";
import type { AppEnv } from "../../env";
import { appConfig } from "../../lib/config";
import { log } from "../../lib/log";
import { storeDatabase } from "../../stores/scope";
import type { HealthRoute, InfoRoute } from "./system.routes";

export const info: RouteHandler<InfoRoute, AppEnv> = (c) =>
  c.json(
    { name: appConfig(c.env).appName, version: appConfig(c.env).appVersion, docs: "/docs", openapi: "/openapi.json" },
    200,
  );

type Answer = "ok" | "unavailable";

/** `SELECT 1` on one database; a failure is logged and reported, never thrown. */
async function check(c: Parameters<RouteHandler<HealthRoute, AppEnv>>[0], name: string, d1: () => D1Database) {
  try {
    if (await databaseAnswers(d1())) return "ok" as const;
  } catch (error) {
    log(c.env, "error", "health check failed", { database: name, error: String(error) });
  }
  return "unavailable" as const;
}

/**
 * Every database answers `SELECT 1`: the head office, then (from its stores
 * table) each store's, in parallel. `database` is the head office's answer,
 * as before stores; any database not answering makes the whole 503.
 */
export const health: RouteHandler<HealthRoute, AppEnv> = async (c) => {
  const time = c.var.ctx.now().toISOString();
  const hq = c.var.ctx.hq;
  const headOffice = await check(c, "head_office", () => hq.d1);
  const stores: Record<string, Answer> = {};
  if (headOffice === "ok") {
    try {
      const rows = await listStores(hq.db);
      const answers = await Promise.all(rows.map((store) => check(c, store.code, () => storeDatabase(c.env, store))));
      rows.forEach((store, index) => {
        stores[store.code] = answers[index] ?? "unavailable";
      });
    } catch (error) {
      log(c.env, "error", "health check could not list the stores", { error: String(error) });
    }
  }
  const ok = headOffice === "ok" && Object.values(stores).every((answer) => answer === "ok");
  const databases = { head_office: headOffice, stores };
  return ok
    ? c.json({ status: "ok" as const, database: headOffice, databases, time }, 200)
    : c.json({ status: "degraded" as const, database: headOffice, databases, time }, 503);
};
