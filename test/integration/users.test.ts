import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Role } from "../../src/db/schema";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";

type Target = "self" | "other";
interface Cell {
  name: string;
  method: string;
  path: (target: number) => string;
  target: Target;
  body?: unknown;
  allowed: Role[];
}

// The users row of DESIGN.md's matrix: admin all, manager read, cashier and
// inventory officer only themselves.
const MATRIX: Cell[] = [
  { name: "create", method: "POST", path: () => "/api/v1/users", target: "other", allowed: ["admin"] },
  { name: "list", method: "GET", path: () => "/api/v1/users", target: "other", allowed: ["admin", "manager"] },
  {
    name: "read other",
    method: "GET",
    path: (id) => `/api/v1/users/${id}`,
    target: "other",
    allowed: ["admin", "manager"],
  },
  {
    name: "read self",
    method: "GET",
    path: (id) => `/api/v1/users/${id}`,
    target: "self",
    allowed: ["admin", "manager", "cashier", "inventory_officer"],
  },
  {
    name: "update other",
    method: "PUT",
    path: (id) => `/api/v1/users/${id}`,
    target: "other",
    body: { full_name: "Changed by someone" },
    allowed: ["admin"],
  },
  {
    name: "update self",
    method: "PUT",
    path: (id) => `/api/v1/users/${id}`,
    target: "self",
    body: { full_name: "Changed by me" },
    allowed: ["admin", "manager", "cashier", "inventory_officer"],
  },
  {
    name: "grant self a role",
    method: "PUT",
    path: (id) => `/api/v1/users/${id}`,
    target: "self",
    body: { role: "admin" },
    allowed: ["admin"],
  },
  { name: "deactivate", method: "DELETE", path: (id) => `/api/v1/users/${id}`, target: "other", allowed: ["admin"] },
  {
    name: "activate",
    method: "POST",
    path: (id) => `/api/v1/users/${id}/activate`,
    target: "other",
    allowed: ["admin"],
  },
];

const ROLES: Role[] = ["admin", "manager", "cashier", "inventory_officer"];
let counter = 0;

/** A throwaway cashier to act upon, so deactivations do not disturb the actors. */
async function victim(admin: Account) {
  counter += 1;
  return expectJson<{ id: number }>(
    call("POST", "/api/v1/users", {
      token: admin.token,
      body: { username: `victim${counter}`, email: `victim${counter}@example.com`, password: "victim-pass-1" },
    }),
    201,
  );
}

describe("users role matrix", () => {
  for (const cell of MATRIX) {
    for (const role of ROLES) {
      const allowed = cell.allowed.includes(role);
      it(`${role} ${allowed ? "may" : "may not"} ${cell.name}`, async ({ expect }) => {
        const all = await accounts();
        const actor = all[role];
        const targetId = cell.target === "self" ? actor.id : (await victim(all.admin)).id;
        counter += 1;
        const body =
          cell.name === "create"
            ? { username: `new${counter}`, email: `new${counter}@example.com`, password: "new-pass-123" }
            : cell.body;
        const before = await env.DB.prepare("SELECT COUNT(*) AS n, MAX(updated_at) AS u FROM users").first();
        const res = await call(cell.method, cell.path(targetId), { token: actor.token, body });
        if (allowed) {
          expect(res.status, await res.clone().text()).toBeLessThan(300);
        } else {
          expect(res.status).toBe(403);
          expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
          const after = await env.DB.prepare("SELECT COUNT(*) AS n, MAX(updated_at) AS u FROM users").first();
          expect(after).toEqual(before);
        }
      });
    }
    it(`anonymous may not ${cell.name}`, async ({ expect }) => {
      const { manager } = await accounts();
      const res = await call(cell.method, cell.path(manager.id), { body: cell.body });
      expect(res.status).toBe(401);
    });
  }
});

