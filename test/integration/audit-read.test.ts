/**
 * Reading the audit trail (services/audit-trail.ts): GET /audit-events with
 * each filter, keyset paging across the head office's database and two
 * stores' in (at DESC, id DESC) order with no repeat and no gap, what a
 * manager and a cashier may see, the per-entity history routes, and one
 * event written by a real request (a product's price change).
 *
 * The fixture events are inserted with the audit writer (auditStatement) at
 * fixed times in March 2026, so the events the accounts' own creation writes
 * (today) stay out of the windows the tests read.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { type AuditEntry, auditStatement } from "../../src/audit/record";
import { idBase } from "../../src/db/stores";
import { MANAGER_HEAD_OFFICE_ENTITIES } from "../../src/services/audit-trail";
import { type Account, type Accounts, accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

interface Event {
  id: number;
  at: string;
  actor: { user_id: number | null; username: string | null; role: string | null };
  store_id: number | null;
  client_address: string | null;
  request_id: string | null;
  action: string;
  entity: { type: string; id: number };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
  approved_by: number | null;
}

interface AuditPage {
  data: Event[];
  limit: number;
  next_cursor: string | null;
  has_more: boolean;
}

/** Where a fixture event lives: the head office's database or a store's. */
type Place = "hq" | typeof MAIN_STORE.id | typeof SECOND_STORE.id;

interface Fixture {
  place: Place;
  at: string;
  storeId: number | null;
  userId: number;
  entry: AuditEntry;
}

const WINDOW = { from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z" };
/** Minute `m` of the window's day; two fixtures share each minute, so ties on `at` are ordered by id. */
const minute = (m: number) => new Date(Date.parse(WINDOW.from) + 9 * 3_600_000 + m * 60_000).toISOString();

const ACTIONS: [string, string][] = [
  ["product.updated", "product"],
  ["product.price.updated", "product"],
  ["order.created", "order"],
  ["user.role.updated", "user"],
  ["customer.updated", "customer"],
  ["productx.touched", "product"],
];

/** 36 events: 12 per database, head office ones about store 1, 2 or none, store ones about their store. */
function fixtures(actors: number[]): Fixture[] {
  const out: Fixture[] = [];
  for (let i = 0; i < 36; i += 1) {
    const place: Place = (["hq", MAIN_STORE.id, SECOND_STORE.id] as const)[i % 3] as Place;
    const storeId = place === "hq" ? ([MAIN_STORE.id, SECOND_STORE.id, null] as const)[i % 4 === 0 ? 2 : i % 2] : place;
    const [action, entityType] = ACTIONS[i % ACTIONS.length] as [string, string];
    out.push({
      place,
      at: minute(Math.floor(i / 2)),
      storeId: storeId ?? null,
      userId: actors[i % actors.length] as number,
      entry: {
        action,
        entityType,
        entityId: 9000 + (i % 5),
        before: { price: 100 + i },
        after: { price: 200 + i },
        reason: i % 7 === 0 ? "fixture reason" : null,
        approvedBy: i % 9 === 0 ? (actors[0] as number) : null,
      },
    });
  }
  return out;
}

const dbOf = (place: Place): D1Database => (place === "hq" ? env.DB : storeDb(place));

async function insert(fixture: Fixture) {
  const d1 = dbOf(fixture.place);
  const base = fixture.place === "hq" ? 0 : idBase(fixture.place);
  await d1.batch([
    auditStatement(
      d1,
      {
        idBase: base,
        at: fixture.at,
        actor: {
          userId: fixture.userId,
          username: `user${fixture.userId}`,
          role: "manager",
          storeId: fixture.storeId,
          clientAddress: "203.0.113.9",
          requestId: `req-${fixture.at}-${fixture.place}`,
        },
      },
      fixture.entry,
    ),
  ]);
}

interface StoredEvent {
  id: number;
  at: string;
  store_id: number | null;
  action: string;
  entity_type: string;
}

/**
 * What a manager may see of an event: a store's events, and the head
 * office's only about the records of the business (not people, sign-ins,
 * webhooks or backups, whatever store the admin who wrote them acted on).
 */
const managerMaySee = (e: StoredEvent) =>
  e.id >= 2 ** 32 || (MANAGER_HEAD_OFFICE_ENTITIES as readonly string[]).includes(e.entity_type);

/** Every fixture event as the database holds it, newest first by (at, id): the order every page must follow. */
async function stored(): Promise<StoredEvent[]> {
  const rows = [];
  for (const place of ["hq", MAIN_STORE.id, SECOND_STORE.id] as const) {
    const { results } = await dbOf(place)
      .prepare(
        "SELECT id, at, store_id, action, entity_type, entity_id, actor_user_id FROM audit_events WHERE at >= ?1 AND at < ?2",
      )
      .bind(WINDOW.from, WINDOW.to)
      .all<StoredEvent>();
    rows.push(...results);
  }
  return rows.sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1));
}

