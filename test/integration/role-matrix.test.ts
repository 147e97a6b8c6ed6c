/**
 * The rest of DESIGN.md's role matrix (orders, payments, refunds, inventory,
 * reports, backups, admin), every cell, from one table written out here
 * independently of src/lib/auth/rbac.ts. An allowed role may still get a 4xx
 * about its input or the state (404, 409, 422), never 401 or 403; a role that
 * is not allowed gets 403.
 */
import { describe, it } from "vitest";
import type { Role } from "../../src/db/schema";
import { accounts, grantStoreRoles, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { atStore, MAIN_STORE, SECOND_STORE } from "../helpers/stores";

const ROLES: Role[] = ["admin", "manager", "cashier", "inventory_officer"];
const SELLERS: Role[] = ["admin", "manager", "cashier"];
const MANAGERS: Role[] = ["admin", "manager"];
const STOCKISTS: Role[] = ["admin", "manager", "inventory_officer"];

interface Fixture {
  productId: number;
  orderId: number;
  paymentId: number;
}

interface Cell {
  name: string;
  allowed: Role[];
  request: (f: Fixture) => { method: string; path: string; body?: unknown };
}

const CELLS: Cell[] = [
  {
    name: "create an order",
    allowed: SELLERS,
    request: (f) => ({
      method: "POST",
      path: "/api/v1/orders",
      body: { order_items: [{ product_id: f.productId, quantity: 1 }] },
    }),
  },
  {
    name: "override a unit price",
    allowed: MANAGERS,
    request: (f) => ({
      method: "POST",
      path: "/api/v1/orders",
      body: { order_items: [{ product_id: f.productId, quantity: 1, unit_price: 0.5 }] },
    }),
  },
  { name: "list orders", allowed: SELLERS, request: () => ({ method: "GET", path: "/api/v1/orders" }) },
  {
    name: "cancel an order",
    allowed: MANAGERS,
    request: (f) => ({ method: "POST", path: `/api/v1/orders/${f.orderId}/cancel` }),
  },
  {
    name: "invoice an order",
    allowed: SELLERS,
    request: (f) => ({ method: "GET", path: `/api/v1/orders/${f.orderId}/invoice` }),
  },
  {
    name: "take a payment",
    allowed: SELLERS,
    request: (f) => ({
      method: "POST",
      path: "/api/v1/payments",
      body: { order_id: f.orderId, payment_method: "cash", amount: 0.01 },
    }),
  },
  { name: "list payments", allowed: SELLERS, request: () => ({ method: "GET", path: "/api/v1/payments" }) },
  {
    name: "refund a payment",
    allowed: MANAGERS,
    request: (f) => ({
      method: "POST",
      path: `/api/v1/payments/${f.paymentId}/refund`,
      body: { amount: 0.01, reason: "matrix" },
    }),
  },
  {
    name: "adjust stock",
    allowed: STOCKISTS,
    request: (f) => ({
      method: "POST",
      path: `/api/v1/inventory/product/${f.productId}/adjust`,
      body: { action: "stock_in", quantity_change: 1 },
    }),
  },
  {
    name: "record a movement",
    allowed: STOCKISTS,
    request: (f) => ({
      method: "POST",
      path: "/api/v1/inventory/logs",
      body: { product_id: f.productId, action: "stock_in", quantity_change: 1 },
    }),
  },
  {
    name: "read inventory logs",
    allowed: STOCKISTS,
    request: () => ({ method: "GET", path: "/api/v1/inventory/logs" }),
  },
  {
    name: "read the inventory summary",
    allowed: STOCKISTS,
    request: () => ({ method: "GET", path: "/api/v1/inventory/summary" }),
  },
  {
    name: "reconcile stock",
    allowed: ["admin"],
    request: () => ({ method: "GET", path: "/api/v1/inventory/reconcile" }),
  },
  {
    name: "resync a stock object",
    allowed: ["admin"],
    request: (f) => ({ method: "POST", path: `/api/v1/inventory/product/${f.productId}/resync` }),
  },
  {
    name: "read the sales report",
    allowed: MANAGERS,
    request: () => ({ method: "GET", path: "/api/v1/reports/sales?days=2" }),
  },
  {
    name: "read the inventory report",
    allowed: MANAGERS,
    request: () => ({ method: "GET", path: "/api/v1/reports/inventory" }),
  },
  {
    name: "read the cashiers report",
    allowed: MANAGERS,
    request: () => ({ method: "GET", path: "/api/v1/reports/cashiers" }),
  },
  { name: "list daily reports", allowed: MANAGERS, request: () => ({ method: "GET", path: "/api/v1/reports/daily" }) },
  { name: "list backups", allowed: MANAGERS, request: () => ({ method: "GET", path: "/api/v1/admin/backups" }) },
  { name: "run a backup", allowed: ["admin"], request: () => ({ method: "POST", path: "/api/v1/admin/backups" }) },
  { name: "read the email log", allowed: ["admin"], request: () => ({ method: "GET", path: "/api/v1/admin/emails" }) },
  {
    name: "assign a barcode",
    allowed: STOCKISTS,
    request: (f) => ({ method: "POST", path: `/api/v1/products/${f.productId}/barcode` }),
  },
];

let fixture: Promise<Fixture> | undefined;
const setup = () => {
  fixture ??= (async () => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { price: 10, stock_quantity: 1000 });
    const order = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: admin.token,
        body: { order_items: [{ product_id: product.id, quantity: 2 }] },
      }),
      201,
    );
    const paid = await expectJson<{ id: number }>(
      call("POST", "/api/v1/orders", {
        token: admin.token,
        body: { order_items: [{ product_id: product.id, quantity: 1 }] },
      }),
      201,
    );
    const payment = await expectJson<{ id: number }>(
      call("POST", "/api/v1/payments", {
        token: admin.token,
        body: { order_id: paid.id, payment_method: "cash", amount: 10 },
      }),
      201,
    );
    return { productId: product.id, orderId: order.id, paymentId: payment.id };
  })();
  return fixture;
};

