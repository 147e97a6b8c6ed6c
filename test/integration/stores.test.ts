/**
 * The stores API: admins create and change stores, staff read the stores
 * they work at, codes and bindings never change, and a store's fields are
 * what its answers show. Every file starts with MAIN (1) and EAST (2); this
 * Worker's only other store binding is STORE_WEST (for files that add WEST),
 * and none is NORTH's, so creating NORTH is refused (422) unless it names a
 * binding the Worker has and no store uses.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { MAIN_STORE, SECOND_STORE } from "../helpers/stores";

interface StoreAnswer {
  id: number;
  code: string;
  name: string;
  address_lines: string[];
  phone: string | null;
  time_zone: string;
  currency: string;
  status: string;
  binding: string;
  database_name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

interface Page<T> {
  total: number;
  data: T[];
}

const storeCount = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM stores").first<{ n: number }>())?.n;

const body = (overrides: Record<string, unknown> = {}) => ({
  code: "NORTH",
  name: "North End Shop",
  address_lines: ["12 High Street", "Westville 11111"],
  phone: "+1 555 0142",
  time_zone: "Europe/Berlin",
  currency: "EUR",
  ...overrides,
});

/**
 * A new store needs a binding this Worker has and no store uses yet: the
 * test Worker has DB, STORE_MAIN, STORE_EAST and STORE_WEST. EAST's row is moved
 * aside to free STORE_EAST for the duration of `work`, then put back.
 */
async function withFreeBinding<T>(work: (binding: string) => Promise<T>): Promise<T> {
  await env.DB.prepare("UPDATE stores SET binding = 'STORE_EAST_ASIDE' WHERE id = ?1").bind(SECOND_STORE.id).run();
  try {
    return await work(SECOND_STORE.binding);
  } finally {
    await env.DB.prepare("DELETE FROM stores WHERE binding = ?1 AND id <> ?2")
      .bind(SECOND_STORE.binding, SECOND_STORE.id)
      .run();
    await env.DB.prepare("UPDATE stores SET binding = ?1 WHERE id = ?2")
      .bind(SECOND_STORE.binding, SECOND_STORE.id)
      .run();
  }
}

