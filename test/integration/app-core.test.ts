import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/lib/http/json-depth";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";

describe("error model", () => {
  it("answers a bad body with a FastAPI-style 422 list", async ({ expect }) => {
    const { admin } = await accounts();
    const res = await call("POST", "/api/v1/users", {
      token: admin.token,
      body: { username: "x", email: "not-an-email", password: "short", role: "wizard" },
    });
    const body = await expectJson<{
      detail: { loc: unknown[]; msg: string; type: string }[];
      code: string;
      request_id: string;
    }>(res, 422);
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.request_id).toBe(res.headers.get("X-Request-Id"));
    const locs = body.detail.map((issue) => issue.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.username", "body.email", "body.password", "body.role"]));
    for (const issue of body.detail) {
      expect(typeof issue.msg).toBe("string");
      expect(typeof issue.type).toBe("string");
    }
    const missing = await expectJson<{ detail: { loc: unknown[]; type: string }[] }>(
      call("POST", "/api/v1/users", { token: admin.token, body: {} }),
      422,
    );
    expect(missing.detail).toContainEqual(expect.objectContaining({ loc: ["body", "username"], type: "missing" }));
  });

  it("answers malformed JSON with 422 and writes nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
    const res = await call("POST", "/api/v1/users", {
      token: admin.token,
      raw: '{"username": "half',
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", detail: [{ type: "json_invalid" }] });
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM users").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("answers 413 above the body limit", async ({ expect }) => {
    const res = await call("POST", "/api/v1/auth/login", {
      raw: JSON.stringify({ username: "a", password: "x".repeat(1_100_000) }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });

  it("refuses JSON nested deeper than the limit before parsing it, and writes nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM customers").first<{ n: number }>();
    const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    const deep = await call("POST", "/api/v1/customers", {
      token: admin.token,
      raw: `{"first_name":"Deep","last_name":"x","extra":${nested(MAX_JSON_DEPTH)}}`,
      headers: { "Content-Type": "application/json" },
    });
    expect(deep.status).toBe(422);
    expect(await deep.json()).toMatchObject({ code: "VALIDATION_ERROR", detail: [{ type: "json_too_deep" }] });
    const huge = await call("POST", "/api/v1/customers", {
      token: admin.token,
      raw: nested(100_000),
      headers: { "Content-Type": "application/json" },
    });
    expect(huge.status).toBe(422);
    expect(await huge.json()).toMatchObject({ detail: [{ type: "json_too_deep" }] });
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM customers").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);

    // Brackets inside strings are text, not nesting.
    await expectJson(
      call("POST", "/api/v1/customers", {
        token: admin.token,
        body: { first_name: "Brackets", last_name: "[".repeat(40), extra: JSON.parse(nested(MAX_JSON_DEPTH - 1)) },
      }),
      201,
    );
  });

  it("answers unknown paths with JSON 404 and wrong methods with 405", async ({ expect }) => {
    const missing = await call("GET", "/api/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NOT_FOUND" });

    const wrongMethod = await call("DELETE", "/api/v1/auth/login");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("Allow")).toContain("POST");
    expect(await wrongMethod.json()).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
  });

  it("refuses an unsupported media type with 415", async ({ expect }) => {
    const res = await call("POST", "/api/v1/auth/refresh", {
      raw: "refresh_token=x",
      headers: { "Content-Type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("treats a trailing slash as optional", async () => {
    const { manager } = await accounts();
    await expectJson(call("GET", "/api/v1/users/", { token: manager.token }), 200);
    await expectJson(call("GET", "/api/v1/auth/me/", { token: manager.token }), 200);
  });
});

describe("headers", () => {
  it("sends a request id and the secure-headers set on every response", async ({ expect }) => {
    for (const path of ["/", "/health", "/api/v1/nothing", "/api/v1/auth/me"]) {
      const res = await call("GET", path);
      expect(res.headers.get("X-Request-Id"), path).toMatch(/^[\w-]{8,}$/);
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options"), path).toBe("SAMEORIGIN");
      expect(res.headers.get("Strict-Transport-Security"), path).toContain("max-age=");
      expect(res.headers.get("Content-Security-Policy"), path).toContain("default-src 'none'");
      expect(res.headers.get("Referrer-Policy"), path).toBe("no-referrer");
    }
  });

  it("keeps a caller's own request id", async ({ expect }) => {
    const res = await call("GET", "/health", { headers: { "X-Request-Id": "till-7-req-42" } });
    expect(res.headers.get("X-Request-Id")).toBe("till-7-req-42");
  });

  it("allows CORS preflight from a configured origin and not from another", async ({ expect }) => {
    const preflight = (origin: string) =>
      call("OPTIONS", "/api/v1/auth/login", {
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
    const allowed = await preflight("http://localhost:5173");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    expect(allowed.headers.get("Access-Control-Allow-Methods")).toContain("POST");

    const denied = await preflight("https://evil.example");
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("system routes", () => {
  it("names the API at / and checks every D1 database at /health", async ({ expect }) => {
    expect(await expectJson(call("GET", "/"), 200)).toMatchObject({ name: "POS API", version: expect.any(String) });
    expect(await expectJson(call("GET", "/health"), 200)).toMatchObject({
      status: "ok",
      database: "ok",
      databases: { head_office: "ok", stores: { MAIN: "ok", EAST: "ok" } },
    });
  });

  it("reports a store whose database binding is missing as unavailable (503)", async ({ expect }) => {
    await env.DB.prepare(
      `INSERT INTO stores (id, code, name, address_lines, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
       VALUES (90, 'GONE', 'Gone', '[]', 'UTC', 'USD', 'active', 'STORE_GONE', 'pos-store-gone', 1, '2026-01-01', '2026-01-01')`,
    ).run();
    try {
      const res = await call("GET", "/health");
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: "degraded",
        database: "ok",
        databases: { head_office: "ok", stores: { MAIN: "ok", EAST: "ok", GONE: "unavailable" } },
      });
    } finally {
      await env.DB.prepare("DELETE FROM stores WHERE id = 90").run();
    }
  });
});

describe("the Worker entry module", () => {
  it("exports only handlers and classes (workerd refuses to start otherwise)", async ({ expect }) => {
    const entry = await import("../../src/index");
    for (const [name, value] of Object.entries(entry)) {
      if (name === "default") expect(Object.keys(value as object).sort()).toEqual(["fetch", "queue", "scheduled"]);
      else expect(typeof value, name).toBe("function");
    }
  });
});
