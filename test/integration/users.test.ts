import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Role } from "../../src/db/schema";
import { type Account, accounts, createAccount, grantStoreRoles, userAtStores } from "../helpers/accounts";
import { call, expectJson, login } from "../helpers/api";
import { atStore, MAIN_STORE, SECOND_STORE } from "../helpers/stores";

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

interface UserAnswer {
  id: number;
  username: string;
  role: string;
  home_store_id: number;
  store_roles: { store_id: number; role: string }[];
}

describe("users at stores: home store and store roles", () => {
  it("shows every user's home store and store roles; the first admin and the seeded accounts are at MAIN", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const me = await expectJson<UserAnswer>(call("GET", "/api/v1/auth/me", { token: admin.token }), 200);
    expect(me).toMatchObject({ role: "admin", home_store_id: MAIN_STORE.id, store_roles: [] });
    const listed = await expectJson<{ data: UserAnswer[] }>(call("GET", "/api/v1/users", { token: admin.token }), 200);
    expect(listed.data.find((user) => user.id === cashier.id)).toMatchObject({
      home_store_id: MAIN_STORE.id,
      store_roles: [],
    });
  });

  it("creates a user with a home store and store roles, through either route, and they act there", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const roamer = await userAtStores(admin.token, "roamer", {
      role: "cashier",
      homeStoreId: SECOND_STORE.id,
      storeRoles: [{ store_id: MAIN_STORE.id, role: "manager" }],
    });
    const me = await expectJson<UserAnswer>(call("GET", "/api/v1/auth/me", { token: roamer.token }), 200);
    expect(me).toMatchObject({
      role: "cashier",
      home_store_id: SECOND_STORE.id,
      store_roles: [{ store_id: MAIN_STORE.id, role: "manager" }],
    });
    // A cashier at home (EAST), a manager at MAIN: reading users needs a manager.
    expect((await call("GET", "/api/v1/users", { token: roamer.token })).status).toBe(403);
    expect((await call("GET", "/api/v1/users", { token: roamer.token, headers: atStore(MAIN_STORE.id) })).status).toBe(
      200,
    );

    const created = await expectJson<UserAnswer>(
      call("POST", "/api/v1/users", {
        token: admin.token,
        body: {
          username: "viausers",
          email: "viausers@example.com",
          password: "viausers-pass-1",
          role: "inventory_officer",
          home_store_id: SECOND_STORE.id,
        },
      }),
      201,
    );
    expect(created).toMatchObject({ home_store_id: SECOND_STORE.id, store_roles: [] });
  });

  it("makes the admin's acting store the new user's home store when none is given", async ({ expect }) => {
    const { admin } = await accounts();
    const atHome = await expectJson<UserAnswer>(
      call("POST", "/api/v1/users", {
        token: admin.token,
        body: { username: "defaulthome", email: "defaulthome@example.com", password: "default-pass-1" },
      }),
      201,
    );
    expect(atHome.home_store_id).toBe(MAIN_STORE.id);
    const atEast = await expectJson<UserAnswer>(
      call("POST", "/api/v1/auth/register", {
        token: admin.token,
        headers: atStore(SECOND_STORE.id),
        body: { username: "easthome", email: "easthome@example.com", password: "easthome-pass-1" },
      }),
      201,
    );
    expect(atEast).toMatchObject({ role: "cashier", home_store_id: SECOND_STORE.id });
  });

  it("refuses unknown stores, the home store twice, a store listed twice and store roles for admins; writes nothing", async ({
    expect,
  }) => {
    const { admin, cashier } = await accounts();
    const before = await env.DB.prepare(
      "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM store_roles) AS roles",
    ).first();
    const user = (extra: Record<string, unknown>, n: number) => ({
      username: `refused${n}`,
      email: `refused${n}@example.com`,
      password: "refused-pass-1",
      ...extra,
    });
    const bad: [Record<string, unknown>, (string | number)[]][] = [
      [{ home_store_id: 99 }, ["body", "home_store_id"]],
      [{ store_roles: [{ store_id: 99, role: "cashier" }] }, ["body", "store_roles", 0, "store_id"]],
      [{ home_store_id: 2, store_roles: [{ store_id: 2, role: "manager" }] }, ["body", "store_roles", 0, "store_id"]],
      [
        {
          store_roles: [
            { store_id: 2, role: "manager" },
            { store_id: 2, role: "cashier" },
          ],
        },
        ["body", "store_roles", 1, "store_id"],
      ],
      [{ role: "admin", store_roles: [{ store_id: 2, role: "manager" }] }, ["body", "store_roles"]],
      [{ store_roles: [{ store_id: 2, role: "owner" }] }, ["body", "store_roles", 0, "role"]],
    ];
    for (const [index, [extra, loc]] of bad.entries()) {
      const res = await call("POST", "/api/v1/users", { token: admin.token, body: user(extra, index) });
      expect(res.status, JSON.stringify(extra)).toBe(422);
      const answer = (await res.json()) as { detail: { loc: (string | number)[] }[] };
      expect(answer.detail[0]?.loc, JSON.stringify(answer)).toEqual(loc);
    }
    const update = await call("PUT", `/api/v1/users/${cashier.id}`, {
      token: admin.token,
      body: { store_roles: [{ store_id: 1, role: "manager" }] },
    });
    expect(update.status).toBe(422);
    const adminRoles = await call("PUT", `/api/v1/users/${admin.id}`, {
      token: admin.token,
      body: { store_roles: [{ store_id: 2, role: "manager" }] },
    });
    expect(adminRoles.status).toBe(422);
    const after = await env.DB.prepare(
      "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM store_roles) AS roles",
    ).first();
    expect(after).toEqual(before);
  });

  it("lets only admins change where someone works", async ({ expect }) => {
    const { manager, cashier } = await accounts();
    for (const body of [{ home_store_id: 2 }, { store_roles: [{ store_id: 2, role: "manager" }] }]) {
      const res = await call("PUT", `/api/v1/users/${manager.id}`, { token: manager.token, body });
      expect(res.status, JSON.stringify(body)).toBe(403);
      const other = await call("PUT", `/api/v1/users/${cashier.id}`, { token: manager.token, body });
      expect(other.status).toBe(403);
    }
    const row = await env.DB.prepare("SELECT home_store_id FROM users WHERE id = ?1").bind(manager.id).first();
    expect(row).toEqual({ home_store_id: 1 });
  });

  it("replaces the store roles as a set, moves the home store, and clears roles on promotion to admin", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    const mover = await userAtStores(admin.token, "mover", { role: "manager", homeStoreId: MAIN_STORE.id });
    const granted = await grantStoreRoles(admin.token, mover.id, [{ store_id: 2, role: "cashier" }]);
    expect(granted.store_roles).toEqual([{ store_id: 2, role: "cashier" }]);
    const replaced = await grantStoreRoles(admin.token, mover.id, []);
    expect(replaced.store_roles).toEqual([]);
    await grantStoreRoles(admin.token, mover.id, [{ store_id: 2, role: "cashier" }]);

    // Moving home to EAST: the role there is now `role`; the EAST store role is dropped.
    const moved = await expectJson<UserAnswer>(
      call("PUT", `/api/v1/users/${mover.id}`, { token: admin.token, body: { home_store_id: 2 } }),
      200,
    );
    expect(moved).toMatchObject({ home_store_id: 2, role: "manager", store_roles: [] });
    // Requests naming no store now act on EAST, with the same token.
    expect((await call("GET", "/api/v1/users", { token: mover.token })).status).toBe(200);
    expect((await call("GET", "/api/v1/users", { token: mover.token, headers: atStore(1) })).status).toBe(403);

    await grantStoreRoles(admin.token, mover.id, [{ store_id: 1, role: "cashier" }]);
    const promoted = await expectJson<UserAnswer>(
      call("PUT", `/api/v1/users/${mover.id}`, { token: admin.token, body: { role: "admin" } }),
      200,
    );
    expect(promoted).toMatchObject({ role: "admin", store_roles: [] });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM store_roles WHERE user_id = ?1")
      .bind(mover.id)
      .first();
    expect(rows).toEqual({ n: 0 });
    await expectJson(call("PUT", `/api/v1/users/${mover.id}`, { token: admin.token, body: { role: "manager" } }), 200);
  });

  it("shows a manager the users of the store they act on, and refreshed tokens keep the home store", async ({
    expect,
  }) => {
    const { admin, manager } = await accounts();
    const eastOnly = await userAtStores(admin.token, "eastonly", { role: "cashier", homeStoreId: 2 });
    const both = await userAtStores(admin.token, "eastmanager", {
      role: "manager",
      homeStoreId: 2,
      storeRoles: [{ store_id: 1, role: "manager" }],
    });
    const mainList = await expectJson<{ total: number; data: UserAnswer[] }>(
      call("GET", "/api/v1/users?limit=1000", { token: manager.token }),
      200,
    );
    const mainIds = mainList.data.map((user) => user.id);
    expect(mainIds).toContain(manager.id);
    expect(mainIds).toContain(both.id); // a manager at MAIN through a store role
    expect(mainIds).not.toContain(eastOnly.id);
    const expectedMain = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM users u WHERE u.home_store_id = 1 OR EXISTS (SELECT 1 FROM store_roles r WHERE r.user_id = u.id AND r.store_id = 1)",
    ).first<{ n: number }>();
    expect(mainList.total).toBe(expectedMain?.n);
    expect((await call("GET", `/api/v1/users/${eastOnly.id}`, { token: manager.token })).status).toBe(404);
    // A MAIN manager is nobody at EAST.
    expect((await call("GET", "/api/v1/users", { token: manager.token, headers: atStore(2) })).status).toBe(403);

    const eastList = await expectJson<{ data: UserAnswer[] }>(
      call("GET", "/api/v1/users?limit=1000", { token: both.token }),
      200,
    );
    expect(eastList.data.map((user) => user.id)).toContain(eastOnly.id);
    expect(eastList.data.map((user) => user.id)).not.toContain(manager.id);
    await expectJson(call("GET", `/api/v1/users/${eastOnly.id}`, { token: both.token }), 200);
    // Admins see everyone, wherever they act.
    const all = await expectJson<{ data: UserAnswer[] }>(
      call("GET", "/api/v1/users?limit=1000", { token: admin.token }),
      200,
    );
    expect(all.data.map((user) => user.id)).toEqual(expect.arrayContaining([eastOnly.id, manager.id, both.id]));

    const refreshed = await expectJson<{ access_token: string }>(
      call("POST", "/api/v1/auth/refresh", { body: { refresh_token: both.refresh } }),
      200,
    );
    const claims = JSON.parse(atob((refreshed.access_token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims.hs).toBe(2);
    const relogged = await login("eastmanager", both.password);
    expect(relogged.access_token).toBeTruthy();
  });
});
