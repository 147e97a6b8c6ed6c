import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/http/openapi";

export const InfoSchema = z
  .object({ name: z.string(), version: z.string(), docs: z.string(), openapi: z.string() })
  .openapi("ApiInfo");

export const HealthSchema = z
  .object({ status: z.enum(["ok", "degraded"]), database: z.enum(["ok", "unavailable"]), time: z.string() })
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
  summary: "Liveness with a real D1 query",
  responses: {
    ...errorResponses(),
    200: jsonContent(HealthSchema, "D1 answered"),
    503: jsonContent(HealthSchema, "D1 did not answer"),
  },
});

export type InfoRoute = typeof info;
export type HealthRoute = typeof health;
