/**
 * Sequences, not only rules (issue 13): random sequences of sales, payments,
 * refunds, cancels, edits and stock movements over three products and two
 * customers, through the real HTTP API, some raced in pairs and some with a D1
 * batch failed on purpose. Every step is first predicted by an independent
 * model (which requests succeed, which are refused with which status, and what
 * they change); after every step the answers are compared with the model and
 * the database with:
 * - per product: book stock = the sum of its log rows = the stock object's
 *   count = the model's count (units refunded with or without restock, and
 *   cancels, included);
 * - per payment, order and overall: money taken − refunded = what the
 *   payments and refunds rows say = orders.paid_amount = the model;
 * - per customer: points = Σ ledger = the model, never negative;
 * - no order in a state no path can leave (pending with paid ≥ total, a zero
 *   total included; cancelled or refunded holding money; completed with all
 *   money refunded).
 * Raced pairs may end as either serial order (or with one refused for the
 * conflict); a faulted batch (src/lib/d1-guard.ts d1Faults, "before" or
 * "after" it runs) must answer an error or what it recovered, and the same
 * request sent again with its Idempotency-Key must move money and stock once.
 *
 * Runs: VITE_SEQUENCE_RUNS (default 150) sequences of at most
 * VITE_SEQUENCE_STEPS (default 24) steps; VITE_SEQUENCE_SEED replays a seed;
 * VITE_SEQUENCE_KNOWN_RACES=1 also races the pairs of open bugs (see knownRace).
 * Only VITE_-prefixed variables reach the tests (no change to vitest.config.ts), e.g.
 * `VITE_SEQUENCE_RUNS=500 npx vitest run test/integration/sequences-property.test.ts`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, it } from "vitest";
import { d1Faults } from "../../src/lib/d1-guard";
import { stockObjectName } from "../../src/stock/client";
import { type Accounts, accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { settleStoreEvents } from "../helpers/outbox";
import { gate } from "../helpers/stock";
import { MAIN_STORE, storeDb } from "../helpers/stores";

// ---------------------------------------------------------------- settings

// Read at run time from process.env (the pool passes VITE_-prefixed variables there); import.meta.env
// would be baked into the cached transform of this file.
const settings = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
const RUNS = positive(settings.VITE_SEQUENCE_RUNS, 150);
const STEPS = positive(settings.VITE_SEQUENCE_STEPS, 24);
const SEED = settings.VITE_SEQUENCE_SEED ? Number(settings.VITE_SEQUENCE_SEED) : undefined;

const PRICES = [250, 799, 1200]; // cents
const START_STOCK = [6, 12, 20];
const START_POINTS = 300;

// ---------------------------------------------------------------- model

type Role = "cashier" | "manager" | "admin";
type OrderStatus = "pending" | "completed" | "cancelled" | "refunded";

interface MProduct {
  id: number;
  price: number;
  stock: number;
}
interface MCustomer {
  id: number;
  points: number;
  spent: number;
}
interface MItem {
  id: number;
  product: number; // index into products
  quantity: number;
  subtotal: number;
  refunded: number;
}
interface MPayment {
  id: number;
  amount: number;
  refunded: number;
}
interface MOrder {
  id: number;
  owner: Role;
  customer: number | null; // index into customers
  status: OrderStatus;
  subtotal: number;
  tax: number;
  discount: number;
  pointsRedeemed: number;
  total: number;
  pointsEarned: number;
  paid: number;
  refunded: number;
  items: MItem[];
  payments: MPayment[];
}
interface KeyedCall {
  http: Http;
  id: number;
}
interface Model {
  products: MProduct[];
  customers: MCustomer[];
  orders: MOrder[];
  lastKeyed: KeyedCall | null;
}

interface Real {
  accounts: Accounts;
  run: string;
  keys: number;
  trace: string[];
}

const clone = <T>(value: T): T => structuredClone(value);
const dec = (cents: number) => (cents / 100).toFixed(2);
const num = (cents: number) => Number(dec(cents));
const earnedFor = (total: number) => Math.floor(total / 100); // LOYALTY_POINTS_PER_UNIT = 1
const paymentStatus = (p: MPayment) =>
  p.refunded === 0 ? "completed" : p.refunded >= p.amount ? "refunded" : "partially_refunded";

/** Completion effects (the trigger of migration 0007), applied by the model when an order completes. */
function complete(m: Model, o: MOrder) {
  o.status = "completed";
  if (o.customer === null) return;
  const c = m.customers[o.customer] as MCustomer;
  c.spent += o.total;
  c.points += o.pointsEarned;
}

// ---------------------------------------------------------------- intents (what a command wants) and requests

type Pick = number;
type Intent =
  | {
      kind: "create";
      actor: "cashier" | "manager";
      lines: { p: number; q: number }[];
      customer: number | null;
      redeem: "none" | "some" | "all" | "cover" | "over";
      discount: "none" | "some" | "rest";
      tax: number;
      keyed: boolean;
    }
  | {
      kind: "pay";
      order: Pick;
      actor: "owner" | "manager";
      method: "card" | "cash" | "cash_tendered";
      size: "part" | "rest" | "over";
      frac: number;
      keyed: boolean;
    }
  | {
      kind: "refund";
      order: Pick;
      payment: Pick;
      mode: "amount" | "all" | "items" | "items_all";
      frac: number;
      items: { item: Pick; q: number; restock: boolean }[];
      keyed: boolean;
    }
  | { kind: "cancel"; order: Pick; via: "post" | "put" }
  | {
      kind: "edit";
      order: Pick;
      tax: number | null;
      discount: "keep" | "some" | "to_paid" | "to_zero" | "too_much";
      customer: "keep" | "none" | 0 | 1;
    }
  | {
      kind: "adjust";
      product: number;
      action: "stock_in" | "stock_out" | "damage" | "count";
      q: number;
      keyed: boolean;
    };

interface Http {
  method: string;
  path: string;
  body: Record<string, unknown>;
  role: Role;
  key?: string;
}

/** A request resolved against the model: what to send, and what it means (indices into the model). */
type Req =
  | {
      kind: "create";
      http: Http;
      lines: { product: number; quantity: number }[];
      customer: number | null;
      redeem: number;
      discount: number;
      tax: number;
      owner: Role;
    }
  | { kind: "pay"; http: Http; order: number; cash: boolean; amount: number; tendered: number | null }
  | {
      kind: "refund";
      http: Http;
      order: number;
      payment: number;
      amount: number | null;
      items: { item: number; quantity: number; restock: boolean }[];
    }
  | { kind: "cancel"; http: Http; order: number; via: "post" | "put" }
  | {
      kind: "edit";
      http: Http;
      order: number;
      tax: number | null;
      discount: number | null;
      customer: number | null | undefined;
    }
  | { kind: "adjust"; http: Http; product: number; action: string; q: number };

/** Orders and products two raced requests should share. */
interface Force {
  order?: number;
  product?: number;
}

const at = <T>(list: T[], pick: number): T | undefined => (list.length ? list[pick % list.length] : undefined);

function pickOrder(m: Model, pick: number, prefer: (o: MOrder) => boolean, force?: number): number | null {
  if (force !== undefined) return force;
  if (!m.orders.length) return null;
  const preferred = m.orders.map((o, i) => [o, i] as const).filter(([o]) => prefer(o));
  // Mostly the orders where something can happen; now and then any order (refusals are checked too).
  if (preferred.length && pick % 5 !== 0) return (at(preferred, pick) as readonly [MOrder, number])[1];
  return pick % m.orders.length;
}

