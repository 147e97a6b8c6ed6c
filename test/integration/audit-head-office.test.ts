/**
 * The head office's audit events (README "Audit trail"): the catalog, people,
 * customers, stores and backups each record exactly the event of their write,
 * in the head office's database, with the fields that changed, the actor and
 * the request id; a refused request (a stale version, a validation error, a
 * wrong password) records none. Customers' writes also put their
 * `customer.created` / `customer.updated` event in the feed, once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { updateCategory } from "../../src/services/categories";
import { accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { SECOND_STORE } from "../helpers/stores";

interface AuditRow {
  id: number;
  action: string;
  entity_type: string;
  entity_id: number;
  actor_user_id: number | null;
  actor_username: string | null;
  actor_role: string | null;
  store_id: number | null;
  request_id: string | null;
  before: string | null;
  after: string | null;
  reason: string | null;
}

let requestCount = 0;
const nextRequestId = (name: string) => `ho-${name}-${++requestCount}`;

/** Sends a request with its own X-Request-Id; the answer and that id. */
async function send(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const requestId = nextRequestId(method.toLowerCase());
  const res = await call(method, path, { ...options, headers: { ...options.headers, "X-Request-Id": requestId } });
  return { res, requestId, text: await res.text() };
}

/** The head office's audit rows of one request. */
async function eventsOf(requestId: string): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE request_id = ? ORDER BY id")
    .bind(requestId)
    .all<AuditRow>();
  return results;
}

/** The one audit row of a successful request, its before/after parsed. */
async function oneEvent(requestId: string) {
  const rows = await eventsOf(requestId);
  expect(rows, `events of ${requestId}`).toHaveLength(1);
  const row = rows[0] as AuditRow;
  return {
    ...row,
    before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
    after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
  };
}