describe("stores: reading", () => {
  it("shows admins every store with every field, MAIN carrying the old shop settings", async ({ expect }) => {
    const { admin } = await accounts();
    const page = await expectJson<Page<StoreAnswer>>(call("GET", "/api/v1/stores", { token: admin.token }), 200);
    expect(page.total).toBe(2);
    expect(page.data.map((store) => store.code)).toEqual(["MAIN", "EAST"]);
    expect(page.data[0]).toEqual({
      id: 1,
      code: "MAIN",
      name: "Corner Shop",
      address_lines: ["1 Market Street", "Springfield 12345"],
      phone: "+1 555 0100",
      time_zone: "UTC",
      currency: "USD",
      status: "active",
      binding: "STORE_MAIN",
      database_name: "pos-store-main",
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const east = await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/2", { token: admin.token }), 200);
    expect(east).toMatchObject({ code: "EAST", time_zone: "America/New_York", currency: "EUR" });
  });

  it("shows other staff only the stores they work at; the others are 404", async ({ expect }) => {
    const { admin, cashier } = await accounts();
    const page = await expectJson<Page<StoreAnswer>>(call("GET", "/api/v1/stores", { token: cashier.token }), 200);
    expect(page.data.map((store) => store.code)).toEqual(["MAIN"]);
    expect(page.total).toBe(1);
    expect((await call("GET", "/api/v1/stores/2", { token: cashier.token })).status).toBe(404);
    expect((await call("GET", "/api/v1/stores/999", { token: cashier.token })).status).toBe(404);
    expect((await call("GET", "/api/v1/stores/999", { token: admin.token })).status).toBe(404);

    const roaming = await userAtStores(admin.token, "roamingmgr", {
      role: "manager",
      homeStoreId: SECOND_STORE.id,
      storeRoles: [{ store_id: MAIN_STORE.id, role: "cashier" }],
    });
    const both = await expectJson<Page<StoreAnswer>>(call("GET", "/api/v1/stores", { token: roaming.token }), 200);
    expect(both.data.map((store) => store.code)).toEqual(["MAIN", "EAST"]);

    const eastOnly = await userAtStores(admin.token, "eastcashier", { role: "cashier", homeStoreId: SECOND_STORE.id });
    const east = await expectJson<Page<StoreAnswer>>(call("GET", "/api/v1/stores", { token: eastOnly.token }), 200);
    expect(east.data.map((store) => store.code)).toEqual(["EAST"]);
    expect((await call("GET", "/api/v1/stores/1", { token: eastOnly.token })).status).toBe(404);
  });

  it("needs a token", async ({ expect }) => {
    expect((await call("GET", "/api/v1/stores")).status).toBe(401);
  });
});

describe("stores: creating", () => {
  it("lets only admins create", async ({ expect }) => {
    const all = await accounts();
    const before = await storeCount();
    for (const role of ["manager", "cashier", "inventory_officer"] as const) {
      const res = await call("POST", "/api/v1/stores", { token: all[role].token, body: body() });
      expect(res.status, role).toBe(403);
    }
    expect(await storeCount()).toBe(before);
  });

  it("refuses bad input with 422 and writes nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const before = await storeCount();
    const cases: [Record<string, unknown>, string][] = [
      [body({ code: "west" }), "code"],
      [body({ code: "TOO-LONG" }), "code"],
      [body({ code: "ABCDEFGHIJKLM" }), "code"],
      [body({ time_zone: "Europe/Berlni" }), "time_zone"],
      [body({ currency: "euro" }), "currency"],
      [body({ address_lines: "1 Street" }), "address_lines"],
      [body({ status: "closed" }), "status"],
      [body({ name: "" }), "name"],
    ];
    for (const [input, field] of cases) {
      const res = await call("POST", "/api/v1/stores", { token: admin.token, body: input });
      expect(res.status, field).toBe(422);
      const answer = (await res.json()) as { detail: { loc: (string | number)[] }[] };
      expect(
        answer.detail.some((issue) => issue.loc.includes(field)),
        JSON.stringify(answer),
      ).toBe(true);
    }
    expect(await storeCount()).toBe(before);
  });

  it("refuses a store whose database binding this Worker lacks, saying how to add one", async ({ expect }) => {
    const { admin } = await accounts();
    const before = await storeCount();
    const res = await call("POST", "/api/v1/stores", { token: admin.token, body: body() });
    expect(res.status).toBe(422);
    const answer = (await res.json()) as { detail: { loc: string[]; msg: string }[] };
    expect(answer.detail[0]?.loc).toEqual(["body", "binding"]);
    expect(answer.detail[0]?.msg).toContain("STORE_NORTH");
    expect(answer.detail[0]?.msg).toContain("npm run store:add");
    const named = await call("POST", "/api/v1/stores", {
      token: admin.token,
      body: body({ binding: "STORE_NOWHERE" }),
    });
    expect(named.status).toBe(422);
    expect(await storeCount()).toBe(before);
  });

  it("refuses a duplicate code or binding with 409", async ({ expect }) => {
    const { admin } = await accounts();
    const before = await storeCount();
    // A free binding the Worker has, so that only the code is taken.
    await withFreeBinding(async (binding) => {
      const sameCode = await call("POST", "/api/v1/stores", {
        token: admin.token,
        body: body({ code: "EAST", binding }),
      });
      expect(sameCode.status).toBe(409);
      expect(await sameCode.json()).toMatchObject({ code: "DUPLICATE", field: "code" });
    });
    const sameBinding = await call("POST", "/api/v1/stores", {
      token: admin.token,
      body: body({ binding: "STORE_MAIN" }),
    });
    expect(sameBinding.status).toBe(409);
    expect(await sameBinding.json()).toMatchObject({ code: "DUPLICATE", field: "binding" });
    expect(await storeCount()).toBe(before);
  });

  it("creates a store on a binding the Worker has, with the defaults, and requests can act on it", async ({
    expect,
  }) => {
    const { admin } = await accounts();
    await withFreeBinding(async (binding) => {
      const created = await expectJson<StoreAnswer>(
        call("POST", "/api/v1/stores", { token: admin.token, body: body({ binding, address_lines: undefined }) }),
        201,
      );
      expect(created).toMatchObject({
        code: "NORTH",
        name: "North End Shop",
        address_lines: [],
        time_zone: "Europe/Berlin",
        currency: "EUR",
        status: "active",
        binding,
        database_name: "pos-store-north",
        version: 1,
      });
      const row = await env.DB.prepare("SELECT code FROM stores WHERE id = ?1").bind(created.id).first();
      expect(row).toEqual({ code: "NORTH" });
      // The new store is known at once: an admin can act on it.
      await expectJson(
        call("GET", "/api/v1/auth/me", { token: admin.token, headers: { "X-Store-Id": String(created.id) } }),
        200,
      );
      // (EAST's row points at a binding moved aside meanwhile, so /health is degraded as a whole.)
      const health = (await (await call("GET", "/health")).json()) as { databases: { stores: Record<string, string> } };
      expect(health.databases.stores).toMatchObject({ MAIN: "ok", NORTH: "ok", EAST: "unavailable" });
    });
  });

  it("defaults the binding to STORE_<CODE> and the database name to pos-store-<code>", async ({ expect }) => {
    const { admin } = await accounts();
    // EAST's row moved aside frees STORE_EAST, which is the default binding of a store coded EAST.
    await env.DB.prepare("UPDATE stores SET code = 'EASTX', binding = 'STORE_EASTX' WHERE id = 2").run();
    try {
      const created = await expectJson<StoreAnswer>(
        call("POST", "/api/v1/stores", { token: admin.token, body: body({ code: "EAST" }) }),
        201,
      );
      expect(created).toMatchObject({ code: "EAST", binding: "STORE_EAST", database_name: "pos-store-east" });
      await env.DB.prepare("DELETE FROM stores WHERE id = ?1").bind(created.id).run();
    } finally {
      await env.DB.prepare("UPDATE stores SET code = 'EAST', binding = 'STORE_EAST' WHERE id = 2").run();
    }
  });
});

describe("stores: updating", () => {
  it("changes name, time zone, currency and address, and the answers show them", async ({ expect }) => {
    const { admin, manager } = await accounts();
    const east = await userAtStores(admin.token, "eastviewer", { role: "manager", homeStoreId: SECOND_STORE.id });
    const updated = await expectJson<StoreAnswer>(
      call("PUT", "/api/v1/stores/2", {
        token: admin.token,
        body: {
          name: "East Harbour Shop",
          time_zone: "Asia/Tokyo",
          currency: "JPY",
          address_lines: ["1 Pier"],
          phone: null,
          version: 1,
        },
      }),
      200,
    );
    expect(updated).toMatchObject({
      id: 2,
      code: "EAST",
      name: "East Harbour Shop",
      time_zone: "Asia/Tokyo",
      currency: "JPY",
      address_lines: ["1 Pier"],
      phone: null,
      version: 2,
    });
    const read = await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/2", { token: east.token }), 200);
    expect(read).toEqual(updated);
    const listed = await expectJson<Page<StoreAnswer>>(call("GET", "/api/v1/stores", { token: admin.token }), 200);
    expect(listed.data.find((store) => store.id === 2)).toEqual(updated);
    // A manager of MAIN still does not see EAST.
    expect((await call("GET", "/api/v1/stores/2", { token: manager.token })).status).toBe(404);
    // Put EAST back for the other tests of this file.
    await expectJson(
      call("PUT", "/api/v1/stores/2", {
        token: admin.token,
        headers: { "If-Match": '"2"' },
        body: {
          name: SECOND_STORE.name,
          time_zone: SECOND_STORE.timeZone,
          currency: SECOND_STORE.currency,
          address_lines: [...SECOND_STORE.addressLines],
          phone: SECOND_STORE.phone,
        },
      }),
      200,
    );
  });

  it("refuses a stale version with 409 and changes nothing", async ({ expect }) => {
    const { admin } = await accounts();
    const current = await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/1", { token: admin.token }), 200);
    const res = await call("PUT", "/api/v1/stores/1", {
      token: admin.token,
      body: { name: "Stale", version: current.version + 5 },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "VERSION_CONFLICT" });
    expect(await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/1", { token: admin.token }), 200)).toEqual(
      current,
    );
  });

  it("keeps code and binding: a different one is 422, the same one is fine", async ({ expect }) => {
    const { admin } = await accounts();
    const current = await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/1", { token: admin.token }), 200);
    for (const change of [{ code: "SOUTH" }, { binding: "STORE_SOUTH" }]) {
      const res = await call("PUT", "/api/v1/stores/1", { token: admin.token, body: change });
      expect(res.status, JSON.stringify(change)).toBe(422);
      const field = Object.keys(change)[0] as string;
      const answer = (await res.json()) as { detail: { loc: string[] }[] };
      expect(answer.detail[0]?.loc).toEqual(["body", field]);
    }
    expect(await expectJson<StoreAnswer>(call("GET", "/api/v1/stores/1", { token: admin.token }), 200)).toEqual(
      current,
    );
    const same = await expectJson<StoreAnswer>(
      call("PUT", "/api/v1/stores/1", { token: admin.token, body: { code: "MAIN", binding: "STORE_MAIN" } }),
      200,
    );
    expect(same).toMatchObject({ code: "MAIN", binding: "STORE_MAIN", version: current.version + 1 });
  });

  it("refuses a bad time zone, an unknown store, and non-admins", async ({ expect }) => {
    const all = await accounts();
    const bad = await call("PUT", "/api/v1/stores/1", { token: all.admin.token, body: { time_zone: "Mars/Olympus" } });
    expect(bad.status).toBe(422);
    expect((await call("PUT", "/api/v1/stores/999", { token: all.admin.token, body: { name: "X" } })).status).toBe(404);
    for (const role of ["manager", "cashier", "inventory_officer"] as const) {
      const res = await call("PUT", "/api/v1/stores/1", { token: all[role].token, body: { name: "Mine now" } });
      expect(res.status, role).toBe(403);
    }
    const row = await env.DB.prepare("SELECT name, time_zone FROM stores WHERE id = 1").first();
    expect(row).toEqual({ name: "Corner Shop", time_zone: "UTC" });
  });
});