function nextKey(r: Real, keyed: boolean) {
  if (!keyed) return undefined;
  r.keys += 1;
  return `${r.run}-${r.keys}`;
}

function resolve(m: Model, r: Real, intent: Intent, force: Force = {}): Req | null {
  switch (intent.kind) {
    case "create": {
      const merged = new Map<number, number>();
      for (const line of intent.lines) merged.set(line.p, (merged.get(line.p) ?? 0) + line.q);
      const lines = [...merged].map(([product, quantity]) => ({ product, quantity }));
      const subtotal = lines.reduce((s, l) => s + (m.products[l.product] as MProduct).price * l.quantity, 0);
      const customer = intent.customer;
      const points = customer === null ? 0 : (m.customers[customer] as MCustomer).points;
      const redeem = {
        none: 0,
        some: Math.ceil(points / 2),
        all: points,
        cover: Math.min(points, subtotal),
        over: points + 1,
      }[intent.redeem];
      const discount = { none: 0, some: Math.floor(subtotal / 4), rest: Math.max(0, subtotal - redeem) }[
        intent.discount
      ];
      // Discounts and redemptions are rung up by a manager (the cashier's discount cap is not under test here).
      const role: Role = redeem > 0 || discount > 0 ? "manager" : intent.actor;
      const body: Record<string, unknown> = {
        order_items: intent.lines.map((l) => ({ product_id: (m.products[l.p] as MProduct).id, quantity: l.q })),
      };
      if (customer !== null) body.customer_id = (m.customers[customer] as MCustomer).id;
      if (redeem > 0) body.redeem_points = redeem;
      if (discount > 0) body.discount = dec(discount);
      if (intent.tax > 0) body.tax = dec(intent.tax);
      const key = nextKey(r, intent.keyed);
      return {
        kind: "create",
        http: { method: "POST", path: "/api/v1/orders", body, role, ...(key ? { key } : {}) },
        lines,
        customer,
        redeem,
        discount,
        tax: intent.tax,
        owner: role,
      };
    }
    case "pay": {
      const index = pickOrder(m, intent.order, (o) => o.status === "pending", force.order);
      if (index === null) return null;
      const o = m.orders[index] as MOrder;
      const remaining = o.total - o.paid;
      const base = remaining > 0 ? remaining : 100;
      const amount = {
        part: Math.max(1, Math.floor((base * intent.frac) / 100)),
        rest: base,
        over: base + 100 * (1 + (intent.frac % 4)),
      }[intent.size];
      const cash = intent.method !== "card";
      const tendered = intent.method === "cash_tendered" ? Math.ceil((amount + 1) / 500) * 500 : null;
      const body: Record<string, unknown> = {
        order_id: o.id,
        payment_method: cash ? "cash" : intent.frac % 2 ? "credit_card" : "debit_card",
        amount: dec(amount),
      };
      if (tendered !== null) body.amount_tendered = dec(tendered);
      const key = nextKey(r, intent.keyed);
      const role: Role = intent.actor === "owner" ? o.owner : "manager";
      return {
        kind: "pay",
        http: { method: "POST", path: "/api/v1/payments", body, role, ...(key ? { key } : {}) },
        order: index,
        cash,
        amount,
        tendered,
      };
    }
    case "refund": {
      const hasRefundable = (o: MOrder) => o.payments.some((p) => p.refunded < p.amount);
      // Refunds on orders still pending (part paid) are where refunds meet cancels and edits: favour them.
      const index = pickOrder(
        m,
        intent.order,
        intent.order % 3 === 0 ? hasRefundable : (o) => hasRefundable(o) && o.status === "pending",
        force.order !== undefined && (m.orders[force.order] as MOrder).payments.length ? force.order : undefined,
      );
      if (index === null) return null;
      const o = m.orders[index] as MOrder;
      if (!o.payments.length) return null;
      const open = o.payments.map((p, i) => [p, i] as const).filter(([p]) => p.refunded < p.amount);
      const paymentIndex =
        open.length && intent.payment % 4 !== 0
          ? (at(open, intent.payment) as readonly [MPayment, number])[1]
          : intent.payment % o.payments.length;
      const p = o.payments[paymentIndex] as MPayment;
      const refundable = p.amount - p.refunded;
      let amount: number | null = null;
      const items: { item: number; quantity: number; restock: boolean }[] = [];
      if (intent.mode === "amount") {
        amount = intent.frac > 95 ? refundable + 1 : Math.max(1, Math.floor((refundable * intent.frac) / 100));
      } else if (intent.mode === "items" || intent.mode === "items_all") {
        const seen = new Set<number>();
        for (const line of intent.items) {
          const itemIndex = line.item % o.items.length;
          if (seen.has(itemIndex)) continue;
          seen.add(itemIndex);
          const item = o.items[itemIndex] as MItem;
          const left = item.quantity - item.refunded;
          items.push({
            item: itemIndex,
            quantity: left > 0 ? 1 + ((line.q - 1) % left) : line.q,
            restock: line.restock,
          });
        }
        if (intent.mode === "items_all") amount = refundable > 0 ? refundable : 100;
      }
      const body: Record<string, unknown> = { reason: `sequence refund ${intent.mode}` };
      if (amount !== null) body.amount = dec(amount);
      if (items.length) {
        body.items = items.map((line) => ({
          order_item_id: (o.items[line.item] as MItem).id,
          quantity: line.quantity,
          restock: line.restock,
        }));
      }
      const key = nextKey(r, intent.keyed);
      return {
        kind: "refund",
        http: {
          method: "POST",
          path: `/api/v1/payments/${p.id}/refund`,
          body,
          role: "manager",
          ...(key ? { key } : {}),
        },
        order: index,
        payment: paymentIndex,
        amount,
        items,
      };
    }
    case "cancel": {
      const cancellable = (o: MOrder) =>
        (o.status === "pending" && o.paid === 0) || (o.status === "completed" && o.total === 0 && o.paid === 0);
      // Half the time, one whose items were refunded (a cancel after a refund is where stock went wrong).
      const afterRefund = (o: MOrder) => cancellable(o) && o.items.some((i) => i.refunded > 0);
      const index = pickOrder(
        m,
        intent.order,
        intent.order % 2 && m.orders.some(afterRefund) ? afterRefund : cancellable,
        force.order,
      );
      if (index === null) return null;
      const o = m.orders[index] as MOrder;
      const http: Http =
        intent.via === "post"
          ? { method: "POST", path: `/api/v1/orders/${o.id}/cancel`, body: {}, role: "manager" }
          : { method: "PUT", path: `/api/v1/orders/${o.id}`, body: { status: "cancelled" }, role: "manager" };
      return { kind: "cancel", http, order: index, via: intent.via };
    }
    case "edit": {
      const index = pickOrder(m, intent.order, (o) => o.status === "pending", force.order);
      if (index === null) return null;
      const o = m.orders[index] as MOrder;
      const tax = intent.discount === "to_zero" ? 0 : intent.tax;
      const effectiveTax = tax ?? o.tax;
      const goods = o.subtotal - o.pointsRedeemed; // what an order discount may take
      const discount = {
        keep: null,
        some: Math.floor(o.subtotal / 5),
        to_paid: Math.max(0, o.subtotal + effectiveTax - o.pointsRedeemed - o.paid),
        to_zero: goods,
        too_much: goods + 1,
      }[intent.discount];
      const customer =
        intent.customer === "keep" ? undefined : intent.customer === "none" ? null : (intent.customer as number);
      const body: Record<string, unknown> = { notes: `edited ${r.keys++}` };
      if (tax !== null) body.tax = dec(tax);
      if (discount !== null) body.discount = dec(discount);
      if (customer !== undefined) body.customer_id = customer === null ? null : (m.customers[customer] as MCustomer).id;
      return {
        kind: "edit",
        http: { method: "PUT", path: `/api/v1/orders/${o.id}`, body, role: "manager" },
        order: index,
        tax,
        discount,
        customer,
      };
    }
    case "adjust": {
      const product = force.product ?? intent.product;
      const p = m.products[product] as MProduct;
      const body: Record<string, unknown> =
        intent.action === "count"
          ? { new_quantity: intent.q - 1, notes: "count" }
          : { action: intent.action, quantity_change: intent.q };
      const key = nextKey(r, intent.keyed);
      return {
        kind: "adjust",
        http: {
          method: "POST",
          path: `/api/v1/inventory/product/${p.id}/adjust`,
          body,
          role: "manager",
          ...(key ? { key } : {}),
        },
        product,
        action: intent.action,
        q: intent.action === "count" ? intent.q - 1 : intent.q,
      };
    }
  }
}

