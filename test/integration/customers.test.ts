import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";

interface Customer {
  id: number;
  first_name: string;
  last_name: string;
  loyalty_points: number;
  total_spent: number;
  version: number;
  is_active: boolean;
}

const create = (token: string, body: Record<string, unknown>) =>
  expectJson<Customer>(call("POST", "/api/v1/customers", { token, body }), 201);

describe("customers", () => {
  it("creates, searches, updates with versions and deactivates", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const jane = await create(cashier.token, {
      first_name: "Jane",
      last_name: "Smith",
      email: "jane@example.com",
      phone: "+1 555 0101",
      city: "Springfield",
      loyalty_points: 5000,
      total_spent: 99999,
    });
    // Points and spending are not writable here.
    expect(jane).toMatchObject({ loyalty_points: 0, total_spent: 0, version: 1, is_active: true });
    await create(cashier.token, { first_name: "John", last_name: "Smithers", email: "john@shop.test" });
    await create(cashier.token, { first_name: "Ann", last_name: "Lee", phone: "0800 100 100" });

    const search = async (q: string) =>
      (
        await expectJson<{ data: Customer[] }>(
          call("GET", `/api/v1/customers/search?q=${encodeURIComponent(q)}`, { token: cashier.token }),
          200,
        )
      ).data.map((c) => c.first_name);
    expect(await search("smith")).toEqual(["Jane", "John"]);
    expect(await search("Jane Smith")).toEqual(["Jane"]);
    expect(await search("shop.test")).toEqual(["John"]);
    expect(await search("0800")).toEqual(["Ann"]);
    expect(await search("100%")).toEqual([]);
    expect((await call("GET", `/api/v1/customers/search?q=${"é".repeat(25)}`, { token: cashier.token })).status).toBe(
      422,
    );
    expect((await call("GET", "/api/v1/customers/search?q=", { token: cashier.token })).status).toBe(422);

    const updated = await expectJson<Customer>(
      call("PUT", `/api/v1/customers/${jane.id}`, { token: manager.token, body: { city: "Shelbyville", version: 1 } }),
      200,
    );
    expect(updated.version).toBe(2);
    const before = await env.DB.prepare("SELECT * FROM customers WHERE id = ?").bind(jane.id).first();
    const stale = await call("PUT", `/api/v1/customers/${jane.id}`, {
      token: cashier.token,
      body: { city: "Nowhere", version: 1 },
    });
    expect(stale.status).toBe(409);
    expect(await env.DB.prepare("SELECT * FROM customers WHERE id = ?").bind(jane.id).first()).toEqual(before);

    await expectJson(call("DELETE", `/api/v1/customers/${jane.id}`, { token: cashier.token }), 200);
    const list = await expectJson<{ data: Customer[] }>(
      call("GET", "/api/v1/customers", { token: cashier.token }),
      200,
    );
    expect(list.data.map((c) => c.id)).not.toContain(jane.id);
    const all = await expectJson<{ data: Customer[] }>(
      call("GET", "/api/v1/customers?is_active=all", { token: cashier.token }),
      200,
    );
    expect(all.data.map((c) => c.id)).toContain(jane.id);
  });

  it("keeps email unique, case-insensitively, while any number of customers have none", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const customerRows = async () =>
      (await env.DB.prepare("SELECT id, email, version FROM customers ORDER BY id").all()).results;
    const first = await create(cashier.token, { first_name: "Dee", last_name: "Upe", email: "Dup@Example.com" });
    for (const body of [{}, { email: null }, {}]) {
      await create(cashier.token, { first_name: "No", last_name: "Mail", ...body });
    }
    const other = await create(cashier.token, {
      first_name: "Oth",
      last_name: "Er",
      email: "other@example.com",
      notes: "Prefers\nemail receipts",
    });
    expect(other).toMatchObject({ email: "other@example.com", notes: "Prefers\nemail receipts" });
    const before = await customerRows();

    for (const email of ["dup@example.com", "DUP@EXAMPLE.COM", "  dup@example.COM "]) {
      const res = await call("POST", "/api/v1/customers", {
        token: cashier.token,
        body: { first_name: "Second", last_name: "Try", email },
      });
      expect(res.status, email).toBe(409);
      expect(await res.json()).toMatchObject({
        code: "DUPLICATE",
        field: "email",
        detail: "A customer with this email already exists",
      });
    }
    const taken = await call("PUT", `/api/v1/customers/${other.id}`, {
      token: manager.token,
      body: { email: "dUp@example.com", city: "Elsewhere" },
    });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ code: "DUPLICATE", field: "email" });
    expect(await customerRows()).toEqual(before);

    // Changing the case of one's own address is no conflict; giving it up frees it.
    await expectJson(
      call("PUT", `/api/v1/customers/${first.id}`, { token: manager.token, body: { email: "dup@example.com" } }),
      200,
    );
    // A deactivated customer keeps their address.
    await expectJson(call("DELETE", `/api/v1/customers/${first.id}`, { token: manager.token }), 200);
    const stillTaken = await call("POST", "/api/v1/customers", {
      token: cashier.token,
      body: { first_name: "Third", last_name: "Try", email: "DUP@example.com" },
    });
    expect(stillTaken.status).toBe(409);
    await expectJson(
      call("PUT", `/api/v1/customers/${first.id}`, { token: manager.token, body: { email: null } }),
      200,
    );
    const moved = await expectJson<{ id: number; email: string }>(
      call("PUT", `/api/v1/customers/${other.id}`, { token: manager.token, body: { email: "DUP@example.com" } }),
      200,
    );
    expect(moved.email).toBe("DUP@example.com");

    // Two tills racing for one address: exactly one wins.
    const racing = await Promise.all(
      [1, 2].map((n) =>
        call("POST", "/api/v1/customers", {
          token: cashier.token,
          body: { first_name: `Racer${n}`, last_name: "X", email: "race@example.com" },
        }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it("keeps loyalty points as a ledger that never goes below zero", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const customer = await create(cashier.token, { first_name: "Lou", last_name: "Yalty" });
    const path = `/api/v1/customers/${customer.id}/loyalty-points`;

    const added = await expectJson(
      call("POST", path, { token: manager.token, body: { points: 120, reason: "welcome bonus" } }),
      200,
    );
    expect(added).toMatchObject({ customer_id: customer.id, loyalty_points: 120, delta: 120 });
    // The older query-string form.
    const viaQuery = await expectJson(call("POST", `${path}?points=30&reason=survey`, { token: manager.token }), 200);
    expect(viaQuery).toMatchObject({ customer_id: customer.id, loyalty_points: 150 });
    await expectJson(
      call("POST", path, { token: manager.token, body: { points: -50, reason: "redeemed at till" } }),
      200,
    );

    const overdraw = await call("POST", path, { token: manager.token, body: { points: -101, reason: "too much" } });
    expect(overdraw.status).toBe(409);
    expect(await overdraw.json()).toMatchObject({ available_points: 100 });

    for (const bad of [{ points: 0 }, { points: 1.5 }, { points: "many" }, {}]) {
      const body = { reason: "bad input", ...bad };
      expect((await call("POST", path, { token: manager.token, body })).status, JSON.stringify(bad)).toBe(422);
    }
    const missing = await call("POST", "/api/v1/customers/999999/loyalty-points", {
      token: manager.token,
      body: { points: 1, reason: "nobody" },
    });
    expect(missing.status).toBe(404);

    const ledger = await expectJson<{
      total: number;
      data: { delta: number; balance_after: number; reason: string }[];
    }>(call("GET", path, { token: cashier.token }), 200);
    expect(ledger.total).toBe(3);
    expect(ledger.data.map((e) => [e.delta, e.balance_after, e.reason])).toEqual([
      [-50, 100, "redeemed at till"],
      [30, 150, "survey"],
      [120, 120, "welcome bonus"],
    ]);
    const row = await env.DB.prepare("SELECT loyalty_points FROM customers WHERE id = ?").bind(customer.id).first();
    expect(row).toEqual({ loyalty_points: 100 });
    const sum = await env.DB.prepare("SELECT SUM(delta) AS s FROM loyalty_ledger WHERE customer_id = ?")
      .bind(customer.id)
      .first();
    expect(sum).toEqual({ s: 100 });
  });

  it("lets only managers and admins adjust points by hand, capped per call and with a reason", async ({ expect }) => {
    const { cashier, manager, admin } = await accounts();
    const customer = await create(cashier.token, { first_name: "Cap", last_name: "Ped" });
    const path = `/api/v1/customers/${customer.id}/loyalty-points`;
    const state = async () => ({
      points: await env.DB.prepare("SELECT loyalty_points AS p FROM customers WHERE id = ?").bind(customer.id).first(),
      ledger: await env.DB.prepare("SELECT COUNT(*) AS n FROM loyalty_ledger WHERE customer_id = ?")
        .bind(customer.id)
        .first(),
    });
    const before = await state();

    // A cashier can no longer give points away, in either form.
    const byCashier = await call("POST", path, { token: cashier.token, body: { points: 1_000_000, reason: "gift" } });
    expect(byCashier.status).toBe(403);
    expect((await call("POST", `${path}?points=500&reason=gift`, { token: cashier.token })).status).toBe(403);

    // Above the per-call cap (LOYALTY_MAX_MANUAL_ADJUSTMENT, 10 000 by default): 422 naming the field and the cap.
    for (const points of [10_001, -10_001, 1_000_000]) {
      const res = await call("POST", path, { token: manager.token, body: { points, reason: "too generous" } });
      expect(res.status, String(points)).toBe(422);
      const body = (await res.json()) as { detail: { loc: string[]; msg: string }[] };
      expect(body.detail[0]?.loc).toEqual(["body", "points"]);
      expect(body.detail[0]?.msg).toContain("10000");
    }
    const viaQuery = await call("POST", `${path}?points=10001&reason=too%20generous`, { token: manager.token });
    expect(viaQuery.status).toBe(422);
    expect(((await viaQuery.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(["query", "points"]);

    // A reason is required in the body; a blank one is refused in either form.
    for (const [url, body, loc] of [
      [path, { points: 10 }, ["body", "reason"]],
      [path, { points: 10, reason: "   " }, ["body", "reason"]],
      [`${path}?points=10&reason=`, undefined, ["query", "reason"]],
    ] as const) {
      const res = await call("POST", url, { token: manager.token, body });
      expect(res.status, url).toBe(422);
      const detail = ((await res.json()) as { detail: { loc: string[]; msg: string }[] }).detail;
      expect(detail.map((d) => d.loc)).toContainEqual(loc);
    }
    expect(await state()).toEqual(before);

    // At the cap, with a reason: accepted, and the reason is on the ledger row.
    const top = await expectJson(
      call("POST", path, { token: manager.token, body: { points: 10_000, reason: "complaint settled" } }),
      200,
    );
    expect(top).toMatchObject({ loyalty_points: 10_000, delta: 10_000, entry: { reason: "complaint settled" } });
    const down = await expectJson(
      call("POST", `${path}?points=-10000&reason=${encodeURIComponent("entered twice")}`, { token: admin.token }),
      200,
    );
    expect(down).toMatchObject({ customer_id: customer.id, loyalty_points: 0 });
    const rows = await env.DB.prepare(
      "SELECT delta, reason, user_id FROM loyalty_ledger WHERE customer_id = ? ORDER BY id",
    )
      .bind(customer.id)
      .all();
    expect(rows.results).toEqual([
      { delta: 10_000, reason: "complaint settled", user_id: manager.id },
      { delta: -10_000, reason: "entered twice", user_id: admin.id },
    ]);

    // The replaced API's bare `?points=` (seed contract) still works for a
    // manager, capped, and its ledger row says which form it came through.
    const legacy = await expectJson<{ loyalty_points: number }>(
      call("POST", `${path}?points=7`, { token: manager.token }),
      200,
    );
    expect(legacy.loyalty_points).toBe(7);
    expect((await call("POST", `${path}?points=10001`, { token: manager.token })).status).toBe(422);
    expect((await call("POST", `${path}?points=7`, { token: cashier.token })).status).toBe(403);
    const lastReason = await env.DB.prepare(
      "SELECT reason FROM loyalty_ledger WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
    )
      .bind(customer.id)
      .first<{ reason: string }>();
    expect(lastReason?.reason).toContain("deprecated ?points= form");
  });

  it("takes the query form whether or not a JSON Content-Type comes with an empty body or {}", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const customer = await create(cashier.token, { first_name: "Old", last_name: "Till" });
    const path = `/api/v1/customers/${customer.id}/loyalty-points`;
    const json = { "Content-Type": "application/json" };
    const forms: [string, Parameters<typeof call>[2]][] = [
      ["no Content-Type", { token: manager.token }],
      ["JSON, empty body", { token: manager.token, headers: json }],
      [
        "JSON, whitespace",
        { token: manager.token, headers: { "Content-Type": "application/json; charset=utf-8" }, raw: " \n" },
      ],
      ["JSON, {}", { token: manager.token, body: {} }],
    ];
    let balance = 0;
    for (const [name, options] of forms) {
      const res = await call("POST", `${path}?points=120`, options);
      expect(res.status, name).toBe(200);
      balance += 120;
      expect(await res.json(), name).toMatchObject({ customer_id: customer.id, loyalty_points: balance });
    }
    // With a reason in the query too, and a JSON body that does say something wins.
    await expectJson(call("POST", `${path}?points=5&reason=survey`, { token: manager.token, headers: json }), 200);
    const fromBody = await expectJson(
      call("POST", `${path}?points=5`, { token: manager.token, body: { points: -5, reason: "typo" } }),
      200,
    );
    expect(fromBody).toMatchObject({ loyalty_points: balance, delta: -5 });

    // Bad input is still a 422 naming the field, whichever way it came.
    for (const [query, options, loc] of [
      ["?points=abc", { token: manager.token, headers: json }, ["query", "points"]],
      ["?points=0", { token: manager.token, body: {} }, ["query", "points"]],
      ["", { token: manager.token, headers: json }, ["body", "points"]],
      ["", { token: manager.token, body: {} }, ["body", "points"]],
      ["?points=5", { token: manager.token, body: { points: "many" } }, ["body", "points"]],
      ["?points=5", { token: manager.token, headers: json, raw: "{not json" }, ["body"]],
    ] as const) {
      const res = await call("POST", `${path}${query}`, options);
      expect(res.status, `${query} ${JSON.stringify(options)}`).toBe(422);
      expect(await res.json()).toMatchObject({ detail: [{ loc }] });
    }
    // Dropping the empty body happens after the permission check: still 401 and 403 first.
    expect((await call("POST", `${path}?points=1`, { headers: json })).status).toBe(401);
    expect((await call("POST", `${path}?points=1`, { token: cashier.token, body: {} })).status).toBe(403);
  });

  it("documents that a reason is required in the body, not in the deprecated ?points= form", async ({ expect }) => {
    type Schema = { properties?: Record<string, { description?: string }> };
    const spec = await expectJson<{
      paths: Record<string, Record<string, { description?: string; summary?: string }>>;
      components: { schemas: Record<string, Schema> };
    }>(call("GET", "/openapi.json"), 200);
    const adjust = spec.paths["/api/v1/customers/{id}/loyalty-points"]?.post;
    expect(adjust?.description).not.toContain("in the query form too");
    expect(adjust?.description).toContain("`?points=120` works without one");
    const reason = spec.components.schemas.LoyaltyAdjust?.properties?.reason?.description;
    expect(reason).toContain("Required with `points` in the body");
    expect(reason).not.toContain("here or as ?reason=");
  });

  it("never overdraws when two removals race", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    const customer = await create(cashier.token, { first_name: "Race", last_name: "Condition" });
    const path = `/api/v1/customers/${customer.id}/loyalty-points`;
    await expectJson(call("POST", path, { token: manager.token, body: { points: 100, reason: "seed" } }), 200);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("POST", path, { token: manager.token, body: { points: -60, reason: "race" } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const row = await env.DB.prepare("SELECT loyalty_points FROM customers WHERE id = ?").bind(customer.id).first();
    expect(row).toEqual({ loyalty_points: 40 });
  });
});
