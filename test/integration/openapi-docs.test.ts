import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, call, expectJson } from "../helpers/api";

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, { type: string }>; schemas?: Record<string, unknown> };
}

const PUBLIC_OPERATIONS = new Set([
  "get /",
  "get /health",
  "post /api/v1/auth/login",
  "post /api/v1/auth/refresh",
  "get /files/{key}",
]);

/** Every API route the app registers, in OpenAPI path syntax. */
function registeredOperations(): string[] {
  const app = createApp();
  const operations = app.routes
    .filter((route) => route.method !== "ALL" && !["/docs", "/redoc", "/openapi.json"].includes(route.path))
    .map((route) => {
      // The signed-file route is a wildcard (keys contain slashes), documented as /files/{key}.
      const path = route.path
        .replace(/:(\w+)/g, "{$1}")
        .replace(/(.)\/$/, "$1")
        .replace("/files/*", "/files/{key}");
      return `${route.method.toLowerCase()} ${path}`;
    });
  return [...new Set(operations)];
}

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 and lists every route with its errors and security", async ({ expect }) => {
    const doc = await expectJson<OpenApiDoc>(call("GET", "/openapi.json"), 200);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.Bearer?.type).toBe("http");
    expect(doc.components.securitySchemes.OAuth2Password?.type).toBe("oauth2");

    const operations = registeredOperations();
    expect(operations.length).toBeGreaterThanOrEqual(14);
    // The stores area (README "Stores") is registered and documented like the others.
    expect(operations).toEqual(
      expect.arrayContaining([
        "get /api/v1/stores",
        "post /api/v1/stores",
        "get /api/v1/stores/{id}",
        "put /api/v1/stores/{id}",
      ]),
    );
    expect(Object.keys(doc.components.schemas ?? {})).toEqual(
      expect.arrayContaining(["Store", "StoreCreate", "StoreUpdate", "StoreRole"]),
    );
    for (const operation of operations) {
      const [method = "", path = ""] = operation.split(" ");
      const entry = doc.paths[path]?.[method];
      expect(entry, `${operation} missing from /openapi.json`).toBeDefined();
      expect(Object.keys(entry?.responses ?? {}), operation).toEqual(expect.arrayContaining(["422", "500"]));
      if (!PUBLIC_OPERATIONS.has(operation)) {
        expect(entry?.security, `${operation} has no security`).toEqual(
          expect.arrayContaining([{ Bearer: [] }, { OAuth2Password: [] }]),
        );
        expect(Object.keys(entry?.responses ?? {}), operation).toContain("401");
      }
    }
  });
});

describe("documentation pages", () => {
  const assetPaths = (html: string) =>
    [...html.matchAll(/(?:src|href)="(\/docs-assets\/[^"]+)"/g)].map((m) => m[1] ?? "");

  for (const page of ["/docs", "/redoc"]) {
    it(`${page} is HTML whose assets are served by this Worker`, async ({ expect }) => {
      const res = await call("GET", page);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("text/html");
      expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
      const html = await res.text();
      expect(html).toContain(page === "/docs" ? "swagger-ui" : '<redoc spec-url="/openapi.json"');
      expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
      const assets = assetPaths(html);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const served = await env.ASSETS.fetch(`${BASE}${asset}`);
        expect(served.status, asset).toBe(200);
        expect((await served.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
      }
    });
  }

  it("serves the Swagger UI initializer that points at this API", async ({ expect }) => {
    const res = await env.ASSETS.fetch(`${BASE}/docs-assets/swagger-ui/swagger-initializer.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('url: "/openapi.json"');
  });
});