describe("user administration", () => {
  it("lists with pagination and filters", async ({ expect }) => {
    const { admin } = await accounts();
    const page = await expectJson<{ total: number; skip: number; limit: number; data: { role: string }[] }>(
      call("GET", "/api/v1/users?skip=1&limit=2", { token: admin.token }),
      200,
    );
    expect(page.skip).toBe(1);
    expect(page.limit).toBe(2);
    expect(page.data.length).toBe(2);
    expect(page.total).toBeGreaterThanOrEqual(4);
    const cashiers = await expectJson<{ data: { role: string }[] }>(
      call("GET", "/api/v1/users?role=cashier", { token: admin.token }),
      200,
    );
    const cashierRows = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'cashier'").first<{
      n: number;
    }>();
    expect(cashiers.data.length).toBe(cashierRows?.n);
    expect(cashiers.data.length).toBeGreaterThan(0);
    expect(cashiers.data.every((u) => u.role === "cashier")).toBe(true);
    expect((await call("GET", "/api/v1/users?limit=5000", { token: admin.token })).status).toBe(422);
  });

  it("changes a role and the new role applies to existing tokens at once", async ({ expect }) => {
    const { admin } = await accounts();
    const user = await victim(admin);
    const login = await expectJson<{ access_token: string }>(
      call("POST", "/api/v1/auth/login", { body: { username: `victim${counter}`, password: "victim-pass-1" } }),
      200,
    );
    expect((await call("GET", "/api/v1/users", { token: login.access_token })).status).toBe(403);
    await expectJson(call("PUT", `/api/v1/users/${user.id}`, { token: admin.token, body: { role: "manager" } }), 200);
    expect((await call("GET", "/api/v1/users", { token: login.access_token })).status).toBe(200);
  });

  it("keeps at least one active admin", async ({ expect }) => {
    const { admin } = await accounts();
    const demote = await call("PUT", `/api/v1/users/${admin.id}`, { token: admin.token, body: { role: "cashier" } });
    expect(demote.status).toBe(409);
    const selfDelete = await call("DELETE", `/api/v1/users/${admin.id}`, { token: admin.token });
    expect(selfDelete.status).toBe(409);
    const me = await expectJson(call("GET", "/api/v1/auth/me", { token: admin.token }), 200);
    expect(me).toMatchObject({ role: "admin", is_active: true });
  });

  it("refuses self-deactivation by either route, and two admins demoting each other keep one", async ({ expect }) => {
    const { admin } = await accounts();
    const second = await createAccount(admin.token, "admin2", "admin");
    const secondToken = second.token;
    // With another admin present the last-admin rule does not apply; the self rule still does.
    const selfPut = await call("PUT", `/api/v1/users/${admin.id}`, { token: admin.token, body: { is_active: false } });
    expect(selfPut.status).toBe(409);

    const results = await Promise.all([
      call("PUT", `/api/v1/users/${second.id}`, { token: admin.token, body: { role: "manager" } }),
      call("PUT", `/api/v1/users/${admin.id}`, { token: secondToken, body: { role: "manager" } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const admins = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND is_active = 1",
    ).first();
    expect(admins).toEqual({ n: 1 });
    // Put the shared accounts back as they were for the other tests.
    const remaining = results[0]?.status === 200 ? admin.token : secondToken;
    for (const id of [admin.id, second.id]) {
      await expectJson(call("PUT", `/api/v1/users/${id}`, { token: remaining, body: { role: "admin" } }), 200);
    }
    await expectJson(call("PUT", `/api/v1/users/${second.id}`, { token: remaining, body: { is_active: false } }), 200);
  });

  it("refuses a duplicate email and unknown fields", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const dup = await call("PUT", `/api/v1/users/${manager.id}`, {
      token: admin.token,
      body: { email: "ADMIN@example.com" },
    });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "DUPLICATE", field: "email" });
    const extra = await call("PUT", `/api/v1/users/${manager.id}`, {
      token: admin.token,
      body: { password_hash: "x" },
    });
    expect(extra.status).toBe(422);
    expect((await call("GET", "/api/v1/users/999999", { token: admin.token })).status).toBe(404);
  });
});
