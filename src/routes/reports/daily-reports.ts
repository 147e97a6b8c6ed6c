/** GET /reports/daily (stored daily reports) and GET /reports/daily/{date}. */
import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requirePermission } from "../../lib/auth/middleware";
import { notFound } from "../../lib/errors";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";

const Summary = z.object({
  date: z.string(),
  time_zone: z.string(),
  emailed: z.number().int(),
  created_at: z.string(),
});

export const list = createRoute({
  method: "get",
  path: "/daily",
  tags: ["reports"],
  summary: "Stored daily reports, newest first",
  security: BEARER_SECURITY,
  middleware: [requirePermission("reports:read")],
  request: { query: PaginationQuerySchema },
  responses: {
    200: jsonContent(
      z.object({ total: z.number().int(), skip: z.number().int(), limit: z.number().int(), data: z.array(Summary) }),
      "Reports",
    ),
    ...errorResponses(...AUTHED_ERRORS),
  },
});

export const get = createRoute({
  method: "get",
  path: "/daily/{date}",
  tags: ["reports"],
  summary: "One stored daily report",
  security: BEARER_SECURITY,
  middleware: [requirePermission("reports:read")],
  request: {
    params: z.object({
      date: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
        .openapi({ param: { name: "date", in: "path" } }),
    }),
  },
  responses: {
    200: jsonContent(z.object({ data: z.record(z.string(), z.unknown()), date: z.string() }), "The report"),
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const listHandler: RouteHandler<typeof list, AppEnv> = async (c) => {
  const { skip, limit } = c.req.valid("query");
  const [rows, totals] = await c.env.DB.batch([
    c.env.DB.prepare(
      "SELECT date, time_zone, emailed, created_at FROM daily_reports ORDER BY date DESC LIMIT ?1 OFFSET ?2",
    ).bind(limit, skip),
    c.env.DB.prepare("SELECT COUNT(*) AS total FROM daily_reports"),
  ]);
  return c.json(
    {
      total: (totals?.results[0] as { total: number } | undefined)?.total ?? 0,
      skip,
      limit,
      data: (rows?.results ?? []) as z.infer<typeof Summary>[],
    },
    200,
  );
};

export const getHandler: RouteHandler<typeof get, AppEnv> = async (c) => {
  const { date } = c.req.valid("param");
  const row = await c.env.DB.prepare("SELECT data FROM daily_reports WHERE date = ?1")
    .bind(date)
    .first<{ data: string }>();
  if (!row) throw notFound("Daily report");
  return c.json({ data: JSON.parse(row.data) as Record<string, unknown>, date }, 200);
};
