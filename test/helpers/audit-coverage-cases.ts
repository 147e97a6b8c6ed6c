/**
 * One case per mutating operation of /openapi.json (README "Audit trail"),
 * for test/integration/audit-coverage.test.ts: what each operation needs
 * (made through the API), a request that succeeds and one that is refused.
 * The test checks that the table covers exactly the document's POST, PUT,
 * PATCH and DELETE operations, so a new operation without a case fails it.
 *
 * Refusals are chosen to reach the service where possible (a conflict of
 * state, a stale version, a duplicate) rather than stop at the schema or
 * the role check: those are the refusals that could leave an event behind.
 */
import type { Accounts } from "./accounts";
import { createAccount } from "./accounts";
import { call, expectJson } from "./api";
import { createCategory, createProduct, type ProductOut } from "./catalog";
import { addCashEvent, closeShift, createDrawer, decideCashEvent, endShift, openShift } from "./shifts";
import { MAIN_STORE, SECOND_STORE } from "./stores";
import { draft, type TransferOut } from "./transfers";

/** One request of a case; `status` is what it must answer (ok: any 2xx when absent). */
export interface CaseRequest {
  method: string;
  path: string;
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  status?: number;
}

/** What every case may use: the four roles and a product with plenty of stock at MAIN. */
export interface World {
  accounts: Accounts;
  product: ProductOut;
}

/**
 * Which entity the success's event names: "path" (default when the path has
 * an id: its last one), "body" (default otherwise: the created resource's
 * `id` in the answer), a function of the setup, or "unchecked".
 */
export type EntityRule<S = never> = "path" | "body" | "unchecked" | ((w: World, s: S) => number);

export interface CoverageCase {
  /** The request is made without a signed-in user (sign-in, refresh): its event has no actor to check. */
  anonymous?: boolean;
  entity?: EntityRule;
  setup: (w: World) => Promise<unknown>;
  ok: (w: World, s: never) => CaseRequest;
  refused: (w: World, s: never) => CaseRequest & { status: number };
}

/** Keeps the setup's type between the parts of a case. */
const define = <S>(c: {
  anonymous?: boolean;
  entity?: EntityRule<S>;
  setup: (w: World) => Promise<S>;
  ok: (w: World, s: S) => CaseRequest;
  refused: (w: World, s: S) => CaseRequest & { status: number };
}): CoverageCase => c as unknown as CoverageCase;

const none = async () => undefined;

/** An id no table of this file reaches. */
const UNKNOWN = 999_999;

/** Accounts made by cases, each unique in the file. */
let accountCount = 0;

/** Who holds each access token the cases use (the event's actor must be them). */
export const tokenOwners = new Map<string, number>();

/** Passwords and tokens of the accounts the cases make (the audit rows must never show them). */
export const caseSecrets = new Set<string>();

async function account(w: World, role: "admin" | "manager" | "cashier" | "inventory_officer" = "cashier") {
  const made = await createAccount(w.accounts.admin.token, `cov${role.replace("_", "")}${++accountCount}`, role);
  tokenOwners.set(made.token, made.id);
  for (const secret of [made.password, made.token, made.refresh]) caseSecrets.add(secret);
  return made;
}

/** A user that is registered only (not signed in: one password hash fewer). */
async function registered(w: World) {
  const username = `covuser${++accountCount}`;
  const password = `${username}-pass-123`;
  const user = await expectJson<{ id: number }>(
    call("POST", "/api/v1/auth/register", {
      token: w.accounts.admin.token,
      body: { username, email: `${username}@example.com`, password, role: "cashier" },
    }),
    201,
  );
  caseSecrets.add(password);
  return { id: user.id, username, password };
}

/** Passwords a case sets (the audit rows must never show them). */
export const NEW_PASSWORD = "cov-new-password-9876";

const order = (token: string, productId: number, quantity = 1) =>
  expectJson<{ id: number; total: number; status: string }>(
    call("POST", "/api/v1/orders", { token, body: { order_items: [{ product_id: productId, quantity }] } }),
    201,
  );

const pay = (token: string, orderId: number, amount: number, extra: Record<string, unknown> = {}) =>
  expectJson<{ id: number; status: string }>(
    call("POST", "/api/v1/payments", {
      token,
      body: { order_id: orderId, payment_method: "credit_card", amount, ...extra },
    }),
    201,
  );

const cancelOrder = (token: string, orderId: number) =>
  expectJson(call("POST", `/api/v1/orders/${orderId}/cancel`, { token }), 200);

const customer = (token: string, name: string) =>
  expectJson<{ id: number; version: number }>(
    call("POST", "/api/v1/customers", {
      token,
      body: { first_name: name, last_name: "Coverage", email: `${name.toLowerCase()}@example.com` },
    }),
    201,
  );