describe("role matrix: orders, payments, inventory, reports, admin", () => {
  for (const cell of CELLS) {
    for (const role of ROLES) {
      const allowed = cell.allowed.includes(role);
      it(`${role} ${allowed ? "may" : "may not"} ${cell.name}`, async ({ expect }) => {
        const all = await accounts();
        const request = cell.request(await setup());
        const res = await call(request.method, request.path, { token: all[role].token, body: request.body });
        if (allowed) expect([401, 403], await res.clone().text()).not.toContain(res.status);
        else expect(res.status).toBe(403);
        expect(res.status).toBeLessThan(500);
      });
    }
  }
});

/**
 * Roles are per store: the matrix above is every role at its home store
 * (MAIN). A manager of MAIN is nobody at EAST until an admin gives them a
 * role there; an admin acts on both. Checked on manager-only reads that need
 * no fixture (users, backups, the sales report).
 */
describe("role matrix: per store", () => {
  const MANAGER_READS = ["/api/v1/users", "/api/v1/admin/backups", "/api/v1/reports/sales?days=2"];

  it("refuses a MAIN manager at EAST until an admin gives them the manager role there", async ({ expect }) => {
    const { admin } = await accounts();
    const manager = await userAtStores(admin.token, "mainmanager", { role: "manager", homeStoreId: MAIN_STORE.id });
    for (const path of MANAGER_READS) {
      const atHome = await call("GET", path, { token: manager.token });
      expect([401, 403], `${path} at MAIN`).not.toContain(atHome.status);
      const atEast = await call("GET", path, { token: manager.token, headers: atStore(SECOND_STORE.id) });
      expect(atEast.status, `${path} at EAST`).toBe(403);
      expect(await atEast.json()).toMatchObject({ detail: `You have no role at store ${SECOND_STORE.code}` });
    }
    await grantStoreRoles(admin.token, manager.id, [{ store_id: SECOND_STORE.id, role: "manager" }]);
    for (const path of MANAGER_READS) {
      const atEast = await call("GET", path, { token: manager.token, headers: atStore(SECOND_STORE.id) });
      expect([401, 403], `${path} at EAST after the grant`).not.toContain(atEast.status);
      expect(atEast.status).toBeLessThan(500);
    }
    expect(
      (await call("GET", "/api/v1/users", { token: manager.token, headers: atStore(SECOND_STORE.id) })).status,
    ).toBe(200);
    // A cashier role at EAST is not a manager's.
    await grantStoreRoles(admin.token, manager.id, [{ store_id: SECOND_STORE.id, role: "cashier" }]);
    const asCashier = await call("GET", "/api/v1/users", { token: manager.token, headers: atStore(SECOND_STORE.id) });
    expect(asCashier.status).toBe(403);
    expect(await asCashier.json()).toMatchObject({ detail: "Your role (cashier) may not do this" });
  });

  it("lets an admin act on both stores, and refuses a store that does not exist", async ({ expect }) => {
    const { admin } = await accounts();
    for (const store of [MAIN_STORE.id, SECOND_STORE.id]) {
      expect((await call("GET", "/api/v1/users", { token: admin.token, headers: atStore(store) })).status).toBe(200);
      expect((await call("GET", "/api/v1/admin/emails", { token: admin.token, headers: atStore(store) })).status).toBe(
        200,
      );
    }
    expect((await call("GET", "/api/v1/users", { token: admin.token, headers: atStore(77) })).status).toBe(404);
  });
});
