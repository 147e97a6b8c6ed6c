/**
 * The transfer invariant as a property (issue 16): over random sequences of
 * create / send / receive (partial, random quantities, sometimes more than is
 * in transit) / cancel steps across three stores, some raced in parallel
 * (receive vs cancel, two receipts, send vs cancel) and some retried with
 * the same Idempotency-Key, after each sequence:
 *
 *   - for every product, Σ stores' stock_levels + Σ in transit at the head
 *     office (sent − received − returned) equals the starting total;
 *   - every line has received + returned ≤ sent, and sent is 0 or the line's quantity;
 *   - each store's transfer log rows add up to what the head office says
 *     that store sent, received and got back (a step applied twice on
 *     either side, or on one side only, shows here);
 *   - no step is left pending, and every store's objects agree with its
 *     book and log (reconcile: no drift, nothing in flight).
 *
 * Why it would fail if the gate broke (mutations run once by hand while
 * writing it): with the head office's refusals ignored (a step refused by
 * the one-pending index, the status trigger or the lines' CHECK writing its
 * store batch anyway), every seed fails conservation, since raced steps
 * happen in each; with a receipt's Idempotency-Key ignored (a new step per
 * call), the retried receipts of five of the six seeds move stock twice (or
 * overdraw what is in transit) and fail the retry check. Removing the
 * request's own undo of a refused store batch is not caught, by design: the sweep run before the checks undoes the step
 * it left pending (its store never saw it), which is what the sweep is for;
 * transfers-settle.test.ts checks the request undoes it at once.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { settlePendingTransferSteps } from "../../src/services/transfers-settle";
import { type Account, accounts } from "../helpers/accounts";
import { expectJson } from "../helpers/api";
import { createProduct, type ProductOut } from "../helpers/catalog";
import { addThirdStore, storeDb } from "../helpers/stores";
import {
  bookAt,
  cancelTransfer,
  createTransfer,
  getTransfer,
  inTransit,
  type Line,
  receiveTransfer,
  reconcileAt,
  sendTransfer,
  settleObject,
  stockIn,
  type TransferOut,
} from "../helpers/transfers";

const STORES = [1, 2, 3];
const SEEDS = [11, 23, 37, 51, 64, 79];
const STEPS = 40;

let admin: Account;
let products: ProductOut[] = [];
const start = new Map<number, number>();

/** mulberry32: a small seeded PRNG, so a failing seed replays exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T | undefined => items[int(0, items.length - 1)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

beforeAll(async () => {
  await addThirdStore();
  admin = (await accounts()).admin;
  for (let i = 0; i < 4; i++) {
    // Enough that most sends pass, few enough that some are short (and must be undone).
    const p = await createProduct(admin.token, { stock_quantity: 30 + i });
    await stockIn(admin.token, p.id, 2, 15 + i);
    if (i % 2 === 0) await stockIn(admin.token, p.id, 3, 8);
    products.push(p);
  }
  products = products.sort((a, b) => a.id - b.id);
  for (const p of products) start.set(p.id, await holdings(p.id));
});

async function holdings(productId: number): Promise<number> {
  let sum = await inTransit(productId);
  for (const store of STORES) sum += await bookAt(productId, store);
  return sum;
}

/** What the sequence knows of its transfers (refreshed from every answer). */
type Known = Map<number, TransferOut>;

const ACCEPTED = new Set([200, 201, 409]);

async function answer(res: Response, what: string, known: Known): Promise<number> {
  const text = await res.text();
  if (!ACCEPTED.has(res.status)) throw new Error(`${what}: unexpected ${res.status} ${text}`);
  if (res.status < 300) {
    const t = JSON.parse(text) as TransferOut;
    known.set(t.id, t);
  }
  return res.status;
}

async function refresh(known: Known, id: number) {
  known.set(id, await expectJson<TransferOut>(getTransfer(admin.token, id), 200));
}

