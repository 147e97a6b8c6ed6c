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
  fc.constantFrom("0", "-1", "1.5", "abc", "99999999999999999999", "%27", "1", "ORD-1"),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);

/** Row counts of the head office and of every store's database, and each store's total stock. */
async function snapshot() {
  const count = (d1: D1Database, tables: string[]) =>
    d1.batch(tables.map((t) => d1.prepare(`SELECT '${t}' AS t, COUNT(*) AS n FROM ${t}`)));
  const headOffice = await count(env.DB, [
    "users",
    "products",
    "customers",
    "categories",
    "loyalty_ledger",
    "points_holds",
    "stores",
  ]);
  const stores = [];
  for (const storeId of [MAIN_STORE.id, SECOND_STORE.id]) {
    const d1 = storeDb(storeId);
    const counts = await count(d1, ["orders", "order_items", "payments", "refunds", "inventory_logs", "outbox"]);
    const stock = await d1.prepare("SELECT COALESCE(SUM(quantity), 0) AS s FROM stock_levels").first();
    stores.push([counts.map((c) => c.results[0]), stock]);
  }
  return JSON.stringify([headOffice.map((c) => c.results[0]), stores]);
}

describe("fuzzing every documented operation", () => {
  it("never answers 5xx, always with the error shape, and writes nothing when it refuses", async ({ expect }) => {
    const { admin } = await accounts();
    await createProduct(admin.token, { stock_quantity: 5 });
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
  });
});