const query = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries<string | number | undefined>({ ...WINDOW, ...params }).flatMap(([k, v]) =>
      v === undefined ? [] : [[k, String(v)]],
    ),
  ).toString();

const list = (account: Account, params: Record<string, string | number | undefined> = {}, status = 200) =>
  expectJson<AuditPage>(call("GET", `/api/v1/audit-events?${query(params)}`, { token: account.token }), status);

/** Every page of a listing, following next_cursor. */
async function walk(
  account: Account,
  params: Record<string, string | number | undefined>,
  path = "/api/v1/audit-events",
) {
  const pages: AuditPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await expectJson<AuditPage>(
      call("GET", `${path}?${query({ ...params, cursor })}`, { token: account.token }),
      200,
    );
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && pages.length < 50);
  return pages;
}

let roles: Accounts;
let all: Fixture[];

beforeAll(async () => {
  roles = await accounts();
  all = fixtures([roles.admin.id, roles.manager.id, roles.inventory_officer.id]);
  for (const fixture of all) await insert(fixture);
});

describe("GET /audit-events", () => {
  it("pages an admin through every database's events newest first, by a cursor, with no repeat and no gap", async ({
    expect,
  }) => {
    const expected = await stored();
    expect(expected).toHaveLength(36);
    // Events from all three databases, and ties on `at` across databases.
    expect(new Set(expected.map((e) => Math.floor(e.id / 2 ** 32)))).toEqual(new Set([0, 1, 2]));
    const pages = await walk(roles.admin, { limit: 7 });
    expect(pages.map((p) => p.data.length)).toEqual([7, 7, 7, 7, 7, 1]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, true, true, true, false]);
    expect(pages.at(-1)?.next_cursor).toBeNull();
    const seen = pages.flatMap((p) => p.data.map((e) => e.id));
    expect(seen).toEqual(expected.map((e) => e.id));
    expect(new Set(seen).size).toBe(36);
  });

  it("answers each event in full, its before and after as objects", async ({ expect }) => {
    const page = await list(roles.admin, { limit: 1 });
    const newest = all.at(-1) as Fixture;
    const event = page.data[0] as Event;
    expect(event).toEqual({
      id: expect.any(Number),
      at: newest.at,
      actor: { user_id: newest.userId, username: `user${newest.userId}`, role: "manager" },
      store_id: newest.storeId,
      client_address: "203.0.113.9",
      request_id: `req-${newest.at}-${newest.place}`,
      action: newest.entry.action,
      entity: { type: newest.entry.entityType, id: newest.entry.entityId },
      before: newest.entry.before,
      after: newest.entry.after,
      reason: newest.entry.reason ?? null,
      approved_by: newest.entry.approvedBy ?? null,
    });
  });

  it("filters by entity, actor, action, action prefix, store and time", async ({ expect }) => {
    const expected = await stored();
    const ids = async (params: Record<string, string | number>) =>
      (await walk(roles.admin, { limit: 1000, ...params })).flatMap((p) => p.data.map((e) => e.id));
    const matching = (keep: (f: Fixture) => boolean) => all.filter(keep).length;

    const byEntity = await ids({ entity_type: "product", entity_id: 9002 });
    expect(byEntity.length).toBe(matching((f) => f.entry.entityType === "product" && f.entry.entityId === 9002));
    expect(byEntity.length).toBeGreaterThan(0);

    const byActor = await list(roles.admin, { actor: roles.manager.id, limit: 1000 });
    expect(byActor.data.length).toBe(matching((f) => f.userId === roles.manager.id));
    expect(byActor.data.every((e) => e.actor.user_id === roles.manager.id)).toBe(true);

    const exact = await list(roles.admin, { action: "product.updated", limit: 1000 });
    expect(exact.data.length).toBe(matching((f) => f.entry.action === "product.updated"));
    expect(new Set(exact.data.map((e) => e.action))).toEqual(new Set(["product.updated"]));

    // A prefix ends in a dot: product.updated and product.price.updated, not productx.touched.
    const prefix = await list(roles.admin, { action: "product.", limit: 1000 });
    expect(prefix.data.length).toBe(matching((f) => f.entry.action.startsWith("product.")));
    expect(new Set(prefix.data.map((e) => e.action))).toEqual(new Set(["product.updated", "product.price.updated"]));

    const east = await list(roles.admin, { store_id: SECOND_STORE.id, limit: 1000 });
    expect(east.data.map((e) => e.id)).toEqual(expected.filter((e) => e.store_id === SECOND_STORE.id).map((e) => e.id));
    // Store 2's events live in its own database and in the head office's.
    expect(new Set(east.data.map((e) => Math.floor(e.id / 2 ** 32)))).toEqual(new Set([0, 2]));

    const from = minute(10);
    const to = minute(14);
    const slice = await list(roles.admin, { from, to, limit: 1000 });
    expect(slice.data.map((e) => e.id)).toEqual(expected.filter((e) => e.at >= from && e.at < to).map((e) => e.id));
    expect(slice.data).toHaveLength(8);
  });

  it("refuses a cursor it did not give out and a window that ends before it starts, with 422", async ({ expect }) => {
    const bad = await list(roles.admin, { cursor: "bm90LWEtY3Vyc29y" }, 422);
    expect(JSON.stringify(bad)).toContain("cursor");
    await list(roles.admin, { from: minute(5), to: minute(2) }, 422);
    await list(roles.admin, { from: "yesterday-ish" }, 422);
    await list(roles.admin, { action: "Product Updated" }, 422);
    for (const hostile of [
      "limit=0",
      "limit=1001",
      "entity_id=abc",
      "entity_id=-3",
      "actor=1.5",
      "cursor=%00%FF",
      "cursor=W10",
      `cursor=${btoa(JSON.stringify(["not a time", 1]))}`,
      "from=99999999999999999999",
      `entity_type=${"x".repeat(200)}`,
    ]) {
      const res = await call("GET", `/api/v1/audit-events?${hostile}`, { token: roles.admin.token });
      expect(res.status, hostile).toBe(422);
    }
  });

  it("shows a manager only the events of the stores where they are manager, and a cashier nothing", async ({
    expect,
  }) => {
    const expected = await stored();
    const mine = expected.filter((e) => e.store_id === MAIN_STORE.id && managerMaySee(e)).map((e) => e.id);
    const pages = await walk(roles.manager, { limit: 5 });
    expect(pages.flatMap((p) => p.data.map((e) => e.id))).toEqual(mine);
    // The head office's events about store 1 are among them; store 2's and the store-less ones are not.
    expect(mine.some((id) => id < 2 ** 32)).toBe(true);

    // Another store's events: the store_id filter acts on that store, where this manager has no role.
    const refused = await expectJson<{ code: string }>(
      call("GET", `/api/v1/audit-events?store_id=${SECOND_STORE.id}`, { token: roles.manager.token }),
      403,
    );
    expect(refused.code).toBe("FORBIDDEN");
    await expectJson(call("GET", "/api/v1/audit-events", { token: roles.cashier.token }), 403);
    await expectJson(call("GET", "/api/v1/audit-events", { token: roles.inventory_officer.token }), 403);
    await expectJson(call("GET", "/api/v1/audit-events"), 401);
  });

  it("shows a manager of two stores both, with the store filter narrowing to one", async ({ expect }) => {
    const both = await userAtStores(roles.admin.token, "audit-manager-2", {
      role: "manager",
      homeStoreId: MAIN_STORE.id,
      storeRoles: [{ store_id: SECOND_STORE.id, role: "manager" }],
    });
    const expected = await stored();
    const seen = (await walk(both, { limit: 1000 })).flatMap((p) => p.data.map((e) => e.id));
    expect(seen).toEqual(expected.filter((e) => e.store_id !== null && managerMaySee(e)).map((e) => e.id));
    const east = await list(both, { store_id: SECOND_STORE.id, limit: 1000 });
    expect(east.data.map((e) => e.id)).toEqual(
      expected.filter((e) => e.store_id === SECOND_STORE.id && managerMaySee(e)).map((e) => e.id),
    );
    // Nor an admin's change of a user written while acting on EAST: people are the admins' matter.
    const hidden = expected.filter((e) => e.store_id === SECOND_STORE.id && e.entity_type === "user");
    expect(hidden.length).toBeGreaterThan(0);
    for (const event of hidden) expect(seen).not.toContain(event.id);
  });
});

