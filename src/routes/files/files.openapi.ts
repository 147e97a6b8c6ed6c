import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { errorResponses } from "../../lib/http/openapi";

/** /files/<key> is a wildcard route (keys contain slashes), so its contract is registered by hand. */
export function registerFilesDoc(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/files/{key}",
    tags: ["files"],
    summary: "Download a document through a signed link (no bearer token)",
    security: [],
    request: {
      params: z.object({
        key: z.string().openapi({
          description:
            "R2 key under invoices/ or reports/daily/, e.g. invoices/ORD-…/….pdf; any other key is a 404, even signed",
        }),
      }),
      query: z.object({ expires: z.string(), sig: z.string() }),
    },
    responses: {
      200: { description: "The file (PDF, SVG, PNG, JSON) with Content-Type, ETag and Cache-Control" },
      304: { description: "Not modified (If-None-Match)" },
      ...errorResponses(403, 404),
    },
  });
}