/** A receipt of random quantities of some of the lines, now and then more than is in transit. */
function receiptOf(rng: Rng, t: TransferOut): Line[] {
  const lines = t.lines.filter((l) => l.in_transit > 0 || rng.next() < 0.2);
  const chosen = lines.filter(() => rng.next() < 0.7);
  const some = chosen.length > 0 ? chosen : lines.slice(0, 1);
  return some.map((l) => ({
    product_id: l.product_id,
    quantity: rng.int(1, Math.max(1, l.in_transit + (rng.next() < 0.25 ? 2 : 0))),
  }));
}

const byStatus = (known: Known, status: TransferOut["status"]) =>
  [...known.values()].filter((t) => t.status === status);

async function step(rng: Rng, known: Known, log: string[]) {
  const roll = rng.next();
  const drafts = byStatus(known, "draft");
  const sent = byStatus(known, "sent");
  if (roll < 0.25 || (drafts.length === 0 && sent.length === 0)) {
    const from = rng.pick(STORES) ?? 1;
    const to = rng.pick(STORES.filter((s) => s !== from)) ?? 2;
    const lines = products
      .filter(() => rng.next() < 0.5)
      .slice(0, 3)
      .map((p) => ({ product_id: p.id, quantity: rng.int(1, 8) }));
    if (lines.length === 0) lines.push({ product_id: products[0]?.id ?? 0, quantity: rng.int(1, 4) });
    const status = await answer(
      await createTransfer(admin.token, { from_store_id: from, to_store_id: to, lines }),
      "create",
      known,
    );
    log.push(`create ${from}→${to} ${JSON.stringify(lines)}: ${status}`);
    return;
  }
  if (roll < 0.45 && drafts.length > 0) {
    const t = rng.pick(drafts) as TransferOut;
    if (rng.next() < 0.3) {
      // Send racing cancel.
      const [a, b] = await Promise.all([sendTransfer(admin.token, t.id), cancelTransfer(admin.token, t.id)]);
      log.push(`send‖cancel ${t.id}: ${await answer(a, "send", known)}, ${await answer(b, "cancel", known)}`);
      await refresh(known, t.id);
    } else {
      log.push(`send ${t.id}: ${await answer(await sendTransfer(admin.token, t.id), "send", known)}`);
    }
    return;
  }
  if (sent.length > 0) {
    const t = rng.pick(sent) as TransferOut;
    const race = rng.next();
    if (race < 0.2) {
      const key = `k${rng.int(0, 1e9)}`;
      const [a, b] = await Promise.all([
        receiveTransfer(admin.token, t.id, receiptOf(rng, t), key),
        cancelTransfer(admin.token, t.id),
      ]);
      log.push(`receive‖cancel ${t.id}: ${await answer(a, "receive", known)}, ${await answer(b, "cancel", known)}`);
      await refresh(known, t.id);
    } else if (race < 0.35) {
      const [a, b] = await Promise.all([
        receiveTransfer(admin.token, t.id, receiptOf(rng, t), `k${rng.int(0, 1e9)}`),
        receiveTransfer(admin.token, t.id, receiptOf(rng, t), `k${rng.int(0, 1e9)}`),
      ]);
      log.push(`receive‖receive ${t.id}: ${await answer(a, "receive", known)}, ${await answer(b, "receive", known)}`);
      await refresh(known, t.id);
    } else if (race < 0.5) {
      log.push(`cancel ${t.id}: ${await answer(await cancelTransfer(admin.token, t.id), "cancel", known)}`);
    } else {
      const key = `k${rng.int(0, 1e9)}`;
      const lines = receiptOf(rng, t);
      const first = await answer(await receiveTransfer(admin.token, t.id, lines, key), "receive", known);
      log.push(`receive ${t.id} ${JSON.stringify(lines)}: ${first}`);
      if (first === 200 && rng.next() < 0.6) {
        // The same receipt retried: the transfer as it is, nothing received twice.
        const before = known.get(t.id);
        const again = await answer(await receiveTransfer(admin.token, t.id, lines, key), "retried receive", known);
        const after = known.get(t.id);
        if (again !== 200 || JSON.stringify(after?.lines) !== JSON.stringify(before?.lines)) {
          throw new Error(`retried receipt ${key} on ${t.id} changed the transfer (${again})`);
        }
        log.push(`  retried: ${again}`);
      }
    }
  }
}