describe("catalog", () => {
  it("records a price change as product.price.updated with the prices before and after, in cents", async () => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 10, cost_price: 4 });
    const { res, requestId, text } = await send("PUT", `/api/v1/products/${product.id}`, {
      token: admin.token,
      body: { price: 12.5, version: product.version },
    });
    expect(res.status, text).toBe(200);
    const event = await oneEvent(requestId);
    expect(event).toMatchObject({
      action: "product.price.updated",
      entity_type: "product",
      entity_id: product.id,
      actor_user_id: admin.id,
      actor_username: "admin",
      actor_role: "admin",
      store_id: 1,
      request_id: requestId,
      before: { price: 1000 },
      after: { price: 1250 },
      reason: null,
    });

    // Another field with the price: a product update, each changed field on both sides.
    const other = await send("PUT", `/api/v1/products/${product.id}`, {
      token: admin.token,
      body: { name: "Renamed", cost_price: 5 },
    });
    expect(other.res.status, other.text).toBe(200);
    expect(await oneEvent(other.requestId)).toMatchObject({
      action: "product.updated",
      before: { name: product.name, cost_price: 400 },
      after: { name: "Renamed", cost_price: 500 },
    });
  });

  it("records nothing for a stale version (409) or a refused body (422)", async () => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token);
    const stale = await send("PUT", `/api/v1/products/${product.id}`, {
      token: admin.token,
      body: { price: 99, version: product.version + 5 },
    });
    expect(stale.res.status, stale.text).toBe(409);
    expect(stale.text).toContain("VERSION_CONFLICT");
    expect(await eventsOf(stale.requestId)).toEqual([]);

    const invalid = await send("PUT", `/api/v1/products/${product.id}`, {
      token: admin.token,
      body: { price: -3 },
    });
    expect(invalid.res.status, invalid.text).toBe(422);
    expect(await eventsOf(invalid.requestId)).toEqual([]);

    const unknownCategory = await send("POST", "/api/v1/products", {
      token: admin.token,
      body: { sku: "HO-NO-CAT", name: "No category", price: 1, category_id: 987_654 },
    });
    expect(unknownCategory.res.status, unknownCategory.text).toBe(422);
    expect(await eventsOf(unknownCategory.requestId)).toEqual([]);
    const row = await env.DB.prepare("SELECT version, price FROM products WHERE id = ?").bind(product.id).first();
    expect(row).toEqual({ version: product.version, price: 1000 });
  });

  it("records creation, deactivation, the store's own price and an in-store barcode", async () => {
    const { admin, manager } = await accounts();
    const created = await send("POST", "/api/v1/products", {
      token: admin.token,
      body: { sku: "HO-NEW-1", name: "Fresh", price: 2.5, stock_quantity: 7 },
    });
    expect(created.res.status, created.text).toBe(201);
    const product = JSON.parse(created.text) as { id: number };
    expect(await oneEvent(created.requestId)).toMatchObject({
      action: "product.created",
      entity_id: product.id,
      before: null,
      after: { sku: "HO-NEW-1", name: "Fresh", price: 250, is_active: true, stock_quantity: 7 },
    });

    const priced = await send("PUT", `/api/v1/products/${product.id}/store-price`, {
      token: manager.token,
      body: { price: 3 },
    });
    expect(priced.res.status, priced.text).toBe(200);
    expect(await oneEvent(priced.requestId)).toMatchObject({
      action: "product.store_price.set",
      entity_type: "product",
      entity_id: product.id,
      actor_user_id: manager.id,
      actor_role: "manager",
      store_id: 1,
      before: { store_price: null },
      after: { store_price: 300 },
    });
    const cleared = await send("DELETE", `/api/v1/products/${product.id}/store-price`, { token: manager.token });
    expect(cleared.res.status, cleared.text).toBe(200);
    expect(await oneEvent(cleared.requestId)).toMatchObject({
      action: "product.store_price.cleared",
      before: { store_price: 300 },
      after: { store_price: null },
    });

    const coded = await send("POST", `/api/v1/products/${product.id}/barcode`, { token: admin.token });
    expect(coded.res.status, coded.text).toBe(200);
    const barcode = (JSON.parse(coded.text) as { barcode: string }).barcode;
    expect(await oneEvent(coded.requestId)).toMatchObject({
      action: "product.barcode.assigned",
      before: { barcode: null },
      after: { barcode },
    });
    const again = await send("POST", `/api/v1/products/${product.id}/barcode`, { token: admin.token });
    expect(again.res.status, again.text).toBe(409);
    expect(await eventsOf(again.requestId)).toEqual([]);

    const removed = await send("DELETE", `/api/v1/products/${product.id}`, { token: admin.token });
    expect(removed.res.status, removed.text).toBe(200);
    expect(await oneEvent(removed.requestId)).toMatchObject({
      action: "product.deactivated",
      before: { is_active: true },
      after: { is_active: false },
    });
  });

  it("records a category's deletion with what it was, and the products it let go", async () => {
    const { admin } = await accounts();
    const category = await createCategory(admin.token, "HO Doomed");
    await createProduct(admin.token, { category_id: category.id });
    const refused = await send("DELETE", `/api/v1/categories/${category.id}`, { token: admin.token });
    expect(refused.res.status, refused.text).toBe(409);
    expect(await eventsOf(refused.requestId)).toEqual([]);

    const deleted = await send("DELETE", `/api/v1/categories/${category.id}?detach_products=true`, {
      token: admin.token,
    });
    expect(deleted.res.status, deleted.text).toBe(200);
    expect(await oneEvent(deleted.requestId)).toMatchObject({
      action: "category.deleted",
      entity_type: "category",
      entity_id: category.id,
      actor_user_id: admin.id,
      before: { name: "HO Doomed", is_active: true, product_count: 1 },
      after: null,
    });
  });
});

/**
 * The head office's D1, where another writer changes category `id` (a new
 * version) just before this request's first batch runs: the row the service
 * read is no longer the one its UPDATE would replace.
 */