/** A cashier with an open shift on a drawer of their own (one open shift per cashier and drawer). */
async function cashierWithShift(w: World, float = 100) {
  const cashier = await account(w);
  const drawer = await createDrawer(w.accounts.manager.token);
  const shift = await openShift(cashier.token, drawer.id, float);
  return { cashier, drawer, shift };
}

let paidOuts: ReturnType<typeof makePaidOuts> | undefined;

/**
 * One cashier's shift with four paid-outs above the approval threshold (50),
 * shared by the approve and reject cases: two pending (one to approve, one to
 * reject), one rejected and one approved already.
 */
async function makePaidOuts(w: World) {
  const s = await cashierWithShift(w, 500);
  const paidOut = async (reason: string) => {
    const event = await addCashEvent(s.cashier.token, s.shift.id, { kind: "paid_out", amount: 60, reason });
    if (event.approval !== "pending") throw new Error(`expected a pending paid-out, got ${event.approval}`);
    return event;
  };
  const decide = async (decision: "approve" | "reject") =>
    decideCashEvent(w.accounts.manager.token, s.shift.id, (await paidOut(decision)).id, decision);
  return {
    shift: s.shift,
    toApprove: await paidOut("supplier"),
    toReject: await paidOut("repair"),
    rejected: await decide("reject"),
    approved: await decide("approve"),
  };
}

const sharedPaidOuts = (w: World) => {
  paidOuts ??= makePaidOuts(w);
  return paidOuts;
};

/** A public HTTPS URL (the tests route every outbound fetch to the receiver Worker of vitest.config.ts). */
const RECEIVER = "https://hooks.example.com/pos";

let endpoints = 0;
/** An active endpoint; by default for an event type no case makes (no deliveries go out in the background). */
const endpoint = (w: World, eventTypes: string[] = ["stock.low"]) =>
  expectJson<{ id: number; version: number; secret: string }>(
    call("POST", "/api/v1/webhook-endpoints", {
      token: w.accounts.admin.token,
      body: { url: `${RECEIVER}/${++endpoints}`, event_types: eventTypes },
    }),
    201,
  );

interface DeliveryOut {
  id: number;
  endpoint_id: number;
  status: string;
}

/**
 * The endpoint's one delivery once `settled` holds (the queue tries it in the
 * background, about 2 s after it is made): a redelivery racing an attempt in
 * flight would be refused.
 */
