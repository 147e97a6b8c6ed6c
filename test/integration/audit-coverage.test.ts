/**
 * The audit trail covers every write (README "Audit trail"): for every
 * POST, PUT, PATCH and DELETE operation of /openapi.json, a request that
 * succeeds records exactly one audit event and a refused one records none.
 *
 * Each request carries its own X-Request-Id (the app's requestId middleware
 * takes a valid incoming one and the audit writer records it), and events are
 * counted by that id in the head office and in every store's database. The
 * event is in the request's own batch, so it is counted as soon as the answer
 * is back; a last check counts again once deferred work has had its turn, for
 * a write after the answer that adds a second event.
 *
 * An operation that takes an Idempotency-Key sends its successful request
 * with one, then again: the replay answers the same and records nothing.
 *
 * The cases are in test/helpers/audit-coverage-cases.ts; an operation without
 * one fails the first test. No operation is exempt.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import {
  CASES,
  type CaseRequest,
  type CoverageCase,
  caseSecrets,
  NEW_PASSWORD,
  tokenOwners,
  type World,
} from "../helpers/audit-coverage-cases";
import { createProduct } from "../helpers/catalog";
import { storeDb } from "../helpers/stores";

const MUTATING = ["post", "put", "patch", "delete"];

/** Every database that holds audit events: the head office and each store's (MAIN, EAST, WEST). */
const databases = (): D1Database[] => [env.DB, storeDb(1), storeDb(2), storeDb(3)];

interface AuditRow {
  id: number;
  at: string;
  actor_user_id: number | null;
  request_id: string | null;
  action: string;
  entity_type: string;
  entity_id: unknown;
  before: string | null;
  after: string | null;
}

async function eventsOf(requestId: string): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  for (const db of databases()) {
    const found = await db.prepare("SELECT * FROM audit_events WHERE request_id = ?1").bind(requestId).all<AuditRow>();
    rows.push(...found.results);
  }
  return rows;
}

let requests = 0;
const requestIdOf = (key: string, kind: string) =>
  `cov-${++requests}-${kind}-${key.replace(/[^A-Za-z0-9]+/g, "_")}`.slice(0, 200);