// ---------------------------------------------------------------- predictions

interface Expected {
  status: number;
  code?: string;
  fields?: Record<string, unknown>;
}
interface Prediction {
  expected: Expected;
  /** False when the request succeeds without writing (a cancel of a cancelled order through PUT). */
  writes?: boolean;
  /** Applies a success to the model; `body` is the answer (null: placeholder ids, for racing predictions). */
  apply: (m: Model, body: Record<string, unknown> | null) => void;
}

const refused = (status: number, code: string): Prediction => ({ expected: { status, code }, apply: () => undefined });

function predict(m: Model, req: Req): Prediction {
  switch (req.kind) {
    case "create": {
      const customer = req.customer === null ? null : (m.customers[req.customer] as MCustomer);
      if (req.redeem > 0 && !customer) return refused(422, "VALIDATION_ERROR");
      if (customer && req.redeem > customer.points) return refused(409, "CONFLICT");
      const subtotal = req.lines.reduce((s, l) => s + (m.products[l.product] as MProduct).price * l.quantity, 0);
      if (req.discount + req.redeem > subtotal) return refused(422, "VALIDATION_ERROR");
      if (req.lines.some((l) => l.quantity > (m.products[l.product] as MProduct).stock)) {
        return refused(409, "INSUFFICIENT_STOCK");
      }
      const total = subtotal + req.tax - req.discount - req.redeem;
      const pointsEarned = customer ? earnedFor(total) : 0;
      // An order that totals 0 completes in the batch that creates it (issue 13).
      const status: OrderStatus = total === 0 ? "completed" : "pending";
      return {
        expected: {
          status: 201,
          fields: {
            status,
            subtotal: num(subtotal),
            tax: num(req.tax),
            discount: num(req.discount),
            points_redeemed: req.redeem,
            points_discount: num(req.redeem),
            points_earned: pointsEarned,
            total: num(total),
          },
        },
        apply: (model, body) => {
          for (const l of req.lines) (model.products[l.product] as MProduct).stock -= l.quantity;
          if (req.customer !== null) (model.customers[req.customer] as MCustomer).points -= req.redeem;
          const returned = (body?.order_items ?? []) as { id: number; product_id: number }[];
          const order: MOrder = {
            id: typeof body?.id === "number" ? body.id : -1,
            owner: req.owner,
            customer: req.customer,
            status: "pending",
            subtotal,
            tax: req.tax,
            discount: req.discount,
            pointsRedeemed: req.redeem,
            total,
            pointsEarned,
            paid: 0,
            refunded: 0,
            items: req.lines.map((l) => {
              const price = (model.products[l.product] as MProduct).price;
              const productId = (model.products[l.product] as MProduct).id;
              return {
                id: returned.find((i) => i.product_id === productId)?.id ?? -1,
                product: l.product,
                quantity: l.quantity,
                subtotal: price * l.quantity,
                refunded: 0,
              };
            }),
            payments: [],
          };
          model.orders.push(order);
          if (total === 0) complete(model, order);
        },
      };
    }
    case "pay": {
      const o = m.orders[req.order] as MOrder;
      if (o.status !== "pending") return refused(409, "INVALID_STATE");
      const remaining = o.total - o.paid;
      let applied = req.amount;
      let change = 0;
      if (req.cash) {
        const tendered = req.tendered ?? req.amount;
        applied = Math.min(req.amount, remaining);
        if (tendered < applied) return refused(400, "BAD_REQUEST");
        change = tendered - applied;
      } else if (req.amount > remaining) {
        return refused(400, "PAYMENT_EXCEEDS_BALANCE");
      }
      if (applied <= 0) return refused(409, "INVALID_STATE");
      const completes = o.paid + applied === o.total;
      return {
        expected: {
          status: 201,
          fields: {
            status: "completed",
            amount: num(applied),
            change_due: num(change),
            order_status: completes ? "completed" : "pending",
            remaining_amount: num(remaining - applied),
          },
        },
        apply: (model, body) => {
          const order = model.orders[req.order] as MOrder;
          order.paid += applied;
          order.payments.push({ id: typeof body?.id === "number" ? body.id : -1, amount: applied, refunded: 0 });
          if (completes) complete(model, order);
        },
      };
    }
    case "refund": {
      const o = m.orders[req.order] as MOrder;
      const p = o.payments[req.payment] as MPayment;
      if (p.refunded >= p.amount) return refused(409, "INVALID_STATE");
      let itemsValue = 0;
      for (const line of req.items) {
        const item = o.items[line.item] as MItem;
        if (line.quantity > item.quantity - item.refunded) return refused(422, "VALIDATION_ERROR");
        itemsValue += Math.round((item.subtotal * line.quantity) / item.quantity);
      }
      const refundable = p.amount - p.refunded;
      const amount = req.amount ?? (req.items.length ? Math.min(refundable, itemsValue) : refundable);
      if (amount <= 0) return refused(409, "INVALID_STATE");
      if (amount > refundable) return refused(400, "BAD_REQUEST");
      const completed = o.status === "completed";
      const customer = o.customer === null ? null : (m.customers[o.customer] as MCustomer);
      // The refund says what it takes back; the head office takes back what the
      // customer still has when the store event arrives (the rest is noted on the ledger).
      const points = completed && customer && o.total > 0 ? Math.floor((o.pointsEarned * amount) / o.total) : 0;
      const orderStatus = completed && o.paid - amount === 0 ? "refunded" : o.status;
      return {
        expected: {
          status: 201,
          fields: {
            amount: num(amount),
            payment_status: p.refunded + amount >= p.amount ? "refunded" : "partially_refunded",
            order_status: orderStatus,
            refundable_amount: num(refundable - amount),
            points_reversed: points,
            points_unreversed: 0,
          },
        },
        apply: (model) => {
          const order = model.orders[req.order] as MOrder;
          const payment = order.payments[req.payment] as MPayment;
          payment.refunded += amount;
          order.paid -= amount;
          order.refunded += amount;
          order.status = orderStatus;
          for (const line of req.items) {
            const item = order.items[line.item] as MItem;
            item.refunded += line.quantity;
            if (line.restock) (model.products[item.product] as MProduct).stock += line.quantity;
          }
          if (completed && order.customer !== null) {
            const c = model.customers[order.customer] as MCustomer;
            c.points -= Math.min(points, c.points);
            c.spent = Math.max(0, c.spent - amount);
          }
        },
      };
    }
    case "cancel": {
      const o = m.orders[req.order] as MOrder;
      // PUT {status: cancelled} answers as POST cancel does: an order already cancelled is a 409.
      // A zero-total order completed at once; it is cancelled from there (migration 0014).
      const completedAtZero = o.status === "completed" && o.total === 0 && o.paid === 0 && o.refunded === 0;
      if (!completedAtZero && (o.status !== "pending" || o.paid > 0)) return refused(409, "INVALID_STATE");
      return {
        expected: { status: 200, fields: { status: "cancelled" } },
        apply: (model) => {
          const order = model.orders[req.order] as MOrder;
          order.status = "cancelled";
          // Only what is still out comes back: units refunded (restocked or not) never twice.
          for (const item of order.items) {
            (model.products[item.product] as MProduct).stock += item.quantity - item.refunded;
          }
          if (order.customer !== null) (model.customers[order.customer] as MCustomer).points += order.pointsRedeemed;
        },
      };
    }
    case "edit": {
      const o = m.orders[req.order] as MOrder;
      if (o.status !== "pending") return refused(409, "INVALID_STATE");
      const tax = req.tax ?? o.tax;
      const discount = req.discount ?? o.discount;
      if (discount + o.pointsRedeemed > o.subtotal) return refused(422, "VALIDATION_ERROR");
      const total = o.subtotal + tax - discount - o.pointsRedeemed;
      if (total < o.paid) return refused(409, "CONFLICT");
      if (o.pointsRedeemed > 0 && req.customer !== undefined && req.customer !== o.customer) {
        return refused(409, "CONFLICT");
      }
      const customer = req.customer === undefined ? o.customer : req.customer;
      const pointsEarned = customer === null ? 0 : earnedFor(total);
      // An edit that leaves nothing to pay (a zero total, or payments that already cover it) completes the order.
      const completes = total === o.paid;
      return {
        expected: {
          status: 200,
          fields: {
            status: completes ? "completed" : "pending",
            tax: num(tax),
            discount: num(discount),
            total: num(total),
            points_earned: pointsEarned,
          },
        },
        apply: (model) => {
          const order = model.orders[req.order] as MOrder;
          order.tax = tax;
          order.discount = discount;
          order.total = total;
          order.customer = customer;
          order.pointsEarned = pointsEarned;
          if (completes) complete(model, order);
        },
      };
    }
    case "adjust": {
      const p = m.products[req.product] as MProduct;
      const delta =
        req.action === "count"
          ? req.q - p.stock
          : req.action === "stock_out" || req.action === "damage"
            ? -req.q
            : req.q;
      if (req.action === "count" && delta === 0) return refused(422, "VALIDATION_ERROR");
      if (delta < 0 && -delta > p.stock) return refused(409, "INSUFFICIENT_STOCK");
      return {
        expected: { status: 201, fields: { quantity_change: delta, stock_quantity: p.stock + delta } },
        apply: (model) => {
          (model.products[req.product] as MProduct).stock += delta;
        },
      };
    }
  }
}