async function deliveryOf(token: string, endpointId: number, settled: (status: string) => boolean) {
  for (let i = 0; i < 150; i++) {
    const page = await expectJson<{ data: DeliveryOut[] }>(
      call("GET", `/api/v1/webhook-deliveries?endpoint_id=${endpointId}`, { token }),
      200,
    );
    const [delivery, ...more] = page.data;
    if (!delivery || more.length) throw new Error(`endpoint ${endpointId} has ${page.data.length} deliveries`);
    if (settled(delivery.status)) return delivery;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the delivery of endpoint ${endpointId} does not settle`);
}

/**
 * Two endpoints for customer.created with a delivery each (a customer made
 * through the API); the second endpoint is paused afterwards.
 */
async function deliveries(w: World) {
  const token = w.accounts.admin.token;
  const live = await endpoint(w, ["customer.created"]);
  const paused = await endpoint(w, ["customer.created"]);
  await customer(w.accounts.manager.token, "Hook");
  await expectJson(
    call("PUT", `/api/v1/webhook-endpoints/${paused.id}`, {
      token,
      body: { is_active: false, version: paused.version },
    }),
    200,
  );
  return {
    live: await deliveryOf(token, live.id, (status) => status === "delivered"),
    paused: await deliveryOf(token, paused.id, (status) => status !== "sending"),
  };
}

const send = (token: string, id: number) =>
  expectJson<TransferOut>(call("POST", `/api/v1/transfers/${id}/send`, { token }), 200);

export const CASES: Record<string, CoverageCase> = {
  // --- sign-in and people (head office) ---
  "POST /api/v1/auth/register": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/auth/register",
      token: w.accounts.admin.token,
      body: { username: "covregistered", email: "covregistered@example.com", password: NEW_PASSWORD, role: "cashier" },
    }),
    // The same username again: refused by the unique name.
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/auth/register",
      token: w.accounts.admin.token,
      body: { username: "covregistered", email: "covregistered2@example.com", password: NEW_PASSWORD },
      status: 409,
    }),
  }),
  "POST /api/v1/auth/login": define({
    // The session's id is in no answer.
    entity: "unchecked",
    anonymous: true,
    setup: (w) => registered(w),
    ok: (_w, user) => ({
      method: "POST",
      path: "/api/v1/auth/login",
      body: { username: user.username, password: user.password },
    }),
    refused: (_w, user) => ({
      method: "POST",
      path: "/api/v1/auth/login",
      body: { username: user.username, password: "not-the-password" },
      status: 401,
    }),
  }),
  "POST /api/v1/auth/refresh": define({
    // The session's id is in no answer.
    entity: "unchecked",
    anonymous: true,
    setup: (w) => account(w),
    ok: (_w, user) => ({ method: "POST", path: "/api/v1/auth/refresh", body: { refresh_token: user.refresh } }),
    // The same refresh token again: spent by the success (its reuse revokes the sign-in, but is refused).
    refused: (_w, user) => ({
      method: "POST",
      path: "/api/v1/auth/refresh",
      body: { refresh_token: user.refresh },
      status: 401,
    }),
  }),
  "POST /api/v1/auth/logout": define({
    // The session's id is in no answer.
    entity: "unchecked",
    setup: (w) => account(w),
    ok: (_w, leaving) => ({ method: "POST", path: "/api/v1/auth/logout", token: leaving.token, body: {} }),
    // Ending someone else's sign-in.
    refused: (w, leaving) => ({
      method: "POST",
      path: "/api/v1/auth/logout",
      token: w.accounts.cashier.token,
      body: { refresh_token: leaving.refresh },
      status: 400,
    }),
  }),
  "POST /api/v1/auth/change-password": define({
    setup: (w) => account(w),
    entity: (_w, changing) => changing.id,
    ok: (_w, changing) => ({
      method: "POST",
      path: "/api/v1/auth/change-password",
      token: changing.token,
      body: { old_password: changing.password, new_password: NEW_PASSWORD },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/auth/change-password",
      token: w.accounts.cashier.token,
      body: { old_password: "not-the-password", new_password: NEW_PASSWORD },
      status: 400,
    }),
  }),
  "POST /api/v1/users": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/users",
      token: w.accounts.admin.token,
      body: { username: "covuser", email: "covuser@example.com", password: NEW_PASSWORD, role: "cashier" },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/users",
      token: w.accounts.admin.token,
      body: { username: "covuser", email: "covuser2@example.com", password: NEW_PASSWORD, role: "cashier" },
      status: 409,
    }),
  }),
  "PUT /api/v1/users/{id}": define({
    setup: (w) => registered(w),
    ok: (w, user) => ({
      method: "PUT",
      path: `/api/v1/users/${user.id}`,
      token: w.accounts.admin.token,
      body: { full_name: "Changed By Coverage", role: "inventory_officer" },
    }),
    // An admin may not demote themself (the last admin's guard).
    refused: (w) => ({
      method: "PUT",
      path: `/api/v1/users/${w.accounts.admin.id}`,
      token: w.accounts.admin.token,
      body: { role: "cashier" },
      status: 409,
    }),
  }),
  "DELETE /api/v1/users/{id}": define({
    setup: (w) => registered(w),
    ok: (w, user) => ({ method: "DELETE", path: `/api/v1/users/${user.id}`, token: w.accounts.admin.token }),
    refused: (w) => ({
      method: "DELETE",
      path: `/api/v1/users/${w.accounts.admin.id}`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),
  "POST /api/v1/users/{id}/activate": define({
    setup: async (w) => {
      const user = await registered(w);
      const res = await call("DELETE", `/api/v1/users/${user.id}`, { token: w.accounts.admin.token });
      if (!res.ok) throw new Error(`deactivating ${user.id}: ${res.status} ${await res.text()}`);
      return user;
    },
    ok: (w, user) => ({ method: "POST", path: `/api/v1/users/${user.id}/activate`, token: w.accounts.admin.token }),
    refused: (w) => ({
      method: "POST",
      path: `/api/v1/users/${UNKNOWN}/activate`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),

  // --- stores and their settings ---
  "POST /api/v1/stores": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/stores",
      token: w.accounts.admin.token,
      body: {
        code: "WEST",
        name: "West End Shop",
        time_zone: "Europe/Lisbon",
        currency: "USD",
        binding: "STORE_WEST",
        database_name: "pos-store-west",
      },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/stores",
      token: w.accounts.admin.token,
      body: { code: "WEST", name: "West Again", time_zone: "Europe/Lisbon", currency: "USD", binding: "STORE_WEST" },
      status: 409,
    }),
  }),
  "PUT /api/v1/stores/{id}": define({
    setup: (w) =>
      expectJson<{ version: number }>(
        call("GET", `/api/v1/stores/${SECOND_STORE.id}`, { token: w.accounts.admin.token }),
        200,
      ),
    ok: (w, store) => ({
      method: "PUT",
      path: `/api/v1/stores/${SECOND_STORE.id}`,
      token: w.accounts.admin.token,
      body: { phone: "+1 555 0100", version: store.version },
    }),
    // The version read before the change is stale now.
    refused: (w, store) => ({
      method: "PUT",
      path: `/api/v1/stores/${SECOND_STORE.id}`,
      token: w.accounts.admin.token,
      body: { phone: "+1 555 0101", version: store.version },
      status: 409,
    }),
  }),
  "PUT /api/v1/stores/{id}/cash-settings": define({
    setup: none,
    ok: (w) => ({
      method: "PUT",
      path: `/api/v1/stores/${MAIN_STORE.id}/cash-settings`,
      token: w.accounts.manager.token,
      body: { variance_reason_threshold: 6 },
    }),
    // A manager of MAIN is nobody at EAST.
    refused: (w) => ({
      method: "PUT",
      path: `/api/v1/stores/${SECOND_STORE.id}/cash-settings`,
      token: w.accounts.manager.token,
      body: { variance_reason_threshold: 6 },
      status: 404,
    }),
  }),

  // --- catalog (head office) ---
  "POST /api/v1/categories": define({
    setup: none,
    ok: (w) => ({ method: "POST", path: "/api/v1/categories", token: w.accounts.admin.token, body: { name: "Cov A" } }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/categories",
      token: w.accounts.admin.token,
      body: { name: "Cov A" },
      status: 409,
    }),
  }),
  "PUT /api/v1/categories/{id}": define({
    setup: (w) => createCategory(w.accounts.admin.token, "Cov B"),
    ok: (w, c) => ({
      method: "PUT",
      path: `/api/v1/categories/${c.id}`,
      token: w.accounts.admin.token,
      body: { name: "Cov B renamed", version: c.version },
    }),
    refused: (w, c) => ({
      method: "PUT",
      path: `/api/v1/categories/${c.id}`,
      token: w.accounts.admin.token,
      body: { name: "Cov B again", version: c.version },
      status: 409,
    }),
  }),
  "DELETE /api/v1/categories/{id}": define({
    setup: async (w) => {
      const token = w.accounts.admin.token;
      const gone = await createCategory(token, "Cov C");
      const kept = await createCategory(token, "Cov D");
      await createProduct(token, { category_id: gone.id });
      await createProduct(token, { category_id: kept.id });
      return { gone, kept };
    },
    ok: (w, s) => ({
      method: "DELETE",
      path: `/api/v1/categories/${s.gone.id}?detach_products=true`,
      token: w.accounts.admin.token,
    }),
    // A category that still has products is refused without detach_products.
    refused: (w, s) => ({
      method: "DELETE",
      path: `/api/v1/categories/${s.kept.id}`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),
  "POST /api/v1/products": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/products",
      token: w.accounts.admin.token,
      body: { sku: "COV-NEW", name: "Coverage product", price: 3.5, cost_price: 1, stock_quantity: 4 },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/products",
      token: w.accounts.admin.token,
      body: { sku: "COV-NEW", name: "Coverage twin", price: 3.5 },
      status: 409,
    }),
  }),
  "POST /api/v1/products/{id}/barcode": define({
    setup: async (w) => ({
      bare: await createProduct(w.accounts.admin.token),
      coded: await createProduct(w.accounts.admin.token, { barcode: "4006381333931" }),
    }),
    ok: (w, s) => ({ method: "POST", path: `/api/v1/products/${s.bare.id}/barcode`, token: w.accounts.admin.token }),
    // A product that has a barcode keeps it.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/products/${s.coded.id}/barcode`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),
  "PUT /api/v1/products/{id}/store-price": define({
    setup: (w) => createProduct(w.accounts.admin.token),
    ok: (w, p) => ({
      method: "PUT",
      path: `/api/v1/products/${p.id}/store-price`,
      token: w.accounts.manager.token,
      body: { price: 12.5 },
    }),
    refused: (w) => ({
      method: "PUT",
      path: `/api/v1/products/${UNKNOWN}/store-price`,
      token: w.accounts.manager.token,
      body: { price: 12.5 },
      status: 404,
    }),
  }),
  "DELETE /api/v1/products/{id}/store-price": define({
    setup: async (w) => {
      const p = await createProduct(w.accounts.admin.token);
      await expectJson(
        call("PUT", `/api/v1/products/${p.id}/store-price`, { token: w.accounts.manager.token, body: { price: 9 } }),
        200,
      );
      return p;
    },
    ok: (w, p) => ({ method: "DELETE", path: `/api/v1/products/${p.id}/store-price`, token: w.accounts.manager.token }),
    refused: (w) => ({
      method: "DELETE",
      path: `/api/v1/products/${UNKNOWN}/store-price`,
      token: w.accounts.manager.token,
      status: 404,
    }),
  }),
  "PUT /api/v1/products/{id}": define({
    setup: (w) => createProduct(w.accounts.admin.token),
    ok: (w, p) => ({
      method: "PUT",
      path: `/api/v1/products/${p.id}`,
      token: w.accounts.admin.token,
      body: { price: 11.25, version: p.version },
    }),
    refused: (w, p) => ({
      method: "PUT",
      path: `/api/v1/products/${p.id}`,
      token: w.accounts.admin.token,
      body: { price: 12.25, version: p.version },
      status: 409,
    }),
  }),
  "DELETE /api/v1/products/{id}": define({
    setup: (w) => createProduct(w.accounts.admin.token),
    ok: (w, p) => ({ method: "DELETE", path: `/api/v1/products/${p.id}`, token: w.accounts.admin.token }),
    refused: (w) => ({
      method: "DELETE",
      path: `/api/v1/products/${UNKNOWN}`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),

  // --- customers (head office) ---
  "POST /api/v1/customers": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/customers",
      token: w.accounts.cashier.token,
      body: { first_name: "Cora", last_name: "Coverage", email: "cora@example.com", phone: "+1 555 0123" },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/customers",
      token: w.accounts.cashier.token,
      body: { first_name: "Cora", last_name: "Again", email: "cora@example.com" },
      status: 409,
    }),
  }),
  "PUT /api/v1/customers/{id}": define({
    setup: (w) => customer(w.accounts.manager.token, "Pat"),
    ok: (w, c) => ({
      method: "PUT",
      path: `/api/v1/customers/${c.id}`,
      token: w.accounts.manager.token,
      body: { city: "Springfield", version: c.version },
    }),
    refused: (w, c) => ({
      method: "PUT",
      path: `/api/v1/customers/${c.id}`,
      token: w.accounts.manager.token,
      body: { city: "Shelbyville", version: c.version },
      status: 409,
    }),
  }),
  "DELETE /api/v1/customers/{id}": define({
    setup: (w) => customer(w.accounts.manager.token, "Dee"),
    ok: (w, c) => ({ method: "DELETE", path: `/api/v1/customers/${c.id}`, token: w.accounts.manager.token }),
    refused: (w) => ({
      method: "DELETE",
      path: `/api/v1/customers/${UNKNOWN}`,
      token: w.accounts.manager.token,
      status: 404,
    }),
  }),
  "POST /api/v1/customers/{id}/loyalty-points": define({
    setup: (w) => customer(w.accounts.manager.token, "Lou"),
    ok: (w, c) => ({
      method: "POST",
      path: `/api/v1/customers/${c.id}/loyalty-points`,
      token: w.accounts.manager.token,
      body: { points: 50, reason: "welcome bonus" },
    }),
    // Below zero: the balance has only 50.
    refused: (w, c) => ({
      method: "POST",
      path: `/api/v1/customers/${c.id}/loyalty-points`,
      token: w.accounts.manager.token,
      body: { points: -500, reason: "too much" },
      status: 409,
    }),
  }),

  // --- sales (store MAIN) ---
  "POST /api/v1/orders": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/orders",
      token: w.accounts.cashier.token,
      body: { order_items: [{ product_id: w.product.id, quantity: 2 }] },
    }),
    // More than the store has.
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/orders",
      token: w.accounts.cashier.token,
      body: { order_items: [{ product_id: w.product.id, quantity: 9_000 }] },
      status: 409,
    }),
  }),
  "PUT /api/v1/orders/{id}": define({
    setup: async (w) => {
      const token = w.accounts.manager.token;
      const open = await order(token, w.product.id);
      const cancelled = await order(token, w.product.id);
      await cancelOrder(token, cancelled.id);
      return { open, cancelled };
    },
    ok: (w, s) => ({
      method: "PUT",
      path: `/api/v1/orders/${s.open.id}`,
      token: w.accounts.manager.token,
      body: { notes: "gift wrap", discount: 1 },
    }),
    refused: (w, s) => ({
      method: "PUT",
      path: `/api/v1/orders/${s.cancelled.id}`,
      token: w.accounts.manager.token,
      body: { notes: "too late" },
      status: 409,
    }),
  }),
  "POST /api/v1/orders/{id}/cancel": define({
    setup: (w) => order(w.accounts.cashier.token, w.product.id),
    ok: (w, o) => ({ method: "POST", path: `/api/v1/orders/${o.id}/cancel`, token: w.accounts.manager.token }),
    // Cancelled already.
    refused: (w, o) => ({
      method: "POST",
      path: `/api/v1/orders/${o.id}/cancel`,
      token: w.accounts.manager.token,
      status: 409,
    }),
  }),
  "POST /api/v1/payments": define({
    setup: (w) => order(w.accounts.cashier.token, w.product.id),
    ok: (w, o) => ({
      method: "POST",
      path: "/api/v1/payments",
      token: w.accounts.cashier.token,
      body: { order_id: o.id, payment_method: "credit_card", amount: o.total },
    }),
    // The order is paid in full now.
    refused: (w, o) => ({
      method: "POST",
      path: "/api/v1/payments",
      token: w.accounts.cashier.token,
      body: { order_id: o.id, payment_method: "credit_card", amount: 1 },
      status: 409,
    }),
  }),
  "PUT /api/v1/payments/{id}": define({
    setup: async (w) => {
      const o = await order(w.accounts.cashier.token, w.product.id);
      return pay(w.accounts.cashier.token, o.id, o.total, { status: "pending" });
    },
    ok: (w, p) => ({
      method: "PUT",
      path: `/api/v1/payments/${p.id}`,
      token: w.accounts.cashier.token,
      body: { status: "completed", reference_number: "AUTH-1" },
    }),
    // A completed payment does not go back to failed.
    refused: (w, p) => ({
      method: "PUT",
      path: `/api/v1/payments/${p.id}`,
      token: w.accounts.cashier.token,
      body: { status: "failed" },
      status: 409,
    }),
  }),
  "POST /api/v1/payments/{id}/refund": define({
    setup: async (w) => {
      const o = await order(w.accounts.cashier.token, w.product.id);
      return pay(w.accounts.cashier.token, o.id, o.total);
    },
    ok: (w, p) => ({
      method: "POST",
      path: `/api/v1/payments/${p.id}/refund`,
      token: w.accounts.manager.token,
      body: { amount: 1, reason: "scratched box" },
    }),
    // More than is left of the payment.
    refused: (w, p) => ({
      method: "POST",
      path: `/api/v1/payments/${p.id}/refund`,
      token: w.accounts.manager.token,
      body: { amount: 5000, reason: "too much" },
      status: 400,
    }),
  }),

  // --- stock (store MAIN) ---
  "POST /api/v1/inventory/logs": define({
    setup: none,
    // The event is the product's stock movement (the answer is the log row).
    entity: (w) => w.product.id,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/inventory/logs",
      token: w.accounts.inventory_officer.token,
      body: { product_id: w.product.id, action: "stock_in", quantity_change: 5, reference_number: "PO-COV" },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/inventory/logs",
      token: w.accounts.inventory_officer.token,
      body: { product_id: w.product.id, action: "stock_out", quantity_change: -900_000 },
      status: 409,
    }),
  }),
  "POST /api/v1/inventory/product/{id}/adjust": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: `/api/v1/inventory/product/${w.product.id}/adjust`,
      token: w.accounts.inventory_officer.token,
      body: { action: "stock_in", quantity_change: 3, notes: "delivery" },
    }),
    refused: (w) => ({
      method: "POST",
      path: `/api/v1/inventory/product/${w.product.id}/adjust`,
      token: w.accounts.inventory_officer.token,
      body: { action: "stock_out", quantity_change: -900_000 },
      status: 409,
    }),
  }),
  "POST /api/v1/inventory/product/{id}/resync": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: `/api/v1/inventory/product/${w.product.id}/resync`,
      token: w.accounts.admin.token,
    }),
    refused: (w) => ({
      method: "POST",
      path: `/api/v1/inventory/product/${UNKNOWN}/resync`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),

  // --- transfers (MAIN → EAST) ---
  "POST /api/v1/transfers": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/transfers",
      token: w.accounts.admin.token,
      body: {
        from_store_id: MAIN_STORE.id,
        to_store_id: SECOND_STORE.id,
        lines: [{ product_id: w.product.id, quantity: 1 }],
      },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/transfers",
      token: w.accounts.admin.token,
      body: {
        from_store_id: MAIN_STORE.id,
        to_store_id: MAIN_STORE.id,
        lines: [{ product_id: w.product.id, quantity: 1 }],
      },
      status: 422,
    }),
  }),
  "POST /api/v1/transfers/{id}/send": define({
    setup: async (w) => {
      const token = w.accounts.admin.token;
      const lines = [{ product_id: w.product.id, quantity: 2 }];
      const ready = await draft(token, MAIN_STORE.id, SECOND_STORE.id, lines);
      const cancelled = await draft(token, MAIN_STORE.id, SECOND_STORE.id, lines);
      await expectJson(call("POST", `/api/v1/transfers/${cancelled.id}/cancel`, { token }), 200);
      return { ready, cancelled };
    },
    ok: (w, s) => ({ method: "POST", path: `/api/v1/transfers/${s.ready.id}/send`, token: w.accounts.admin.token }),
    // A cancelled draft is never sent.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/transfers/${s.cancelled.id}/send`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),
  "POST /api/v1/transfers/{id}/receive": define({
    setup: async (w) => {
      const t = await draft(w.accounts.admin.token, MAIN_STORE.id, SECOND_STORE.id, [
        { product_id: w.product.id, quantity: 2 },
      ]);
      return send(w.accounts.admin.token, t.id);
    },
    ok: (w, t) => ({
      method: "POST",
      path: `/api/v1/transfers/${t.id}/receive`,
      token: w.accounts.admin.token,
      body: { lines: [{ product_id: w.product.id, quantity: 1 }] },
    }),
    // More than is still in transit (1).
    refused: (w, t) => ({
      method: "POST",
      path: `/api/v1/transfers/${t.id}/receive`,
      token: w.accounts.admin.token,
      body: { lines: [{ product_id: w.product.id, quantity: 5 }] },
      status: 409,
    }),
  }),
  "POST /api/v1/transfers/{id}/cancel": define({
    setup: async (w) => {
      const token = w.accounts.admin.token;
      const lines = [{ product_id: w.product.id, quantity: 1 }];
      const cancelled = await draft(token, MAIN_STORE.id, SECOND_STORE.id, lines);
      const received = await send(token, (await draft(token, MAIN_STORE.id, SECOND_STORE.id, lines)).id);
      await expectJson(call("POST", `/api/v1/transfers/${received.id}/receive`, { token, body: { lines } }), 200);
      return { cancelled, received };
    },
    ok: (w, s) => ({
      method: "POST",
      path: `/api/v1/transfers/${s.cancelled.id}/cancel`,
      token: w.accounts.admin.token,
    }),
    // Received in full: nothing left to cancel.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/transfers/${s.received.id}/cancel`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),

  // --- tills (store MAIN) ---
  "POST /api/v1/cash-drawers": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/cash-drawers",
      token: w.accounts.manager.token,
      body: { name: "Cov Till" },
    }),
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/cash-drawers",
      token: w.accounts.manager.token,
      body: { name: "Cov Till" },
      status: 409,
    }),
  }),
  "PUT /api/v1/cash-drawers/{id}": define({
    setup: async (w) => ({
      drawer: await createDrawer(w.accounts.manager.token, "Cov Till Rename"),
      other: await createDrawer(w.accounts.manager.token, "Cov Till Taken"),
    }),
    ok: (w, s) => ({
      method: "PUT",
      path: `/api/v1/cash-drawers/${s.drawer.id}`,
      token: w.accounts.manager.token,
      body: { name: "Cov Till Renamed" },
    }),
    refused: (w, s) => ({
      method: "PUT",
      path: `/api/v1/cash-drawers/${s.drawer.id}`,
      token: w.accounts.manager.token,
      body: { name: s.other.name },
      status: 409,
    }),
  }),
  "POST /api/v1/shifts": define({
    setup: async (w) => ({ cashier: await account(w), drawer: await createDrawer(w.accounts.manager.token) }),
    ok: (_w, s) => ({
      method: "POST",
      path: "/api/v1/shifts",
      token: s.cashier.token,
      body: { drawer_id: s.drawer.id, opening_float: 100 },
    }),
    // The drawer has an open shift now.
    refused: (w, s) => ({
      method: "POST",
      path: "/api/v1/shifts",
      token: w.accounts.manager.token,
      body: { drawer_id: s.drawer.id, opening_float: 100 },
      status: 409,
    }),
  }),
  "POST /api/v1/shifts/{id}/end": define({
    setup: async (w) => {
      const open = await cashierWithShift(w);
      const closed = await cashierWithShift(w);
      await closeShift(closed.cashier.token, closed.shift.id, { counted_cash: 100 });
      return { open, closed };
    },
    ok: (_w, s) => ({ method: "POST", path: `/api/v1/shifts/${s.open.shift.id}/end`, token: s.open.cashier.token }),
    // A closed shift does not end again.
    refused: (_w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.closed.shift.id}/end`,
      token: s.closed.cashier.token,
      status: 409,
    }),
  }),
  "POST /api/v1/shifts/{id}/close": define({
    setup: async (w) => {
      const s = await cashierWithShift(w);
      await endShift(s.cashier.token, s.shift.id);
      return s;
    },
    ok: (_w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/close`,
      token: s.cashier.token,
      body: { counted_cash: 100, notes: "all good" },
    }),
    // Closed already, with another count.
    refused: (_w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/close`,
      token: s.cashier.token,
      body: { counted_cash: 90, variance_reason: "recount" },
      status: 409,
    }),
  }),
  "POST /api/v1/shifts/{id}/cash-events": define({
    entity: "body",
    setup: async (w) => ({ mine: await cashierWithShift(w), theirs: await cashierWithShift(w) }),
    ok: (_w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.mine.shift.id}/cash-events`,
      token: s.mine.cashier.token,
      body: { kind: "paid_in", amount: 5, reason: "float top-up" },
    }),
    // Another cashier's shift is not the caller's to record on (a closed one takes late events).
    refused: (_w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.theirs.shift.id}/cash-events`,
      token: s.mine.cashier.token,
      body: { kind: "paid_in", amount: 5, reason: "not my till" },
      status: 404,
    }),
  }),
  "POST /api/v1/shifts/{id}/cash-events/{event_id}/approve": define({
    setup: sharedPaidOuts,
    ok: (w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/cash-events/${s.toApprove.id}/approve`,
      token: w.accounts.manager.token,
    }),
    // A rejected paid-out cannot be approved any more.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/cash-events/${s.rejected.id}/approve`,
      token: w.accounts.manager.token,
      status: 409,
    }),
  }),
  "POST /api/v1/shifts/{id}/cash-events/{event_id}/reject": define({
    setup: sharedPaidOuts,
    ok: (w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/cash-events/${s.toReject.id}/reject`,
      token: w.accounts.manager.token,
    }),
    // An approved paid-out cannot be rejected any more.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/shifts/${s.shift.id}/cash-events/${s.approved.id}/reject`,
      token: w.accounts.manager.token,
      status: 409,
    }),
  }),

  // --- webhooks (head office) ---
  "POST /api/v1/webhook-endpoints": define({
    setup: none,
    ok: (w) => ({
      method: "POST",
      path: "/api/v1/webhook-endpoints",
      token: w.accounts.admin.token,
      body: { url: RECEIVER, event_types: ["order.created"], description: "Accounting" },
    }),
    // A private address is no target (outbound safety).
    refused: (w) => ({
      method: "POST",
      path: "/api/v1/webhook-endpoints",
      token: w.accounts.admin.token,
      body: { url: "https://10.0.0.7/hooks", event_types: ["order.created"] },
      status: 422,
    }),
  }),
  "PUT /api/v1/webhook-endpoints/{id}": define({
    setup: (w) => endpoint(w),
    ok: (w, e) => ({
      method: "PUT",
      path: `/api/v1/webhook-endpoints/${e.id}`,
      token: w.accounts.admin.token,
      body: { event_types: ["order.created", "refund.created"], version: e.version },
    }),
    refused: (w, e) => ({
      method: "PUT",
      path: `/api/v1/webhook-endpoints/${e.id}`,
      token: w.accounts.admin.token,
      body: { event_types: ["*"], version: e.version },
      status: 409,
    }),
  }),
  "DELETE /api/v1/webhook-endpoints/{id}": define({
    setup: (w) => endpoint(w),
    ok: (w, e) => ({ method: "DELETE", path: `/api/v1/webhook-endpoints/${e.id}`, token: w.accounts.admin.token }),
    // Deleted already.
    refused: (w, e) => ({
      method: "DELETE",
      path: `/api/v1/webhook-endpoints/${e.id}`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),
  "POST /api/v1/webhook-endpoints/{id}/rotate-secret": define({
    setup: (w) => endpoint(w),
    ok: (w, e) => ({
      method: "POST",
      path: `/api/v1/webhook-endpoints/${e.id}/rotate-secret`,
      token: w.accounts.admin.token,
    }),
    refused: (w) => ({
      method: "POST",
      path: `/api/v1/webhook-endpoints/${UNKNOWN}/rotate-secret`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),
  // Sends a signed test event and writes nothing else; the issue still asks for its one event (who sent what where).
  "POST /api/v1/webhook-endpoints/{id}/test": define({
    setup: (w) => endpoint(w),
    ok: (w, e) => ({ method: "POST", path: `/api/v1/webhook-endpoints/${e.id}/test`, token: w.accounts.admin.token }),
    refused: (w) => ({
      method: "POST",
      path: `/api/v1/webhook-endpoints/${UNKNOWN}/test`,
      token: w.accounts.admin.token,
      status: 404,
    }),
  }),

  "POST /api/v1/webhook-deliveries/{id}/redeliver": define({
    setup: deliveries,
    ok: (w, s) => ({
      method: "POST",
      path: `/api/v1/webhook-deliveries/${s.live.id}/redeliver`,
      token: w.accounts.admin.token,
    }),
    // Its endpoint is paused: re-activate it first.
    refused: (w, s) => ({
      method: "POST",
      path: `/api/v1/webhook-deliveries/${s.paused.id}/redeliver`,
      token: w.accounts.admin.token,
      status: 409,
    }),
  }),

  // --- administration ---
  "POST /api/v1/admin/backups": define({
    // A backup's id is its time (a string); the event's number is derived from it.
    entity: "unchecked",
    setup: none,
    ok: (w) => ({ method: "POST", path: "/api/v1/admin/backups", token: w.accounts.admin.token }),
    refused: (w) => ({ method: "POST", path: "/api/v1/admin/backups", token: w.accounts.manager.token, status: 403 }),
  }),
};