/** The path's values of the operation's parameters ("/api/v1/users/12" of "POST /api/v1/users/{id}": ["12"]), or null. */
function pathParams(key: string, request: CaseRequest): string[] | null {
  const [method, template = ""] = key.split(" ");
  const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "([^/?]+)")}(?:\\?.*)?$`);
  const match = pattern.exec(request.path);
  return method === request.method && match ? match.slice(1) : null;
}

/** The entity id the success's event must name, or undefined when the case leaves it unchecked. */
function expectedEntity(key: string, c: CoverageCase, s: unknown, request: CaseRequest, answer: string) {
  const params = pathParams(key, request) ?? [];
  const rule = c.entity ?? (params.length ? "path" : "body");
  if (rule === "unchecked") return undefined;
  if (typeof rule === "function") return rule(ready(), s as never);
  if (rule === "path") return Number(params.at(-1));
  const body = JSON.parse(answer) as { id?: unknown };
  return body.id;
}

/** Sends a case's request with its own request id; returns the id and the answer. */
async function send(key: string, kind: "ok" | "replay" | "refused", request: CaseRequest) {
  if (!pathParams(key, request)) throw new Error(`${kind} request ${request.method} ${request.path} is not ${key}`);
  const requestId = requestIdOf(key, kind);
  const res = await call(request.method, request.path, {
    token: request.token,
    body: request.body,
    headers: { ...request.headers, "X-Request-Id": requestId },
  });
  const text = await res.text();
  const echoed = res.headers.get("X-Request-Id");
  if (echoed !== requestId) throw new Error(`the app did not take X-Request-Id ${requestId} (answered ${echoed})`);
  return { requestId, status: res.status, text, replayed: res.headers.get("Idempotent-Replayed") };
}

/** Strings that must never appear in an audit row: passwords, tokens, hashes, webhook secrets. */
const secretsOf = (world: World): string[] => [
  NEW_PASSWORD,
  "$argon2",
  "whsec_",
  ...Object.values(world.accounts).flatMap((a) => [a.password, a.token, a.refresh]),
  ...caseSecrets,
];

const SECRET_KEY = /password|secret|token|hash/i;

/** Keys named like a secret whose value is not hidden, anywhere in a before/after object. */
function unhiddenSecrets(value: unknown, path = ""): string[] {
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [
    ...(SECRET_KEY.test(key) && inner !== "[redacted]" && inner !== null ? [`${path}${key}`] : []),
    ...unhiddenSecrets(inner, `${path}${key}.`),
  ]);
}

/** What is wrong with an event written by a successful request (empty: nothing). */
function shapeProblems(row: AuditRow, world: World, request: CaseRequest, anonymous: boolean): string[] {
  const problems: string[] = [];
  if (!/^[a-z_]+(\.[a-z_]+)+$/.test(row.action)) problems.push(`action ${row.action}`);
  if (!row.entity_type) problems.push("empty entity_type");
  if (typeof row.entity_id !== "number" || !Number.isInteger(row.entity_id)) {
    problems.push(`entity_id ${JSON.stringify(row.entity_id)}`);
  }
  const at = new Date(row.at);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(row.at) || Number.isNaN(at.getTime())) {
    problems.push(`at ${row.at}`);
  }
  if (!anonymous) {
    const owner = request.token === undefined ? undefined : tokenOwners.get(request.token);
    if (row.actor_user_id === null) problems.push("no actor_user_id for a signed-in request");
    else if (owner !== undefined && row.actor_user_id !== owner) {
      problems.push(`actor_user_id ${row.actor_user_id}, the caller is ${owner}`);
    }
  }
  for (const side of ["before", "after"] as const) {
    const text = row[side];
    if (text === null) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      problems.push(`${side} is not JSON`);
      continue;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) problems.push(`${side} is not an object`);
    for (const key of unhiddenSecrets(parsed)) problems.push(`${side}.${key} shows a secret`);
    for (const secret of secretsOf(world)) if (text.includes(secret)) problems.push(`${side} contains a secret`);
  }
  return problems;
}

const world: Partial<World> = {};
const ready = () => world as World;

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
}

/**
 * The operations that take an Idempotency-Key, named here so that the replay
 * test exists only for them (the tests are declared before /openapi.json is
 * read); the first test checks this list against the document.
 */
const REPLAYABLE = new Set([
  "POST /api/v1/inventory/logs",
  "POST /api/v1/inventory/product/{id}/adjust",
  "POST /api/v1/orders",
  "POST /api/v1/payments",
  "POST /api/v1/payments/{id}/refund",
  "POST /api/v1/shifts",
  "POST /api/v1/shifts/{id}/end",
  "POST /api/v1/shifts/{id}/close",
  "POST /api/v1/shifts/{id}/cash-events",
  "POST /api/v1/shifts/{id}/cash-events/{event_id}/approve",
  "POST /api/v1/shifts/{id}/cash-events/{event_id}/reject",
  "POST /api/v1/transfers/{id}/receive",
]);

/** `it` when `when` holds, else nothing is declared (not a skipped test that could never run). */
const declaredIf = (when: boolean): typeof it => (when ? it : ((() => undefined) as unknown as typeof it));

/** The mutating operations /openapi.json documents, and those that take an Idempotency-Key. */
const documented: string[] = [];
const takesIdempotencyKey = new Set<string>();

beforeAll(async () => {
  const doc = await expectJson<{ paths: Record<string, Record<string, OpenApiOperation>> }>(
    call("GET", "/openapi.json"),
    200,
  );
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!MUTATING.includes(method)) continue;
      const key = `${method.toUpperCase()} ${path}`;
      documented.push(key);
      const params = operation.parameters ?? [];
      if (params.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key")) {
        takesIdempotencyKey.add(key);
      }
    }
  }
  world.accounts = await accounts();
  for (const a of Object.values(world.accounts)) tokenOwners.set(a.token, a.id);
  world.product = await createProduct(world.accounts.admin.token, { price: 10, cost_price: 4, stock_quantity: 1000 });
});

/** Each case's setup, run once before its two requests. */
const prepared = new Map<string, Promise<unknown>>();
const setupOf = (key: string, c: CoverageCase) => {
  let made = prepared.get(key);
  if (!made) {
    made = c.setup(ready());
    prepared.set(key, made);
  }
  return made;
};

/**
 * A retried receipt answers the transfer as it is now (its route says so)
 * rather than the first answer, so it carries no Idempotent-Replayed header.
 */
const ANSWERS_AS_IT_IS = new Set(["POST /api/v1/transfers/{id}/receive"]);

let idempotencyKeys = 0;
/** The request with an Idempotency-Key of its own when the operation takes one (a replay sends it again). */
const withKey = (key: string, request: CaseRequest): CaseRequest =>
  takesIdempotencyKey.has(key)
    ? { ...request, headers: { ...request.headers, "Idempotency-Key": `cov-key-${++idempotencyKeys}` } }
    : request;

/** Each case's successful request and its answer, for the replay. */
const answered = new Map<string, { request: CaseRequest; status: number; text: string }>();

/** Request ids of the successful requests that had their one event at once, for the last check. */
const succeeded: { key: string; requestId: string }[] = [];

describe("audit coverage of every mutating operation", () => {
  it("has a case for exactly the mutating operations of /openapi.json", async ({ expect }) => {
    expect(documented.length).toBeGreaterThan(40);
    expect(Object.keys(CASES).sort()).toEqual([...documented].sort());
    // The replay check below runs for exactly the operations that take a key.
    expect([...takesIdempotencyKey].sort()).toEqual([...REPLAYABLE].sort());
  });

  describe.each(Object.entries(CASES))("%s", (key, c) => {
    it("records exactly one well-formed event when it succeeds", async ({ expect }) => {
      const w = ready();
      const s = await setupOf(key, c);
      const request = withKey(key, c.ok(w, s as never));
      const res = await send(key, "ok", request);
      answered.set(key, { request, status: res.status, text: res.text });
      if (request.status !== undefined) expect(res.status, res.text).toBe(request.status);
      else expect(res.status >= 200 && res.status < 300, `${res.status} ${res.text}`).toBe(true);
      const events = await eventsOf(res.requestId);
      if (events.length === 1) succeeded.push({ key, requestId: res.requestId });
      expect(
        events.map((e) => e.action),
        `${key}: events of a successful request`,
      ).toHaveLength(1);
      for (const event of events) {
        expect(shapeProblems(event, w, request, c.anonymous === true), event.action).toEqual([]);
        const entity = expectedEntity(key, c, s, request, res.text);
        if (entity !== undefined) expect(event.entity_id, `${event.action}: entity_id`).toBe(entity);
      }
    });

    declaredIf(REPLAYABLE.has(key))("records nothing when an Idempotency-Key replays it", async ({ expect }) => {
      const first = answered.get(key);
      if (!first) throw new Error(`${key}: the successful request did not run`);
      const res = await send(key, "replay", first.request);
      expect(res.status, res.text).toBe(first.status);
      expect(
        (await eventsOf(res.requestId)).map((e) => e.action),
        `${key}: events of a replay`,
      ).toEqual([]);
      if (!ANSWERS_AS_IT_IS.has(key)) expect(res.replayed).toBe("true");
    });

    it("records nothing when it is refused", async ({ expect }) => {
      const w = ready();
      const s = await setupOf(key, c);
      const request = c.refused(w, s as never);
      const res = await send(key, "refused", request);
      expect(res.status, res.text).toBe(request.status);
      const events = await eventsOf(res.requestId);
      expect(
        events.map((e) => e.action),
        `${key}: events of a refused request`,
      ).toEqual([]);
    });
  });

  it("still has one event per successful request once deferred work has run", async ({ expect }) => {
    // Work sent after the answer (stock commits, outbox sends) gets its turn; it must add no event.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const counts: Record<string, number> = {};
    for (const { key, requestId } of succeeded) counts[key] = (await eventsOf(requestId)).length;
    const wrong = Object.entries(counts).filter(([, n]) => n !== 1);
    expect(Object.fromEntries(wrong)).toEqual({});
  });
});