describe("the trail's routes in /openapi.json", () => {
  it("documents GET /audit-events with its filters and every history route", async ({ expect }) => {
    const doc = await expectJson<{
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
    }>(call("GET", "/openapi.json"), 200);
    const list = doc.paths["/api/v1/audit-events"]?.get;
    expect(list?.parameters?.map((p) => p.name).sort()).toEqual(
      ["action", "actor", "cursor", "entity_id", "entity_type", "from", "limit", "store_id", "to"].sort(),
    );
    expect(Object.keys(list?.responses ?? {})).toEqual(expect.arrayContaining(["200", "401", "403", "422"]));
    for (const area of ["products", "users", "customers", "orders", "shifts", "transfers", "categories", "stores"]) {
      const history = doc.paths[`/api/v1/${area}/{id}/history`]?.get;
      expect(history?.parameters?.map((p) => p.name).sort(), area).toEqual(["cursor", "id", "limit"]);
    }
  });
});

describe("GET /<area>/{id}/history", () => {
  it("answers each entity's events on every history route, newest first and paged", async ({ expect }) => {
    const routes: [string, string][] = [
      ["products", "product"],
      ["users", "user"],
      ["customers", "customer"],
      ["orders", "order"],
      ["shifts", "shift"],
      ["transfers", "transfer"],
      ["categories", "category"],
      ["stores", "store"],
    ];
    for (const [prefix, type] of routes) {
      await insert({
        place: "hq",
        // Outside the window the other tests read.
        at: "2026-04-01T09:00:00.000Z",
        storeId: MAIN_STORE.id,
        userId: roles.admin.id,
        entry: { action: `${type}.updated`, entityType: type, entityId: 7777 },
      });
      const page = await expectJson<AuditPage>(
        call("GET", `/api/v1/${prefix}/7777/history`, { token: roles.admin.token }),
        200,
      );
      expect(
        page.data.map((e) => [e.action, e.entity]),
        prefix,
      ).toEqual([[`${type}.updated`, { type, id: 7777 }]]);
      await expectJson(call("GET", `/api/v1/${prefix}/7777/history`, { token: roles.cashier.token }), 403);
    }

    // A product's history across databases, paged two at a time.
    const product = all.filter((f) => f.entry.entityType === "product" && f.entry.entityId === 9003);
    const pages = await walk(roles.admin, { limit: 2 }, "/api/v1/products/9003/history");
    const events = pages.flatMap((p) => p.data);
    expect(events).toHaveLength(product.length);
    expect(events.every((e) => e.entity.type === "product" && e.entity.id === 9003)).toBe(true);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort().reverse());
  });

  it("records a real price change and shows it in the product's history with who, before and after", async ({
    expect,
  }) => {
    const product = await createProduct(roles.manager.token, { price: 12.5 });
    await expectJson(
      call("PUT", `/api/v1/products/${product.id}`, {
        token: roles.manager.token,
        body: { price: 13.75, version: product.version },
      }),
      200,
    );
    const history = await expectJson<AuditPage>(
      call("GET", `/api/v1/products/${product.id}/history`, { token: roles.manager.token }),
      200,
    );
    const [latest, created] = history.data;
    expect(latest).toMatchObject({
      action: "product.price.updated",
      entity: { type: "product", id: product.id },
      actor: { user_id: roles.manager.id, username: roles.manager.username, role: "manager" },
      store_id: MAIN_STORE.id,
      before: { price: 1250 },
      after: { price: 1375 },
    });
    expect(created).toMatchObject({ action: "product.created", entity: { type: "product", id: product.id } });
    // The same event in the trail, by its action.
    const trail = await expectJson<AuditPage>(
      call("GET", `/api/v1/audit-events?action=product.price.updated&entity_id=${product.id}`, {
        token: roles.admin.token,
      }),
      200,
    );
    expect(trail.data.map((e) => e.id)).toEqual([latest?.id]);
  });
});