const orderFields = (o: MOrder) => ({
  status: o.status,
  tax: num(o.tax),
  discount: num(o.discount),
  total: num(o.total),
  points_earned: o.pointsEarned,
});

// ---------------------------------------------------------------- talking to the API

interface Answer {
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
}

async function send(r: Real, http: Http): Promise<Answer> {
  const res = await call(http.method, http.path, {
    token: r.accounts[http.role].token,
    body: http.body,
    headers: http.key ? { "Idempotency-Key": http.key } : {},
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, replayed: res.headers.get("Idempotent-Replayed") === "true" };
}

function mismatch(expected: Expected, answer: Answer): string | null {
  if (answer.status !== expected.status) return `status ${answer.status}, expected ${expected.status}`;
  if (expected.code && answer.body.code !== expected.code) return `code ${answer.body.code}, expected ${expected.code}`;
  for (const [field, value] of Object.entries(expected.fields ?? {})) {
    if (answer.body[field] !== value) return `${field} = ${JSON.stringify(answer.body[field])}, expected ${value}`;
  }
  return null;
}

const show = (http: Http) =>
  `${http.role} ${http.method} ${http.path} ${JSON.stringify(http.body)}${http.key ? ` key=${http.key}` : ""}`;
const brief = (a: Answer) =>
  `${a.status}${a.body.code ? ` ${a.body.code}` : ""}${a.status >= 400 ? ` ${JSON.stringify(a.body.detail)}` : ""}`;

function fail(r: Real, message: string): never {
  throw new Error(`${message}\n--- steps of this run:\n${r.trace.join("\n")}`);
}

// ---------------------------------------------------------------- invariants

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stub = (productId: number) =>
  env.PRODUCT_STOCK.get(env.PRODUCT_STOCK.idFromName(stockObjectName(MAIN_STORE.id, productId)));

/**
 * Waits for the stock objects to settle (commits are sent after the answer).
 * `expire`: holds whose outcome the API could not know (a fault) are settled
 * by the object's alarm, run now instead of in 60 s.
 */
async function settleStock(m: Model, r: Real, expire: boolean) {
  for (const p of m.products) {
    let view = await gate().view(p.id);
    // Up to about 4 s: a loaded machine may run the deferred commits late.
    for (let i = 0; i < 120 && view.open_entries > 0; i++) {
      await sleep(i < 20 ? 5 : 40);
      view = await gate().view(p.id);
    }
    if (view.open_entries > 0 && expire) {
      await runInDurableObject(stub(p.id), (_instance, state) => {
        state.storage.sql.exec("UPDATE entries SET expires_at = 0 WHERE state = 'held'");
      });
      await runDurableObjectAlarm(stub(p.id));
      view = await gate().view(p.id);
    }
    if (view.open_entries > 0) fail(r, `product ${p.id}: ${view.open_entries} stock holds never settled`);
  }
}

interface Row {
  [key: string]: number | string | null;
}

async function checkInvariants(m: Model, r: Real, expire = false) {
  await settleStock(m, r, expire);
  const productIds = m.products.map((p) => p.id);
  const customerIds = m.customers.map((c) => c.id);
  const inProducts = productIds.map(() => "?").join(",");
  const runOrders = `SELECT DISTINCT order_id FROM order_items WHERE product_id IN (${inProducts})`;
  // Stock, orders and money are in store 1's database; customers and their ledger at the head office,
  // where a sale's effects arrive through the store's outbox (applied here first).
  await settleStoreEvents();
  const store = storeDb();
  const q = (sql: string, ...binds: number[]) => store.prepare(sql).bind(...binds);
  const hq = (sql: string, ...binds: number[]) => env.DB.prepare(sql).bind(...binds);
  const [customers, ledger] = (
    await env.DB.batch([
      hq(`SELECT id, loyalty_points, total_spent FROM customers WHERE id IN (?, ?)`, ...customerIds),
      hq(
        "SELECT customer_id, SUM(delta) AS s, MIN(balance_after) AS low FROM loyalty_ledger WHERE customer_id IN (?, ?) GROUP BY customer_id",
        ...customerIds,
      ),
    ])
  ).map((result) => (result.results ?? []) as Row[]);
  const [products, logs, orders, paymentRows, refundRows, items, stuck, money] = (
    await store.batch([
      q(
        `SELECT product_id AS id, quantity AS stock_quantity FROM stock_levels WHERE product_id IN (${inProducts})`,
        ...productIds,
      ),
      q(
        `SELECT product_id, SUM(quantity_change) AS s FROM inventory_logs WHERE product_id IN (${inProducts}) GROUP BY product_id`,
        ...productIds,
      ),
      q(
        `SELECT id, status, total, paid_amount, refunded_amount, points_earned FROM orders WHERE id IN (${runOrders})`,
        ...productIds,
      ),
      q(
        `SELECT id, order_id, amount, refunded_amount, status FROM payments WHERE order_id IN (${runOrders})`,
        ...productIds,
      ),
      q(
        `SELECT payment_id, order_id, SUM(amount) AS s FROM refunds WHERE order_id IN (${runOrders}) GROUP BY payment_id`,
        ...productIds,
      ),
      q(`SELECT id, refunded_quantity FROM order_items WHERE order_id IN (${runOrders})`, ...productIds),
      // States no path leaves (orders of this run: an earlier run's failure must not fail this one).
      q(
        `SELECT id, status, total, paid_amount, refunded_amount FROM orders
         WHERE id IN (${runOrders}) AND (
               (status = 'pending' AND paid_amount >= total)
            OR (status IN ('cancelled', 'refunded') AND paid_amount <> 0)
            OR (status = 'completed' AND paid_amount = 0 AND total > 0))`,
        ...productIds,
      ),
      // Overall, computed apart from the per-order sums above.
      q(
        `WITH o AS (${runOrders})
         SELECT (SELECT COALESCE(SUM(amount), 0) FROM payments
                  WHERE order_id IN (SELECT order_id FROM o) AND status IN ('completed', 'partially_refunded', 'refunded'))
              - (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id IN (SELECT order_id FROM o)) AS net,
                (SELECT COALESCE(SUM(paid_amount), 0) FROM orders WHERE id IN (SELECT order_id FROM o)) AS paid,
                (SELECT COALESCE(SUM(refunded_amount), 0) FROM payments WHERE order_id IN (SELECT order_id FROM o)) AS refunded_by_payments,
                (SELECT COALESCE(SUM(refunded_amount), 0) FROM orders WHERE id IN (SELECT order_id FROM o)) AS refunded_by_orders,
                (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id IN (SELECT order_id FROM o)) AS refunds`,
        ...productIds,
      ),
    ])
  ).map((result) => (result.results ?? []) as Row[]);
  const problems: string[] = [];
  const byId = (rows: Row[] | undefined, key = "id") => new Map((rows ?? []).map((row) => [row[key] as number, row]));

  // Stock: model = book = Σ log = the object's count.
  const book = byId(products);
  const logged = byId(logs, "product_id");
  for (const p of m.products) {
    const stock = book.get(p.id)?.stock_quantity;
    const sum = logged.get(p.id)?.s ?? 0;
    const view = await gate().view(p.id);
    if (stock !== p.stock || sum !== p.stock || (view.available !== null && view.available !== p.stock)) {
      problems.push(
        `product ${p.id}: model ${p.stock}, book ${stock}, Σ log ${sum}, stock object ${view.available} (${view.open_entries} open)`,
      );
    }
  }

  // Money and order states: model = orders row = payments and refunds rows.
  const known = m.orders.filter((o) => o.id > 0);
  const dbOrders = byId(orders);
  const unknownOrders = [...dbOrders.keys()].filter((id) => !m.orders.some((o) => o.id === id));
  // Orders written by a request whose answer was lost have no id in the model yet (placeholders).
  if (unknownOrders.length > m.orders.length - known.length)
    problems.push(`orders the model never saw made: ${unknownOrders.join(", ")}`);
  const payments = byId(paymentRows);
  const refunds = byId(refundRows, "payment_id");
  const itemRows = byId(items);
  for (const o of known) {
    const row = dbOrders.get(o.id);
    const want = { status: o.status, total: o.total, paid_amount: o.paid, refunded_amount: o.refunded };
    const got = row && {
      status: row.status,
      total: row.total,
      paid_amount: row.paid_amount,
      refunded_amount: row.refunded_amount,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      problems.push(`order ${o.id}: model ${JSON.stringify(want)}, database ${JSON.stringify(got)}`);
    }
    const rows = (paymentRows ?? []).filter((p) => p.order_id === o.id);
    const taken = rows
      .filter((p) => p.status !== "pending" && p.status !== "failed")
      .reduce((s, p) => s + Number(p.amount), 0);
    const given = (refundRows ?? []).filter((x) => x.order_id === o.id).reduce((s, x) => s + Number(x.s), 0);
    if (row && (taken - given !== row.paid_amount || given !== row.refunded_amount)) {
      problems.push(
        `order ${o.id}: payments ${taken} − refunds ${given} vs paid_amount ${row.paid_amount}, refunded_amount ${row.refunded_amount}`,
      );
    }
    if (rows.length !== o.payments.length)
      problems.push(`order ${o.id}: ${rows.length} payments, model ${o.payments.length}`);
    for (const p of o.payments) {
      if (p.id < 0) continue;
      const prow = payments.get(p.id);
      const sum = Number(refunds.get(p.id)?.s ?? 0);
      if (
        !prow ||
        prow.amount !== p.amount ||
        prow.refunded_amount !== p.refunded ||
        sum !== p.refunded ||
        prow.status !== paymentStatus(p)
      ) {
        problems.push(
          `payment ${p.id}: model ${JSON.stringify({ amount: p.amount, refunded: p.refunded, status: paymentStatus(p) })}, database ${JSON.stringify(prow)}, Σ refunds ${sum}`,
        );
      }
    }
    for (const item of o.items) {
      const irow = itemRows.get(item.id);
      if (irow?.refunded_quantity !== item.refunded) {
        problems.push(`order item ${item.id}: refunded_quantity ${irow?.refunded_quantity}, model ${item.refunded}`);
      }
    }
  }

  // Loyalty: model = customers row = Σ ledger, never negative.
  const crow = byId(customers);
  const lrow = byId(ledger, "customer_id");
  for (const c of m.customers) {
    const row = crow.get(c.id);
    const sum = lrow.get(c.id)?.s;
    if (row?.loyalty_points !== c.points || sum !== c.points || c.points < 0 || row?.total_spent !== c.spent) {
      problems.push(
        `customer ${c.id}: model ${c.points} points / ${c.spent} spent, database ${row?.loyalty_points} / ${row?.total_spent}, Σ ledger ${sum}`,
      );
    }
    if (Number(lrow.get(c.id)?.low ?? 0) < 0) problems.push(`customer ${c.id}: a ledger balance went negative`);
  }

  for (const row of stuck ?? []) problems.push(`order ${row.id} is stuck: ${JSON.stringify(row)}`);
  const totals = money?.[0];
  const modelPaid = known.reduce((sum, o) => sum + o.paid, 0);
  const modelRefunded = known.reduce((sum, o) => sum + o.refunded, 0);
  if (totals && (totals.paid !== modelPaid || totals.refunds !== modelRefunded)) {
    problems.push(`overall: model ${modelPaid} paid / ${modelRefunded} refunded, database ${JSON.stringify(totals)}`);
  }
  if (
    totals &&
    (totals.net !== totals.paid ||
      totals.refunded_by_payments !== totals.refunds ||
      totals.refunded_by_orders !== totals.refunds)
  ) {
    problems.push(`overall: ${JSON.stringify(totals)}`);
  }
  if (problems.length) fail(r, `invariants broken:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------- commands

type Cmd = fc.AsyncCommand<Model, Real>;

function describeIntent(intent: Intent): string {
  const { kind, ...rest } = intent;
  return `${kind}(${JSON.stringify(rest)})`;
}

function remember(m: Model, http: Http, answer: Answer) {
  if (http.key && typeof answer.body.id === "number") m.lastKeyed = { http, id: answer.body.id };
}

/** One request, predicted by the model and checked against it. */
class Step implements Cmd {
  constructor(readonly intent: Intent) {}
  check(m: Readonly<Model>) {
    return this.intent.kind === "create" || this.intent.kind === "adjust" || m.orders.length > 0;
  }
  async run(m: Model, r: Real) {
    const req = resolve(m, r, this.intent);
    if (req) await runOne(m, r, req);
  }
  toString() {
    return describeIntent(this.intent);
  }
}

/** Sends one request, compares the answer with the model's prediction, applies it and checks the invariants. */
async function runOne(m: Model, r: Real, req: Req) {
  const prediction = predict(m, req);
  const answer = await send(r, req.http);
  r.trace.push(`${show(req.http)} → ${brief(answer)}`);
  const wrong = mismatch(prediction.expected, answer);
  if (wrong) fail(r, `${show(req.http)}: ${wrong}; answer ${JSON.stringify(answer.body)}`);
  if (answer.status < 300) {
    prediction.apply(m, answer.body);
    remember(m, req.http, answer);
  }
  await checkInvariants(m, r);
}

/**
 * Races this test found that are not fixed yet: such pairs (same order) run
 * one after the other; VITE_SEQUENCE_KNOWN_RACES=1 races them too (to check a
 * fix). None is open now. Those found so far were decisions taken from a read
 * before the request's batch, which a twin on the same order changed before
 * the batch ran: a cash payment's change (an edit or refund moving the
 * remainder), a refund's "the order is completed" (a payment completing it),
 * and an edit's fields it was not sent (a second edit: a lost update). Each
 * batch now refuses (an edit first retries once) when what it read has moved.
 */
function knownRace(a: Req, b: Req): string | null {
  if (!("order" in a) || !("order" in b) || a.order !== b.order) return null;
  // e.g. `if ([a.kind, b.kind].sort().join("+") === "edit+edit") return "two edits";`
  return null;
}
const RACE_KNOWN = settings.VITE_SEQUENCE_KNOWN_RACES === "1";

/**
 * A movement answers its log row, whose "after" is read in its batch: when a
 * sale commits between a count's read and its batch, the count moves stock by
 * the difference it read (as if it ran first) and the row shows the sale too.
 */
function loosen(req: Req, expected: Expected): Expected {
  if (req.kind !== "adjust" || !expected.fields) return expected;
  const { stock_quantity: _after, ...fields } = expected.fields;
  return { ...expected, fields };
}

/**
 * The serial order the database took, among those the answers fit. Answers do
 * not show loyalty points, yet the order matters to them: a refund applied at
 * the head office before a racing completion finds fewer points to take back
 * than one applied after it (outbox events are applied in commit order). So
 * when the fitting orders disagree on points, the customers' balances decide.
 */
async function likeTheDatabase(fitting: Model[]): Promise<Model | undefined> {
  const pointsOf = (model: Model) => JSON.stringify(model.customers.map((c) => c.points));
  if (new Set(fitting.map(pointsOf)).size < 2) return fitting[0];
  await settleStoreEvents();
  const ids = (fitting[0] as Model).customers.map((c) => c.id);
  const { results } = await env.DB.prepare(
    `SELECT id, loyalty_points FROM customers WHERE id IN (${ids.map(() => "?").join(",")})`,
  )
    .bind(...ids)
    .all<{ id: number; loyalty_points: number }>();
  const stored = JSON.stringify(ids.map((id) => results.find((row) => row.id === id)?.loyalty_points));
  return fitting.find((model) => pointsOf(model) === stored) ?? fitting[0];
}

/**
 * Two requests at once. Either serial order's outcome is accepted; a request
 * whose outcome depends on the other may also be refused (a conflict, 4xx)
 * with no effect. The model follows the order the answers show.
 */
class Race implements Cmd {
  constructor(
    readonly a: Intent,
    readonly b: Intent,
    readonly same: boolean,
  ) {}
  check(m: Readonly<Model>) {
    return new Step(this.a).check(m) && new Step(this.b).check(m);
  }
  async run(m: Model, r: Real) {
    const ra = resolve(m, r, this.a);
    if (!ra) return;
    const force: Force = {};
    if (this.same && "order" in ra) force.order = ra.order;
    if (this.same && ra.kind === "adjust") force.product = ra.product;
    if (this.same && ra.kind === "create") force.product = ra.lines[0]?.product;
    const rb = resolve(m, r, this.b, force);
    if (!rb) return;
    if (!RACE_KNOWN && knownRace(ra, rb)) {
      r.trace.push(`(known race of ${knownRace(ra, rb)}: one after the other)`);
      await runOne(m, r, ra);
      await runOne(m, r, rb);
      return;
    }
    const [answerA, answerB] = await Promise.all([send(r, ra.http), send(r, rb.http)]);
    r.trace.push(`RACE  ${show(ra.http)} → ${brief(answerA)}\n  ||  ${show(rb.http)} → ${brief(answerB)}`);

    /** Runs `first` then `second` on a copy of the model with the real answers; null if they do not fit. */
    const serial = (first: [Req, Answer | null], second: [Req, Answer | null]): Model | null => {
      const model = clone(m);
      const edits: [Expected, Answer, number][] = [];
      for (const [req, answer] of [first, second]) {
        const prediction = predict(model, req);
        if (answer === null) continue; // refused by the conflict: no effect
        if (req.kind === "edit" && answer.status === 200 && prediction.expected.status === 200) {
          edits.push([prediction.expected, answer, req.order]);
        } else if (mismatch(loosen(req, prediction.expected), answer)) {
          return null;
        }
        if (answer.status < 300) prediction.apply(model, answer.body);
      }
      // An edit answers the order as it reads it back, which may already show the other request's change.
      for (const [expected, answer, order] of edits) {
        const now = { status: 200, fields: orderFields(model.orders[order] as MOrder) };
        if (mismatch(expected, answer) && mismatch(now, answer)) return null;
      }
      return model;
    };
    const interacts = (mine: Req, other: Req) => {
      const alone = predict(clone(m), mine).expected;
      const afterOther = clone(m);
      const otherPrediction = predict(afterOther, other);
      if (otherPrediction.expected.status < 300) otherPrediction.apply(afterOther, null);
      return JSON.stringify(alone) !== JSON.stringify(predict(afterOther, mine).expected);
    };
    // A refusal for a conflict is fair when the two touch the same order or product.
    const touches = (req: Req) => {
      const set = new Set<string>();
      if ("order" in req) {
        set.add(`o${req.order}`);
        for (const item of (m.orders[req.order] as MOrder).items) set.add(`p${item.product}`);
      }
      if (req.kind === "create") for (const l of req.lines) set.add(`p${l.product}`);
      if (req.kind === "adjust") set.add(`p${req.product}`);
      return set;
    };
    const shared = [...touches(ra)].some((t) => touches(rb).has(t));
    const conflict = (mine: Req, answer: Answer, other: Req) =>
      // 422 too: a refund reads its payment, then its order, so a twin landing in between can
      // make its items look over-refunded rather than its payment refunded (nothing is written either way).
      [400, 409, 422].includes(answer.status) && (shared || interacts(mine, other));
    const candidates: (Model | null)[] = [
      serial([ra, answerA], [rb, answerB]),
      serial([rb, answerB], [ra, answerA]),
      conflict(ra, answerA, rb) ? serial([rb, answerB], [ra, null]) : null,
      conflict(rb, answerB, ra) ? serial([ra, answerA], [rb, null]) : null,
    ];
    const next = await likeTheDatabase(candidates.filter((c): c is Model => c !== null));
    if (!next) {
      const ea = predict(clone(m), ra).expected;
      const eb = predict(clone(m), rb).expected;
      fail(
        r,
        `race fits no serial order: A ${brief(answerA)} ${JSON.stringify(answerA.body)} (alone: ${JSON.stringify(ea)}), B ${brief(answerB)} ${JSON.stringify(answerB.body)} (alone: ${JSON.stringify(eb)})`,
      );
    }
    Object.assign(m, next);
    remember(m, ra.http, answerA);
    remember(m, rb.http, answerB);
    await checkInvariants(m, r);
  }
  toString() {
    return `race${this.same ? "(same target)" : ""}[${describeIntent(this.a)} || ${describeIntent(this.b)}]`;
  }
}

/** Sends the last request that carried an Idempotency-Key again: same body replays, another body is a 422. */
class Replay implements Cmd {
  constructor(readonly otherBody: boolean) {}
  check(m: Readonly<Model>) {
    return m.lastKeyed !== null;
  }
  async run(m: Model, r: Real) {
    const last = m.lastKeyed;
    if (!last) return;
    // A field the endpoint reads (unknown fields are dropped before the body is hashed).
    const other = "reason" in last.http.body ? { reason: "another reason" } : { notes: "another body" };
    const http = this.otherBody ? { ...last.http, body: { ...last.http.body, ...other } } : last.http;
    const answer = await send(r, http);
    r.trace.push(`REPLAY ${show(http)} → ${brief(answer)}${answer.replayed ? " (replayed)" : ""}`);
    if (this.otherBody) {
      if (answer.status !== 422 || answer.body.code !== "IDEMPOTENCY_KEY_REUSED") {
        fail(r, `same key, other body: ${brief(answer)}`);
      }
    } else if (answer.status !== 201 || !answer.replayed || answer.body.id !== last.id) {
      fail(r, `replay of ${last.id}: ${brief(answer)} ${JSON.stringify(answer.body)}, replayed=${answer.replayed}`);
    }
    await checkInvariants(m, r);
  }
  toString() {
    return `replay(${this.otherBody ? "other body" : "same body"})`;
  }
}

/** Which D1 batch is the write of each kind of request (the fault wrapper matches on the batch's SQL). */
const WRITE_BATCH: Record<FaultIntent["kind"], (sql: string[]) => boolean> = {
  create: (sql) => sql.some((s) => s.includes("INSERT INTO orders")),
  pay: (sql) => sql.some((s) => s.includes("INSERT INTO payments")),
  refund: (sql) => sql.some((s) => s.includes("INSERT INTO refunds")),
  cancel: (sql) => sql.some((s) => s.includes("status = 'cancelled'")),
  adjust: (sql) =>
    sql.some((s) => s.includes("INSERT INTO inventory_logs")) &&
    !sql.some((s) => /INSERT INTO (orders|refunds|payments)|UPDATE orders/.test(s)),
};
type FaultIntent = Extract<Intent, { kind: "create" | "pay" | "refund" | "cancel" | "adjust" }>;

/**
 * One request whose write batch fails on purpose: "before" (nothing written)
 * or "after" (written, then the connection is lost: an unknown outcome). The
 * API must answer an error, or the result it recovered; the request sent again
 * with the same Idempotency-Key must then give the predicted result, moving
 * money and stock once.
 */
class Fault implements Cmd {
  constructor(
    readonly intent: FaultIntent,
    readonly when: "before" | "after",
  ) {}
  check(m: Readonly<Model>) {
    return new Step(this.intent).check(m);
  }
  async run(m: Model, r: Real) {
    const intent = "keyed" in this.intent ? { ...this.intent, keyed: true } : this.intent;
    const req = resolve(m, r, intent);
    if (!req) return;
    const prediction = predict(m, req);
    const fault = d1Faults.failNextBatch({ when: this.when, match: WRITE_BATCH[intent.kind] });
    let answer: Answer;
    try {
      answer = await send(r, req.http);
    } finally {
      d1Faults.reset();
    }
    r.trace.push(`FAULT(${this.when}${fault.fired ? "" : ", not reached"}) ${show(req.http)} → ${brief(answer)}`);
    const success = prediction.expected.status < 300 && prediction.writes !== false;
    if (!fault.fired) {
      // Refused before its batch (or nothing to write); a write must have gone through its batch.
      if (success) fail(r, `${show(req.http)}: predicted ${prediction.expected.status} but its batch never ran`);
      const wrong = mismatch(prediction.expected, answer);
      if (wrong) fail(r, `${show(req.http)}: ${wrong}; answer ${JSON.stringify(answer.body)}`);
      await checkInvariants(m, r);
      return;
    }
    if (!success) fail(r, `${show(req.http)}: predicted ${prediction.expected.status} yet its batch ran`);
    const recovered = answer.status < 300;
    if (recovered) {
      // Only an "after" fault leaves something to recover: the batch landed and the API found it.
      const wrong = this.when === "after" ? mismatch(prediction.expected, answer) : "a success with nothing written";
      if (wrong) fail(r, `${show(req.http)}: ${wrong}; answer ${JSON.stringify(answer.body)}`);
    } else if (answer.status < 500) {
      fail(r, `${show(req.http)} under a lost connection answered ${brief(answer)}, not a 5xx`);
    }
    // Before the retry: "before" wrote nothing; "after" wrote it once (its ids come with the retry).
    const during = clone(m);
    if (this.when === "after") prediction.apply(during, recovered ? answer.body : null);
    await checkInvariants(during, r, true);

    const retry = await send(r, req.http);
    r.trace.push(`RETRY ${show(req.http)} → ${brief(retry)}${retry.replayed ? " (replayed)" : ""}`);
    if (!req.http.key && this.when === "after") {
      // No key (a cancel): sent again, it meets the order as the first one left it.
      prediction.apply(m, recovered ? answer.body : null);
      const wrong = mismatch(predict(m, req).expected, retry);
      if (wrong) fail(r, `${show(req.http)} sent again after it landed: ${wrong}`);
    } else {
      const wrong = mismatch(prediction.expected, retry);
      if (wrong) fail(r, `retry of ${show(req.http)}: ${wrong}; answer ${JSON.stringify(retry.body)}`);
      const replay = this.when === "after" || recovered;
      if (req.http.key && retry.replayed !== replay) {
        fail(r, `retry of ${show(req.http)}: Idempotent-Replayed ${retry.replayed}, expected ${replay}`);
      }
      if (recovered && typeof answer.body.id === "number" && retry.body.id !== answer.body.id) {
        fail(r, `retry of ${show(req.http)} answered id ${retry.body.id}, the first answer ${answer.body.id}`);
      }
      prediction.apply(m, retry.body);
      remember(m, req.http, retry);
    }
    await checkInvariants(m, r, true);
  }
  toString() {
    return `fault(${this.when})[${describeIntent(this.intent)}]`;
  }
}

// ---------------------------------------------------------------- arbitraries

const pick = fc.nat({ max: 1000 });
const createArb = fc.record({
  kind: fc.constant("create" as const),
  actor: fc.constantFrom("cashier" as const, "manager" as const),
  lines: fc.array(fc.record({ p: fc.nat({ max: 2 }), q: fc.integer({ min: 1, max: 4 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
  customer: fc.option(fc.nat({ max: 1 }), { nil: null, freq: 3 }),
  redeem: fc.constantFrom("none", "none", "none", "some", "all", "cover", "over") as fc.Arbitrary<
    "none" | "some" | "all" | "cover" | "over"
  >,
  discount: fc.constantFrom("none", "none", "none", "none", "some", "rest") as fc.Arbitrary<"none" | "some" | "rest">,
  tax: fc.constantFrom(0, 0, 150),
  keyed: fc.boolean(),
});
const payArb = fc.record({
  kind: fc.constant("pay" as const),
  order: pick,
  actor: fc.constantFrom("owner" as const, "manager" as const),
  method: fc.constantFrom("card" as const, "cash" as const, "cash_tendered" as const),
  size: fc.constantFrom("part" as const, "part" as const, "rest" as const, "over" as const),
  frac: fc.integer({ min: 1, max: 99 }),
  keyed: fc.boolean(),
});
const refundArb = fc.record({
  kind: fc.constant("refund" as const),
  order: pick,
  payment: pick,
  mode: fc.constantFrom("amount" as const, "all" as const, "items" as const, "items" as const, "items_all" as const),
  frac: fc.integer({ min: 1, max: 100 }),
  items: fc.array(fc.record({ item: pick, q: fc.integer({ min: 1, max: 4 }), restock: fc.boolean() }), {
    minLength: 1,
    maxLength: 2,
  }),
  keyed: fc.boolean(),
});
const cancelArb = fc.record({
  kind: fc.constant("cancel" as const),
  order: pick,
  via: fc.constantFrom("post" as const, "put" as const),
});
const editArb = fc.record({
  kind: fc.constant("edit" as const),
  order: pick,
  tax: fc.constantFrom(null, null, 0, 100, 250),
  discount: fc.constantFrom("keep", "some", "to_paid", "to_zero", "too_much") as fc.Arbitrary<
    "keep" | "some" | "to_paid" | "to_zero" | "too_much"
  >,
  customer: fc.constantFrom("keep", "keep", "none", 0, 1) as fc.Arbitrary<"keep" | "none" | 0 | 1>,
});
const adjustArb = fc.record({
  kind: fc.constant("adjust" as const),
  product: fc.nat({ max: 2 }),
  action: fc.constantFrom("stock_in" as const, "stock_out" as const, "damage" as const, "count" as const),
  q: fc.integer({ min: 1, max: 6 }),
  keyed: fc.boolean(),
});
const anyIntent: fc.Arbitrary<Intent> = fc.oneof(createArb, payArb, refundArb, cancelArb, editArb, adjustArb);
/** Pairs worth racing: each is two requests that touch the same order or product when `same`. */
const racePair: fc.Arbitrary<[Intent, Intent]> = fc.oneof(
  fc.tuple(refundArb, cancelArb),
  fc.tuple(refundArb, cancelArb),
  fc.tuple(payArb, cancelArb),
  fc.tuple(payArb, payArb),
  fc.tuple(refundArb, refundArb),
  fc.tuple(payArb, editArb),
  fc.tuple(editArb, editArb),
  fc.tuple(refundArb, editArb),
  fc.tuple(refundArb, payArb),
  fc.tuple(cancelArb, cancelArb),
  fc.tuple(createArb, adjustArb),
  fc.tuple(createArb, createArb),
  fc.tuple(anyIntent, anyIntent),
);

const stepArb: fc.Arbitrary<Cmd> = fc
  .oneof(
    { weight: 4, arbitrary: createArb },
    { weight: 5, arbitrary: payArb },
    { weight: 5, arbitrary: refundArb },
    { weight: 2, arbitrary: cancelArb },
    { weight: 2, arbitrary: editArb },
    { weight: 1, arbitrary: adjustArb },
  )
  .map((intent) => new Step(intent));
const raceArb: fc.Arbitrary<Cmd> = fc.tuple(racePair, fc.boolean()).map(([[a, b], same]) => new Race(a, b, same));
const replayArb: fc.Arbitrary<Cmd> = fc.boolean().map((otherBody) => new Replay(otherBody));
const faultArb: fc.Arbitrary<Cmd> = fc
  .tuple(
    fc.oneof(createArb, payArb, refundArb, cancelArb, adjustArb) as fc.Arbitrary<FaultIntent>,
    fc.constantFrom("before" as const, "after" as const),
  )
  .map(([intent, when]) => new Fault(intent, when));

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc.oneof(
    { weight: 16, arbitrary: stepArb },
    { weight: 4, arbitrary: raceArb },
    { weight: 3, arbitrary: faultArb },
    { weight: 1, arbitrary: replayArb },
  ),
];

// ---------------------------------------------------------------- the property

async function setup(): Promise<{ model: Model; real: Real }> {
  const acc = await accounts();
  const products: MProduct[] = [];
  for (const [i, price] of PRICES.entries()) {
    const stock = START_STOCK[i] ?? 5;
    const created = await createProduct(acc.admin.token, { price: dec(price), stock_quantity: stock });
    products.push({ id: created.id, price, stock });
  }
  const customers: MCustomer[] = [];
  for (const name of ["Ada", "Bo"]) {
    const created = await expectJson<{ id: number }>(
      call("POST", "/api/v1/customers", {
        token: acc.manager.token,
        body: { first_name: name, last_name: "Sequence" },
      }),
      201,
    );
    await expectJson(
      call("POST", `/api/v1/customers/${created.id}/loyalty-points`, {
        token: acc.admin.token,
        body: { points: START_POINTS, reason: "sequence start" },
      }),
      200,
    );
    customers.push({ id: created.id, points: START_POINTS, spent: 0 });
  }
  return {
    model: { products, customers, orders: [], lastKeyed: null },
    real: { accounts: acc, run: `seq-${crypto.randomUUID().slice(0, 8)}`, keys: 0, trace: [] },
  };
}

describe("sequences of sales, payments, refunds, cancels, edits and stock moves (model-based)", () => {
  it("keep stock, money and points equal to an independent model and the database after every step", {
    timeout: 60_000 + RUNS * STEPS * 1_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: STEPS, size: "max" }), async (cmds) => {
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });
});