function racedHeadOffice(id: number): D1Database {
  let raced = false;
  return new Proxy(env.DB, {
    get(target, key) {
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (!raced) {
            raced = true;
            await target
              .prepare(
                "UPDATE categories SET description = 'raced v' || (version + 1), version = version + 1 WHERE id = ?",
              )
              .bind(id)
              .run();
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("versioned writes that lose a race", () => {
  it("record nothing with an expected version (409), and the change that won with none", async () => {
    const { admin } = await accounts();
    const category = await createCategory(admin.token, "HO Raced");
    const place = { requestId: "ho-raced-expected", clientAddress: null };
    const stale = await testContext({ hq: racedHeadOffice(category.id), request: place });
    await expect(updateCategory(stale, category.id, { name: "HO Lost" }, category.version)).rejects.toMatchObject({
      code: "VERSION_CONFLICT",
    });
    expect(await eventsOf("ho-raced-expected")).toEqual([]);

    // Without an expected version the write reads again and records what it really replaced.
    const free = await testContext({
      hq: racedHeadOffice(category.id),
      request: { ...place, requestId: "ho-raced-free" },
    });
    const view = await updateCategory(free, category.id, { description: "mine" }, undefined);
    expect(view).toMatchObject({ description: "mine", version: category.version + 3 });
    expect(await oneEvent("ho-raced-free")).toMatchObject({
      action: "category.updated",
      entity_id: category.id,
      // What the UPDATE replaced: the second racing write's, read again after the first attempt lost.
      before: { description: `raced v${category.version + 2}` },
      after: { description: "mine" },
    });
  });
});

describe("people", () => {
  it("records a role change with the roles before and after, never a password", async () => {
    const { admin } = await accounts();
    const made = await send("POST", "/api/v1/users", {
      token: admin.token,
      body: { username: "hoclerk", email: "hoclerk@example.com", password: "hoclerk-pass-1", role: "cashier" },
    });
    expect(made.res.status, made.text).toBe(201);
    const user = JSON.parse(made.text) as { id: number };
    const createdEvent = await oneEvent(made.requestId);
    expect(createdEvent).toMatchObject({
      action: "user.created",
      entity_type: "user",
      entity_id: user.id,
      after: { email: "hoclerk@example.com", role: "cashier", is_active: true, home_store_id: 1, store_roles: [] },
    });
    expect(JSON.stringify(createdEvent)).not.toMatch(/hoclerk-pass-1|argon2|password/);

    const promoted = await send("PUT", `/api/v1/users/${user.id}`, {
      token: admin.token,
      body: { role: "manager", store_roles: [{ store_id: SECOND_STORE.id, role: "cashier" }] },
    });
    expect(promoted.res.status, promoted.text).toBe(200);
    expect(await oneEvent(promoted.requestId)).toMatchObject({
      action: "user.role.updated",
      entity_id: user.id,
      actor_user_id: admin.id,
      actor_role: "admin",
      before: { role: "cashier", store_roles: [] },
      after: { role: "manager", store_roles: [{ store_id: SECOND_STORE.id, role: "cashier" }] },
    });

    const deactivated = await send("DELETE", `/api/v1/users/${user.id}`, { token: admin.token });
    expect(deactivated.res.status, deactivated.text).toBe(200);
    expect(await oneEvent(deactivated.requestId)).toMatchObject({
      action: "user.deactivated",
      before: { is_active: true },
      after: { is_active: false },
    });

    // The last admin cannot lose the role: refused, nothing recorded.
    const lastAdmin = await send("PUT", `/api/v1/users/${admin.id}`, { token: admin.token, body: { role: "cashier" } });
    expect(lastAdmin.res.status, lastAdmin.text).toBe(409);
    expect(await eventsOf(lastAdmin.requestId)).toEqual([]);
  });

  it("records a password change without any value, and a wrong old password records nothing", async () => {
    const { admin } = await accounts();
    const account = await createAccount(admin.token, "hopass", "cashier");
    const wrong = await send("POST", "/api/v1/auth/change-password", {
      token: account.token,
      body: { old_password: "not-it-at-all", new_password: "brand-new-pass-1" },
    });
    expect(wrong.res.status, wrong.text).toBe(400);
    expect(await eventsOf(wrong.requestId)).toEqual([]);

    const changed = await send("POST", "/api/v1/auth/change-password", {
      token: account.token,
      body: { old_password: account.password, new_password: "brand-new-pass-1" },
    });
    expect(changed.res.status, changed.text).toBe(200);
    const event = await oneEvent(changed.requestId);
    expect(event).toMatchObject({
      action: "user.password.changed",
      entity_type: "user",
      entity_id: account.id,
      actor_user_id: account.id,
      actor_role: "cashier",
      before: null,
      after: null,
      reason: null,
    });
    const raw = await env.DB.prepare("SELECT * FROM audit_events WHERE id = ?").bind(event.id).first();
    expect(JSON.stringify(raw)).not.toMatch(/brand-new-pass-1|argon2|\$|hopass-pass/);
  });

  it("records a sign-in as the user signing in, a failed one not at all, and the sign-out", async () => {
    const { admin } = await accounts();
    const account = await createAccount(admin.token, "hosession", "manager");
    const failed = await send("POST", "/api/v1/auth/login", {
      body: { username: "hosession", password: "wrong-password" },
    });
    expect(failed.res.status, failed.text).toBe(401);
    expect(await eventsOf(failed.requestId)).toEqual([]);

    const signedIn = await send("POST", "/api/v1/auth/login", {
      body: { username: "hosession", password: account.password },
    });
    expect(signedIn.res.status, signedIn.text).toBe(200);
    const tokens = JSON.parse(signedIn.text) as { access_token: string; refresh_token: string };
    const created = await oneEvent(signedIn.requestId);
    expect(created).toMatchObject({
      action: "session.created",
      entity_type: "session",
      entity_id: account.id,
      actor_user_id: account.id,
      actor_username: "hosession",
      actor_role: "manager",
      store_id: 1,
    });
    const sessionId = created.after?.session_id;
    expect(sessionId).toEqual(expect.any(String));

    const refreshed = await send("POST", "/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
    expect(refreshed.res.status, refreshed.text).toBe(200);
    expect(await oneEvent(refreshed.requestId)).toMatchObject({
      action: "session.refreshed",
      actor_user_id: account.id,
      after: { session_id: sessionId },
    });
    const reused = await send("POST", "/api/v1/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
    expect(reused.res.status, reused.text).toBe(401);
    expect(await eventsOf(reused.requestId)).toEqual([]);

    const fresh = await send("POST", "/api/v1/auth/login", {
      body: { username: "hosession", password: account.password },
    });
    const freshTokens = JSON.parse(fresh.text) as { access_token: string };
    const freshSession = (await oneEvent(fresh.requestId)).after?.session_id;
    const out = await send("POST", "/api/v1/auth/logout", { token: freshTokens.access_token, body: {} });
    expect(out.res.status, out.text).toBe(200);
    expect(await oneEvent(out.requestId)).toMatchObject({
      action: "session.ended",
      entity_type: "session",
      entity_id: account.id,
      actor_user_id: account.id,
      actor_role: "manager",
      after: { session_id: freshSession },
    });
  });
});

describe("customers", () => {
  interface CustomerOut {
    id: number;
    version: number;
    loyalty_points: number;
    first_name: string;
    email: string | null;
  }

  const feedRows = async (key: string) =>
    (
      await env.DB.prepare("SELECT type, resource_id, resource_version, payload FROM events WHERE event_key = ?")
        .bind(key)
        .all<{ type: string; resource_id: number; resource_version: number; payload: string }>()
    ).results;

  it("creates ten customers at one instant: each its own id, one audit event and one feed event", async () => {
    const { cashier } = await accounts();
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        send("POST", "/api/v1/customers", {
          token: cashier.token,
          body: { first_name: `Crowd${i}`, last_name: "Signup", email: `crowd${i}@example.com` },
        }),
      ),
    );
    for (const c of created) expect(c.res.status, c.text).toBe(201);
    const ids = created.map((c) => (JSON.parse(c.text) as CustomerOut).id);
    expect(new Set(ids).size).toBe(10);
    for (const [i, c] of created.entries()) {
      expect(await oneEvent(c.requestId)).toMatchObject({ action: "customer.created", entity_id: ids[i] });
      const feed = await feedRows(`customer.created:${ids[i]}`);
      expect(feed).toHaveLength(1);
      expect(JSON.parse(feed[0]?.payload ?? "{}")).toMatchObject({ id: ids[i], first_name: `Crowd${i}` });
    }
  });

  it("records creation, update and a points adjustment with its reason, each in the feed once", async () => {
    const { manager } = await accounts();
    const created = await send("POST", "/api/v1/customers", {
      token: manager.token,
      body: { first_name: "Hope", last_name: "Office", email: "hope@example.com" },
    });
    expect(created.res.status, created.text).toBe(201);
    const customer = JSON.parse(created.text) as CustomerOut;
    expect(await oneEvent(created.requestId)).toMatchObject({
      action: "customer.created",
      entity_type: "customer",
      entity_id: customer.id,
      actor_user_id: manager.id,
      actor_role: "manager",
      store_id: 1,
      before: null,
      after: { first_name: "Hope", last_name: "Office", email: "hope@example.com", loyalty_points: 0 },
    });
    const createdFeed = await feedRows(`customer.created:${customer.id}`);
    expect(createdFeed).toHaveLength(1);
    expect(createdFeed[0]).toMatchObject({ type: "customer.created", resource_id: customer.id, resource_version: 1 });
    // The payload is the customer as GET /customers/{id} answers it.
    const read = await expectJson(call("GET", `/api/v1/customers/${customer.id}`, { token: manager.token }), 200);
    expect(JSON.parse(createdFeed[0]?.payload ?? "null")).toEqual(read);

    const updated = await send("PUT", `/api/v1/customers/${customer.id}`, {
      token: manager.token,
      body: { city: "Springfield", version: 1 },
    });
    expect(updated.res.status, updated.text).toBe(200);
    expect(await oneEvent(updated.requestId)).toMatchObject({
      action: "customer.updated",
      entity_id: customer.id,
      before: { city: null },
      after: { city: "Springfield" },
    });
    const updatedFeed = await feedRows(`customer.updated:${customer.id}:v2`);
    expect(updatedFeed).toHaveLength(1);
    expect(JSON.parse(updatedFeed[0]?.payload ?? "null")).toEqual(JSON.parse(updated.text));

    // The same stale request again: refused, nothing in the trail or the feed.
    const stale = await send("PUT", `/api/v1/customers/${customer.id}`, {
      token: manager.token,
      body: { city: "Springfield", version: 1 },
    });
    expect(stale.res.status, stale.text).toBe(409);
    expect(await eventsOf(stale.requestId)).toEqual([]);
    expect(await feedRows(`customer.updated:${customer.id}:v3`)).toEqual([]);

    const points = await send("POST", `/api/v1/customers/${customer.id}/loyalty-points`, {
      token: manager.token,
      body: { points: 40, reason: "Goodwill after a late delivery" },
    });
    expect(points.res.status, points.text).toBe(200);
    expect(await oneEvent(points.requestId)).toMatchObject({
      action: "customer.points.adjusted",
      entity_id: customer.id,
      before: { loyalty_points: 0 },
      after: { loyalty_points: 40 },
      reason: "Goodwill after a late delivery",
    });
    const pointsFeed = await feedRows(`customer.updated:${customer.id}:v3`);
    expect(pointsFeed).toHaveLength(1);
    const afterPoints = await expectJson(
      call("GET", `/api/v1/customers/${customer.id}`, { token: manager.token }),
      200,
    );
    expect(JSON.parse(pointsFeed[0]?.payload ?? "null")).toEqual(afterPoints);

    // Overdrawing is refused: no event, no feed row, the balance unchanged.
    const overdraw = await send("POST", `/api/v1/customers/${customer.id}/loyalty-points`, {
      token: manager.token,
      body: { points: -500, reason: "Too much" },
    });
    expect(overdraw.res.status, overdraw.text).toBe(409);
    expect(await eventsOf(overdraw.requestId)).toEqual([]);
    expect(await feedRows(`customer.updated:${customer.id}:v4`)).toEqual([]);

    const total = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM events WHERE resource_type = 'customer' AND resource_id = ?",
    )
      .bind(customer.id)
      .first<{ n: number }>();
    expect(total?.n).toBe(3);
  });

  it("records nothing for a refused body (422) or a duplicate email (409)", async () => {
    const { manager } = await accounts();
    const invalid = await send("POST", "/api/v1/customers", { token: manager.token, body: { first_name: "" } });
    expect(invalid.res.status, invalid.text).toBe(422);
    expect(await eventsOf(invalid.requestId)).toEqual([]);

    await expectJson(
      call("POST", "/api/v1/customers", {
        token: manager.token,
        body: { first_name: "Dup", last_name: "One", email: "dup-ho@example.com" },
      }),
      201,
    );
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first<{ n: number }>();
    const duplicate = await send("POST", "/api/v1/customers", {
      token: manager.token,
      body: { first_name: "Dup", last_name: "Two", email: "DUP-HO@example.com" },
    });
    expect(duplicate.res.status, duplicate.text).toBe(409);
    expect(await eventsOf(duplicate.requestId)).toEqual([]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM events").first<{ n: number }>()).toEqual(before);
  });
});

describe("stores and backups", () => {
  it("records a store's update with the fields that changed", async () => {
    const { admin } = await accounts();
    const store = await expectJson<{ version: number; name: string; phone: string | null }>(
      call("GET", `/api/v1/stores/${SECOND_STORE.id}`, { token: admin.token }),
      200,
    );
    const updated = await send("PUT", `/api/v1/stores/${SECOND_STORE.id}`, {
      token: admin.token,
      body: { name: "East (renamed)", phone: "+1 555 0100", version: store.version },
    });
    expect(updated.res.status, updated.text).toBe(200);
    expect(await oneEvent(updated.requestId)).toMatchObject({
      action: "store.updated",
      entity_type: "store",
      entity_id: SECOND_STORE.id,
      actor_user_id: admin.id,
      before: { name: store.name, phone: store.phone },
      after: { name: "East (renamed)", phone: "+1 555 0100" },
    });

    const codeChange = await send("PUT", `/api/v1/stores/${SECOND_STORE.id}`, {
      token: admin.token,
      body: { code: "WEST" },
    });
    expect(codeChange.res.status, codeChange.text).toBe(422);
    expect(await eventsOf(codeChange.requestId)).toEqual([]);
  });

  it("records a backup run at the head office", async () => {
    const { admin } = await accounts();
    const run = await send("POST", "/api/v1/admin/backups", { token: admin.token });
    expect(run.res.status, run.text).toBe(201);
    const backup = JSON.parse(run.text) as { id: string; created: boolean };
    expect(await oneEvent(run.requestId)).toMatchObject({
      action: "backup.created",
      entity_type: "backup",
      entity_id: Number(backup.id.replace(/\D/g, "")),
      actor_user_id: admin.id,
      after: { id: backup.id, created: backup.created },
    });
  });
});