interface LineRow {
  transfer_id: number;
  product_id: number;
  quantity: number;
  sent: number;
  received: number;
  returned: number;
  status: string;
  from_store_id: number;
  to_store_id: number;
}

async function checkInvariants(seed: number, log: string[]) {
  const fail = (message: string) => {
    throw new Error(`seed ${seed}: ${message}\n${log.join("\n")}`);
  };
  await settlePendingTransferSteps(env, new Date(Date.now() + 5 * 60_000));
  for (const p of products) for (const store of STORES) await settleObject(p.id, store);

  const pending = await env.DB.prepare("SELECT COUNT(*) AS n FROM transfer_steps WHERE status = 'pending'").first<{
    n: number;
  }>();
  if (pending?.n) fail(`${pending.n} steps left pending`);

  const { results: lines } = await env.DB.prepare(
    `SELECT l.transfer_id, l.product_id, l.quantity, l.sent, l.received, l.returned, t.status, t.from_store_id, t.to_store_id
     FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id`,
  ).all<LineRow>();
  for (const l of lines) {
    if (l.received + l.returned > l.sent) fail(`line ${l.transfer_id}/${l.product_id}: received + returned > sent`);
    if (l.sent !== 0 && l.sent !== l.quantity)
      fail(`line ${l.transfer_id}/${l.product_id}: sent ${l.sent} of ${l.quantity}`);
    const open = l.sent - l.received - l.returned;
    if (l.status === "draft" && l.sent !== 0) fail(`draft ${l.transfer_id} has sent units`);
    if ((l.status === "received" || l.status === "cancelled") && open !== 0) {
      fail(`${l.status} transfer ${l.transfer_id} still has ${open} of ${l.product_id} in transit`);
    }
  }

  for (const p of products) {
    const now = await holdings(p.id);
    if (now !== start.get(p.id)) fail(`product ${p.id}: on hand + in transit is ${now}, started at ${start.get(p.id)}`);
    for (const store of STORES) {
      // What the head office says this store sent, got back and received, against its transfer log rows.
      const expected = lines
        .filter((l) => l.product_id === p.id)
        .reduce(
          (sum, l) =>
            sum + (l.from_store_id === store ? l.returned - l.sent : 0) + (l.to_store_id === store ? l.received : 0),
          0,
        );
      const logged = await storeDb(store)
        .prepare(
          "SELECT COALESCE(SUM(quantity_change), 0) AS n FROM inventory_logs WHERE product_id = ?1 AND action LIKE 'transfer_%'",
        )
        .bind(p.id)
        .first<{ n: number }>();
      if ((logged?.n ?? 0) !== expected)
        fail(`store ${store}, product ${p.id}: transfer logs ${logged?.n}, head office ${expected}`);
    }
  }
  for (const store of STORES) {
    // Drift is final; entries in flight are commits still on their way (sent after the answers): waited for.
    let report = await reconcileAt(admin.token, store);
    for (let i = 0; i < 50 && report.in_flight.length > 0 && report.drift.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await reconcileAt(admin.token, store);
    }
    if (report.drift.length || report.in_flight.length) {
      fail(`store ${store} reconcile: ${JSON.stringify({ drift: report.drift, in_flight: report.in_flight })}`);
    }
  }
}

describe("transfers conserve stock across three stores", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: on hand + in transit is conserved and every store's objects agree with its book`, async ({
      expect,
    }) => {
      const rng = prng(seed);
      const known: Known = new Map();
      const log: string[] = [];
      for (let i = 0; i < STEPS; i++) await step(rng, known, log);
      await checkInvariants(seed, log);
      // The sequence did move stock: some transfer went beyond a draft.
      expect([...known.values()].some((t) => t.status !== "draft")).toBe(true);
    }, 60_000);
  }
});
