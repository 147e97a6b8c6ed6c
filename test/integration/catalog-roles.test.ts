/**
 * The catalog and customer rows of DESIGN.md's role matrix, written out here
 * independently of src/lib/auth/rbac.ts so a wrong table there fails a test.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { Role } from "../../src/db/schema";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createCategory, createProduct } from "../helpers/catalog";

const ALL: Role[] = ["admin", "manager", "cashier", "inventory_officer"];
const CATALOG_WRITERS: Role[] = ["admin", "manager", "inventory_officer"];
const CUSTOMER_WRITERS: Role[] = ["admin", "manager", "cashier"];
/** Manual loyalty adjustments hand out value: managers and admins only (issue 13). */
const LOYALTY_ADJUSTERS: Role[] = ["admin", "manager"];

interface Cell {
  name: string;
  table: string;
  allowed: Role[];
  request: (adminToken: string, n: number) => Promise<{ method: string; path: string; body?: unknown }>;
}

const newCustomer = async (token: string) =>
  expectJson<{ id: number }>(
    call("POST", "/api/v1/customers", { token, body: { first_name: "M", last_name: "X" } }),
    201,
  );

const CELLS: Cell[] = [
  {
    name: "create category",
    table: "categories",
    allowed: CATALOG_WRITERS,
    request: async (_t, n) => ({ method: "POST", path: "/api/v1/categories", body: { name: `Cat ${n}` } }),
  },
  {
    name: "update category",
    table: "categories",
    allowed: CATALOG_WRITERS,
    request: async (t, n) => ({
      method: "PUT",
      path: `/api/v1/categories/${(await createCategory(t, `Upd ${n}`)).id}`,
      body: { description: "changed" },
    }),
  },
  {
    name: "delete category",
    table: "categories",
    allowed: CATALOG_WRITERS,
    request: async (t, n) => ({
      method: "DELETE",
      path: `/api/v1/categories/${(await createCategory(t, `Del ${n}`)).id}`,
    }),
  },
  {
    name: "create product",
    table: "products",
    allowed: CATALOG_WRITERS,
    request: async (_t, n) => ({
      method: "POST",
      path: "/api/v1/products",
      body: { sku: `RM-${n}`, name: "x", price: 1 },
    }),
  },
  {
    name: "update product",
    table: "products",
    allowed: CATALOG_WRITERS,
    request: async (t) => ({
      method: "PUT",
      path: `/api/v1/products/${(await createProduct(t)).id}`,
      body: { price: 2 },
    }),
  },
  {
    name: "delete product",
    table: "products",
    allowed: CATALOG_WRITERS,
    request: async (t) => ({ method: "DELETE", path: `/api/v1/products/${(await createProduct(t)).id}` }),
  },
  {
    name: "create customer",
    table: "customers",
    allowed: CUSTOMER_WRITERS,
    request: async () => ({ method: "POST", path: "/api/v1/customers", body: { first_name: "A", last_name: "B" } }),
  },
  {
    name: "update customer",
    table: "customers",
    allowed: CUSTOMER_WRITERS,
    request: async (t) => ({
      method: "PUT",
      path: `/api/v1/customers/${(await newCustomer(t)).id}`,
      body: { city: "Y" },
    }),
  },
  {
    name: "delete customer",
    table: "customers",
    allowed: CUSTOMER_WRITERS,
    request: async (t) => ({ method: "DELETE", path: `/api/v1/customers/${(await newCustomer(t)).id}` }),
  },
  {
    name: "adjust loyalty points",
    table: "loyalty_ledger",
    allowed: LOYALTY_ADJUSTERS,
    request: async (t) => ({
      method: "POST",
      path: `/api/v1/customers/${(await newCustomer(t)).id}/loyalty-points`,
      body: { points: 5, reason: "matrix" },
    }),
  },
  {
    name: "adjust loyalty points through the older query form",
    table: "loyalty_ledger",
    allowed: LOYALTY_ADJUSTERS,
    request: async (t) => ({
      method: "POST",
      path: `/api/v1/customers/${(await newCustomer(t)).id}/loyalty-points?points=5&reason=matrix`,
    }),
  },
  ...["/api/v1/products", "/api/v1/categories", "/api/v1/customers", "/api/v1/products/low-stock"].map(
    (path): Cell => ({
      name: `read ${path}`,
      table: "products",
      allowed: ALL,
      request: async () => ({ method: "GET", path }),
    }),
  ),
];

const snapshot = (table: string) =>
  env.DB.prepare(
    `SELECT COUNT(*) AS n, group_concat(id || ':' || ${table === "loyalty_ledger" ? "created_at" : "updated_at"}) AS state FROM ${table}`,
  ).first();

let n = 0;
describe("catalog and customer role matrix", () => {
  for (const cell of CELLS) {
    for (const role of ALL) {
      const allowed = cell.allowed.includes(role);
      it(`${role} ${allowed ? "may" : "may not"} ${cell.name}`, async ({ expect }) => {
        const all = await accounts();
        n += 1;
        const request = await cell.request(all.admin.token, n);
        const before = await snapshot(cell.table);
        const res = await call(request.method, request.path, { token: all[role].token, body: request.body });
        if (allowed) {
          expect(res.status, await res.clone().text()).toBeLessThan(300);
        } else {
          expect(res.status).toBe(403);
          expect(await snapshot(cell.table)).toEqual(before);
        }
      });
    }
  }
});
