import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/http/openapi";

export const InfoSchema = z
  .object({ name: z.string(), version: z.string(), docs: z.string(), openapi: z.string() })
  .openapi("ApiInfo");

const DatabaseAnswer = z.enum(["ok", "unavailable"]);

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: DatabaseAnswer.openapi({ description: "The head office database" }),
    databases: z.object({
      head_office: DatabaseAnswer,
      stores: z.record(z.string(), DatabaseAnswer).openapi({ description: "Each store's database, by store code" }),
    }),
    time: z.string(),
  })
  .openapi("Health");

export const info = createRoute({
  method: "get",
  path: "/",
  tags: ["system"],
  summary: "API name and version",
  responses: { 200: jsonContent(InfoSchema, "Name and version"), ...errorResponses() },
});

export const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["system"],
  summary: "Liveness with a real query on every D1 database (head office and each store)",
  responses: {
    ...errorResponses(),
    200: jsonContent(HealthSchema, "Every database answered"),
    503: jsonContent(HealthSchema, "Some database did not answer"),
  },
});

export type InfoRoute = typeof info;
export type HealthRoute = typeof health;
