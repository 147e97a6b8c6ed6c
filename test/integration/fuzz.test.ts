/**
 * Fuzzing every operation of /openapi.json with hostile input: wrong types,
 * missing and extra fields, huge and negative numbers, three-decimal money,
 * unicode and control characters, SQL and HTML payloads, long strings, deep
 * JSON. No answer may be a 5xx; every error has the documented shape; and a
 * rejected request changes nothing.
 */

import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, it } from "vitest";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { createDrawer, openShift } from "../helpers/shifts";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

interface Operation {
  method: string;
  path: string;
}

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE products; --',
    "<script>alert(1)</script>",
    "\u0000\u0007\u001b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧾",
    "../../etc/passwd",
    "%00",
    "NaN",
    "2026-13-01",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "1e309",
    "-0",
    "0.001",
    "12.345",
  ),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e21, -1e21, 1.005, 0.001, 123456789012),
);
const deep = fc.constant(JSON.parse(`${"[".repeat(200)}${"]".repeat(200)}`));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  deep,
  fc.array(fc.oneof(hostileString, hostileNumber), { maxLength: 5 }),
);
const FIELDS = [
  "id",
  "name",
  "sku",
  "price",
  "quantity",
  "order_items",
  "amount",
  "product_id",
  "order_id",
  "customer_id",
  "role",
  "stock_quantity",
  "total",
  "status",
  "points",
  "email",
  "password",
  "username",
  "items",
  "reason",
  "action",
  "quantity_change",
  "new_quantity",
  "barcode",
  "tax",
  "discount",
  "payment_method",
  "version",
  "drawer_id",
  "shift_id",
  "opening_float",
  "counted_cash",
  "denominations",
  "kind",
  "variance_reason",
  "kept_in_drawer",
  "requires_shift",
];
const hostileBody = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }), hostileValue);
const hostileQuery = fc.dictionary(
  fc.constantFrom(
    "skip",
    "limit",
    "q",
    "search",
    "days",
    "start_date",
    "end_date",
    "group_by",
    "format",
    "ids",
    "status",
    "min_price",
    "product_id",
    "points",
  ),
  hostileString,
  { maxKeys: 4 },
);
const pathValue = fc.oneof(
  // 4294967297: the first id of store 1's range (the drawer and the shift opened below).
  fc.constantFrom("0", "-1", "1.5", "abc", "99999999999999999999", "%27", "1", "ORD-1", "4294967297"),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);

const STORE_TABLES = [
  "orders",
  "order_items",
  "payments",
  "refunds",
  "inventory_logs",
  "outbox",
  "cash_drawers",
  "shifts",
  "cash_events",
  "audit_events",
];

/** What one store's database holds, in one batch: row counts, total stock, each shift's status (closing, ending or approving changes a row without adding one) and the cash settings. */
async function storeSnapshot(d1: D1Database) {
  const results = await d1.batch([
    ...STORE_TABLES.map((t) => d1.prepare(`SELECT '${t}' AS t, COUNT(*) AS n FROM ${t}`)),
    d1.prepare("SELECT COALESCE(SUM(quantity), 0) AS s FROM stock_levels"),
    d1.prepare("SELECT group_concat(id || status, ',') AS s FROM (SELECT id, status FROM shifts ORDER BY id)"),
    d1.prepare("SELECT * FROM cash_settings"),
  ]);
  return results.map((r) => r.results);
}

/** Row counts of the head office, and what every store's database holds (read in parallel). */
async function snapshot() {
  const count = (d1: D1Database, tables: string[]) =>
    d1.batch(tables.map((t) => d1.prepare(`SELECT '${t}' AS t, COUNT(*) AS n FROM ${t}`)));
  const [headOffice, ...stores] = await Promise.all([
    count(env.DB, [
      "users",
      "products",
      "customers",
      "categories",
      "loyalty_ledger",
      "points_holds",
      "stores",
      // A refusal records no audit event, no feed event and no delivery.
      "audit_events",
      "events",
      "webhook_endpoints",
      "webhook_deliveries",
    ]),
    ...[MAIN_STORE.id, SECOND_STORE.id].map((storeId) => storeSnapshot(storeDb(storeId))),
  ]);
  return JSON.stringify([headOffice.map((c) => c.results[0]), stores]);
}

describe("fuzzing every documented operation", () => {
  it("never answers 5xx, always with the error shape, and writes nothing when it refuses", async ({ expect }) => {
    const { admin } = await accounts();
    await createProduct(admin.token, { stock_quantity: 5 });
    // Something for the shift routes to act on (its ids are the store's first, 4294967297).
    const drawer = await createDrawer(admin.token, "Fuzz till");
    await openShift(admin.token, drawer.id, 100);
    const doc = await expectJson<{ paths: Record<string, Record<string, unknown>> }>(call("GET", "/openapi.json"), 200);
    const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
    // Refresh, logout and password changes would end the session the fuzzer uses.
    const skip = new Set([
      "POST /api/v1/auth/logout",
      "POST /api/v1/auth/change-password",
      "DELETE /api/v1/users/{id}",
      "PUT /api/v1/users/{id}",
      "POST /api/v1/admin/backups",
    ]);
    const targets = operations.filter((op) => !skip.has(`${op.method} ${op.path}`));
    expect(targets.length).toBeGreaterThan(50);

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.array(pathValue, { minLength: 3, maxLength: 3 }),
        hostileQuery,
        hostileBody,
        async (op, params, query, body) => {
          let i = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => params[i++] ?? "1");
          const qs = new URLSearchParams(query as Record<string, string>).toString();
          const before = await snapshot();
          const res = await call(op.method, `${path}${qs ? `?${qs}` : ""}`, {
            token: admin.token,
            ...(op.method === "GET" ? {} : { body }),
          });
          const text = await res.text();
          expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
          expect(res.headers.get("Strict-Transport-Security")).toContain("max-age=");
          expect(res.headers.get("X-Request-Id")).toBeTruthy();

          expect(
            res.status,
            `${op.method} ${path}?${qs} ${JSON.stringify(body)?.slice(0, 200)} → ${text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (res.status >= 400) {
            const error = JSON.parse(text) as { detail: unknown; code: unknown; request_id: unknown };
            expect(typeof error.code).toBe("string");
            expect(typeof error.request_id).toBe("string");
            expect(error.detail).toBeDefined();
            expect(text).not.toMatch(/SQLITE|at \w+ \(|D1_ERROR/);
            expect(await snapshot(), `${op.method} ${path} wrote despite ${res.status}`).toBe(before);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // A thousand requests, each between two snapshots of three databases: about 20 s alone,
    // more beside the rest of the suite on two cores.
  }, 120_000);
});
