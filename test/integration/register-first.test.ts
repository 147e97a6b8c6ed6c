// Its own file: storage is isolated per file, so here the users table starts empty.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { BOOTSTRAP_HEADERS, call, expectJson, login } from "../helpers/api";

describe("register", () => {
  it("refuses the first account without the bootstrap token, and writes nothing", async ({ expect }) => {
    const body = { username: "squatter", email: "squatter@example.com", password: "secure123" };
    const attempts: Record<string, string>[] = [{}, { "X-Bootstrap-Token": "guessed-token-guessed-token-0000" }];
    for (const headers of attempts) {
      const res = await call("POST", "/api/v1/auth/register", { body, headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        code: "FORBIDDEN",
        detail: expect.stringContaining("X-Bootstrap-Token"),
      });
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM users").first()).toEqual({ n: 0 });
  });

  it("makes the first account admin whatever role it asks for, then needs an admin", async ({ expect }) => {
    const first = await expectJson(
      call("POST", "/api/v1/auth/register", {
        headers: BOOTSTRAP_HEADERS,
        body: {
          username: "john",
          email: "john@example.com",
          password: "secure123",
          full_name: "John Doe",
          role: "cashier",
        },
      }),
      201,
    );
    expect(first).toMatchObject({ username: "john", role: "admin", is_active: true });
    expect(first).not.toHaveProperty("password_hash");

    const anonymous = await call("POST", "/api/v1/auth/register", {
      body: { username: "mallory", email: "m@example.com", password: "secure123" },
    });
    expect(anonymous.status).toBe(401);

    const johnTokens = await login("john", "secure123");
    const created = await expectJson(
      call("POST", "/api/v1/auth/register", {
        token: johnTokens.access_token,
        body: { username: "cash2", email: "cash2@example.com", password: "secure123", role: "cashier" },
      }),
      201,
    );
    expect(created).toMatchObject({ role: "cashier" });

    const cashier = await login("cash2", "secure123");
    const escalate = await call("POST", "/api/v1/auth/register", {
      token: cashier.access_token,
      body: { username: "boss", email: "boss@example.com", password: "secure123", role: "admin" },
    });
    expect(escalate.status).toBe(403);
    const duplicate = await call("POST", "/api/v1/auth/register", {
      token: johnTokens.access_token,
      body: { username: "JOHN", email: "other@example.com", password: "secure123" },
    });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: "DUPLICATE", field: "username" });
  });

  it("refuses an anonymous registration once any account exists", async ({ expect }) => {
    const res = await call("POST", "/api/v1/auth/register", {
      body: { username: "late", email: "late@example.com", password: "secure123" },
    });
    expect(res.status).toBe(401);
  });
});
