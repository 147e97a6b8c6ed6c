/**
 * The audit trail of shifts, cash events, drawers, cash settings and
 * transfers (README "Audit trail"), through the Worker: each successful
 * write leaves exactly one audit row, in the database of its change, naming
 * the actor, their role, the store and the request id (X-Request-Id); a
 * refused request, a lost step and a replay leave none. Transfers also leave
 * one `transfer.*` row each in the head office's events feed.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { settlePendingTransferSteps } from "../../src/services/transfers-settle";
import { type Account, accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import type { CashEventOut, CashSettingsOut, DrawerOut, ShiftOut } from "../helpers/shifts";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";
import { stockIn, type TransferOut } from "../helpers/transfers";

const MAIN = MAIN_STORE.id;
const EAST = SECOND_STORE.id;

let admin: Account;
let manager: Account;
let cashier: Account;

beforeAll(async () => {
  const a = await accounts();
  admin = a.admin;
  manager = a.manager;
  cashier = a.cashier;
});

interface AuditRow {
  id: number;
  action: string;
  entity_type: string;
  entity_id: number;
  actor_user_id: number | null;
  actor_role: string | null;
  store_id: number | null;
  request_id: string | null;
  before: string | null;
  after: string | null;
  reason: string | null;
  approved_by: number | null;
}

/** A request id no other request of the run uses. */
const rid = (name: string) => `b2-${name}-${crypto.randomUUID().slice(0, 8)}`;

/** One request as `token`, with its request id (and the caller's other headers). */
const send = (
  method: string,
  path: string,
  token: string,
  requestId: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => call(method, path, { token, body, headers: { "X-Request-Id": requestId, ...headers } });

/** The audit rows a request left in a database. */
async function rowsOf(d1: D1Database, requestId: string): Promise<AuditRow[]> {
  const { results } = await d1
    .prepare("SELECT * FROM audit_events WHERE request_id = ?1 ORDER BY id")
    .bind(requestId)
    .all<AuditRow>();
  return results;
}

/** Every audit row of a request, in the head office and both stores. */
async function everywhere(requestId: string) {
  return {
    hq: await rowsOf(env.DB, requestId),
    main: await rowsOf(storeDb(MAIN), requestId),
    east: await rowsOf(storeDb(EAST), requestId),
  };
}

/** The one audit row a request left, asserting it is alone in all three databases and in `where`. */
async function onlyRow(requestId: string, where: "hq" | "main" | "east") {
  const rows = await everywhere(requestId);
  const counts = { hq: rows.hq.length, main: rows.main.length, east: rows.east.length };
  expect(counts).toEqual({ hq: 0, main: 0, east: 0, [where]: 1 });
  const row = rows[where][0];
  if (!row) throw new Error("no audit row");
  return {
    ...row,
    before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
    after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
  };
}

async function expectNone(requestId: string) {
  const rows = await everywhere(requestId);
  expect({ hq: rows.hq.length, main: rows.main.length, east: rows.east.length }).toEqual({ hq: 0, main: 0, east: 0 });
}

const actorOf = (row: Pick<AuditRow, "actor_user_id" | "actor_role">, account: Account, role: string) => {
  expect(row.actor_user_id).toBe(account.id);
  expect(row.actor_role).toBe(role);
};

describe("shifts, cash events, drawers and cash settings", () => {
  it("records each write once with its actor, store and request id; refusals and replays record none", async () => {
    // A drawer, created and renamed by the manager.
    const createId = rid("drawer-create");
    const name = `Audit till ${crypto.randomUUID().slice(0, 6)}`;
    const drawer = await expectJson<DrawerOut>(
      send("POST", "/api/v1/cash-drawers", manager.token, createId, { name }),
      201,
    );
    const created = await onlyRow(createId, "main");
    expect(created).toMatchObject({
      action: "cash_drawer.created",
      entity_type: "cash_drawer",
      entity_id: drawer.id,
      store_id: MAIN,
      request_id: createId,
      before: null,
      after: { name, active: true },
      reason: null,
      approved_by: null,
    });
    actorOf(created, manager, "manager");

    const renameId = rid("drawer-rename");
    await expectJson(
      send("PUT", `/api/v1/cash-drawers/${drawer.id}`, manager.token, renameId, { name: `${name} B` }),
      200,
    );
    expect(await onlyRow(renameId, "main")).toMatchObject({
      action: "cash_drawer.updated",
      entity_id: drawer.id,
      before: { name },
      after: { name: `${name} B` },
    });

    // Cash settings: the thresholds that changed, in cents, the store as the entity.
    const before = await expectJson<CashSettingsOut>(
      call("GET", `/api/v1/stores/${MAIN}/cash-settings`, { token: manager.token }),
      200,
    );
    const settingsId = rid("settings");
    await expectJson(
      send("PUT", `/api/v1/stores/${MAIN}/cash-settings`, manager.token, settingsId, {
        variance_reason_threshold: 5,
        paid_out_approval_threshold: 20,
        requires_shift: before.requires_shift,
      }),
      200,
    );
    const settings = await onlyRow(settingsId, "main");
    expect(settings).toMatchObject({ action: "cash_settings.updated", entity_type: "cash_settings", entity_id: MAIN });
    const changedBefore: Record<string, number> = {};
    const changedAfter: Record<string, number> = {};
    if (before.variance_reason_threshold !== 5) {
      changedBefore.variance_reason_threshold = Math.round(before.variance_reason_threshold * 100);
      changedAfter.variance_reason_threshold = 500;
    }
    if (before.paid_out_approval_threshold !== 20) {
      changedBefore.paid_out_approval_threshold = Math.round(before.paid_out_approval_threshold * 100);
      changedAfter.paid_out_approval_threshold = 2000;
    }
    expect(settings.before).toEqual(changedBefore);
    expect(settings.after).toEqual(changedAfter);

    // The cashier opens a shift on the drawer.
    const openId = rid("open");
    const shift = await expectJson<ShiftOut>(
      send("POST", "/api/v1/shifts", cashier.token, openId, { drawer_id: drawer.id, opening_float: 100 }),
      201,
    );
    const opened = await onlyRow(openId, "main");
    expect(opened).toMatchObject({
      action: "shift.opened",
      entity_type: "shift",
      entity_id: shift.id,
      store_id: MAIN,
      before: null,
      after: { drawer_id: drawer.id, cashier_id: cashier.id, opening_float: 10_000 },
    });
    actorOf(opened, cashier, "cashier");

    // A paid-in with an Idempotency-Key, sent twice: one event.
    const paidInId = rid("paid-in");
    const replayId = rid("paid-in-replay");
    const key = crypto.randomUUID();
    const body = { kind: "paid_in", amount: 1, reason: "float top-up" };
    const paidIn = await expectJson<CashEventOut>(
      send("POST", `/api/v1/shifts/${shift.id}/cash-events`, cashier.token, paidInId, body, { "Idempotency-Key": key }),
      201,
    );
    const replay = await send("POST", `/api/v1/shifts/${shift.id}/cash-events`, cashier.token, replayId, body, {
      "Idempotency-Key": key,
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await onlyRow(paidInId, "main")).toMatchObject({
      action: "cash_event.recorded",
      entity_type: "cash_event",
      entity_id: paidIn.id,
      after: { kind: "paid_in", amount: 100, shift_id: shift.id, late_of_shift_id: null, approval: "approved" },
      reason: "float top-up",
    });
    await expectNone(replayId);

    // A paid-out above the threshold waits; the manager approves it.
    const paidOutId = rid("paid-out");
    const paidOut = await expectJson<CashEventOut>(
      send("POST", `/api/v1/shifts/${shift.id}/cash-events`, cashier.token, paidOutId, {
        kind: "paid_out",
        amount: 51,
        reason: "window cleaner",
      }),
      201,
    );
    expect(paidOut.approval).toBe("pending");
    const recorded = await onlyRow(paidOutId, "main");
    expect(recorded).toMatchObject({
      action: "cash_event.recorded",
      entity_id: paidOut.id,
      after: { kind: "paid_out", amount: 5100, shift_id: shift.id, approval: "pending" },
      reason: "window cleaner",
      approved_by: null,
    });
    actorOf(recorded, cashier, "cashier");

    const approveId = rid("approve");
    await expectJson(
      send("POST", `/api/v1/shifts/${shift.id}/cash-events/${paidOut.id}/approve`, manager.token, approveId),
      200,
    );
    const approved = await onlyRow(approveId, "main");
    expect(approved).toMatchObject({
      action: "cash_event.approved",
      entity_type: "cash_event",
      entity_id: paidOut.id,
      before: { approval: "pending" },
      after: { approval: "approved" },
      approved_by: manager.id,
    });
    actorOf(approved, manager, "manager");
    // Approving again answers the event as it is and writes nothing.
    const againId = rid("approve-again");
    await expectJson(
      send("POST", `/api/v1/shifts/${shift.id}/cash-events/${paidOut.id}/approve`, manager.token, againId),
      200,
    );
    await expectNone(againId);

    // Expected cash: 100 + 1 − 51 = 50. A blind count of 0 without a reason is refused (and kept): no event.
    const refusedId = rid("close-refused");
    const refused = await send("POST", `/api/v1/shifts/${shift.id}/close`, cashier.token, refusedId, {
      counted_cash: 0,
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: "VARIANCE_REASON_REQUIRED" });
    await expectNone(refusedId);
    const kept = await storeDb(MAIN)
      .prepare("SELECT first_blind_count, status FROM shifts WHERE id = ?1")
      .bind(shift.id)
      .first<{ first_blind_count: number; status: string }>();
    expect(kept).toEqual({ first_blind_count: 0, status: "open" });

    // The same count with a reason closes it: expected, variance and Z as the close froze them.
    const closeId = rid("close");
    const closed = await expectJson<ShiftOut>(
      send("POST", `/api/v1/shifts/${shift.id}/close`, cashier.token, closeId, {
        counted_cash: 0,
        variance_reason: "till emptied to the safe without a drop",
      }),
      200,
    );
    const z = await storeDb(MAIN)
      .prepare("SELECT z_number, expected_cash, variance FROM shifts WHERE id = ?1")
      .bind(shift.id)
      .first<{ z_number: number; expected_cash: number; variance: number }>();
    expect(z).toMatchObject({ expected_cash: 5000, variance: -5000 });
    const close = await onlyRow(closeId, "main");
    expect(close).toMatchObject({
      action: "shift.closed",
      entity_type: "shift",
      entity_id: closed.id,
      before: { status: "open" },
      after: { status: "closed", counted_cash: 0, expected_cash: 5000, variance: -5000, z_number: z?.z_number },
      reason: "till emptied to the safe without a drop",
    });
    actorOf(close, cashier, "cashier");
    // Closing again with the same count answers the closed shift: nothing written.
    const closeAgainId = rid("close-again");
    await expectJson(
      send("POST", `/api/v1/shifts/${shift.id}/close`, cashier.token, closeAgainId, {
        counted_cash: 0,
        variance_reason: "till emptied to the safe without a drop",
      }),
      200,
    );
    await expectNone(closeAgainId);
  });

  it("records ending a shift, and nothing for a drawer deactivation refused while its shift is open", async () => {
    const drawer = await expectJson<DrawerOut>(
      call("POST", "/api/v1/cash-drawers", { token: manager.token, body: { name: `End till ${crypto.randomUUID()}` } }),
      201,
    );
    const shift = await expectJson<ShiftOut>(
      call("POST", "/api/v1/shifts", { token: manager.token, body: { drawer_id: drawer.id, opening_float: 0 } }),
      201,
    );
    const deactivateId = rid("deactivate-refused");
    const refused = await send("PUT", `/api/v1/cash-drawers/${drawer.id}`, manager.token, deactivateId, {
      active: false,
    });
    expect(refused.status).toBe(409);
    await expectNone(deactivateId);

    const endId = rid("end");
    await expectJson(send("POST", `/api/v1/shifts/${shift.id}/end`, manager.token, endId), 200);
    expect(await onlyRow(endId, "main")).toMatchObject({
      action: "shift.ended",
      entity_id: shift.id,
      before: { status: "open" },
      after: { status: "ended" },
    });
    await expectJson(
      call("POST", `/api/v1/shifts/${shift.id}/close`, { token: manager.token, body: { counted_cash: 0 } }),
      200,
    );
    const deactivateAfterId = rid("deactivate");
    await expectJson(
      send("PUT", `/api/v1/cash-drawers/${drawer.id}`, manager.token, deactivateAfterId, { active: false }),
      200,
    );
    expect(await onlyRow(deactivateAfterId, "main")).toMatchObject({
      action: "cash_drawer.deactivated",
      entity_id: drawer.id,
      before: { active: true },
      after: { active: false },
    });
  });
});

interface EventRow {
  event_key: string;
  type: string;
  store_id: number | null;
  resource_id: number;
  resource_version: number | null;
  payload: string;
}

async function transferEvents(id: number): Promise<EventRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM events WHERE resource_type = 'transfer' AND resource_id = ?1 ORDER BY id",
  )
    .bind(id)
    .all<EventRow>();
  return results;
}

describe("transfers", () => {
  it("audits create at the head office, send at the source, receive at the destination; one feed event each", async () => {
    const product = await createProduct(admin.token, { stock_quantity: 10 });
    const lines = [{ product_id: product.id, quantity: 4 }];

    const createId = rid("transfer-create");
    const draft = await expectJson<TransferOut>(
      send("POST", "/api/v1/transfers", admin.token, createId, { from_store_id: MAIN, to_store_id: EAST, lines }),
      201,
    );
    const created = await onlyRow(createId, "hq");
    expect(created).toMatchObject({
      action: "transfer.created",
      entity_type: "transfer",
      entity_id: draft.id,
      before: null,
      after: {
        transfer_number: draft.transfer_number,
        from_store_id: MAIN,
        to_store_id: EAST,
        status: "draft",
        note: null,
        lines,
      },
    });
    actorOf(created, admin, "admin");

    const sendId = rid("transfer-send");
    const sent = await expectJson<TransferOut>(
      send("POST", `/api/v1/transfers/${draft.id}/send`, admin.token, sendId),
      200,
    );
    const sentRow = await onlyRow(sendId, "main");
    expect(sentRow).toMatchObject({
      action: "transfer.sent",
      entity_type: "transfer",
      entity_id: draft.id,
      store_id: MAIN,
      before: { status: "draft", lines: [{ product_id: product.id, sent: 0 }] },
      after: { status: "sent", lines: [{ product_id: product.id, sent: 4 }] },
    });
    actorOf(sentRow, admin, "admin");
    // Sending again answers the transfer as it is: nothing written.
    const resendId = rid("transfer-resend");
    await expectJson(send("POST", `/api/v1/transfers/${draft.id}/send`, admin.token, resendId), 200);
    await expectNone(resendId);

    // Two receipts: each its own audit row at the destination and its own feed event.
    const firstId = rid("transfer-receive-1");
    await expectJson(
      send("POST", `/api/v1/transfers/${draft.id}/receive`, admin.token, firstId, {
        lines: [{ product_id: product.id, quantity: 1 }],
      }),
      200,
    );
    expect(await onlyRow(firstId, "east")).toMatchObject({
      action: "transfer.received",
      entity_id: draft.id,
      store_id: EAST,
      before: { lines: [{ product_id: product.id, received: 0 }] },
      after: { lines: [{ product_id: product.id, received: 1 }] },
    });
    const lastId = rid("transfer-receive-2");
    const received = await expectJson<TransferOut>(
      send("POST", `/api/v1/transfers/${draft.id}/receive`, admin.token, lastId, {
        lines: [{ product_id: product.id, quantity: 3 }],
      }),
      200,
    );
    expect(received.status).toBe("received");
    const last = await onlyRow(lastId, "east");
    expect(last).toMatchObject({
      action: "transfer.received",
      store_id: EAST,
      before: { status: "sent", lines: [{ product_id: product.id, received: 1 }] },
      after: { status: "received", lines: [{ product_id: product.id, received: 4 }] },
    });
    actorOf(last, admin, "admin");

    const events = await transferEvents(draft.id);
    expect(events.map((e) => [e.event_key, e.type, e.store_id, e.resource_version])).toEqual([
      [`transfer.created:${draft.id}`, "transfer.created", MAIN, 1],
      [`transfer.sent:${draft.id}`, "transfer.sent", MAIN, sent.version],
      [`transfer.received:${draft.id}:v${sent.version + 1}`, "transfer.received", EAST, sent.version + 1],
      [`transfer.received:${draft.id}:v${received.version}`, "transfer.received", EAST, received.version],
    ]);
    // Payloads are the transfer as GET /transfers/{id} answered it then.
    const payloads = events.map((e) => JSON.parse(e.payload) as TransferOut);
    expect(payloads[0]).toEqual(draft);
    expect(payloads[1]).toEqual(sent);
    expect(payloads[3]).toEqual(received);
  });

  it("writes nothing for a refused step, and audits a draft's cancel at the head office", async () => {
    const product = await createProduct(admin.token, { stock_quantity: 2 });
    await stockIn(admin.token, product.id, EAST, 1);
    const draft = await expectJson<TransferOut>(
      call("POST", "/api/v1/transfers", {
        token: admin.token,
        body: { from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: product.id, quantity: 5 }] },
      }),
      201,
    );
    // Five units asked, two in stock: the store refuses, the hold is undone.
    const sendId = rid("transfer-send-short");
    const refused = await send("POST", `/api/v1/transfers/${draft.id}/send`, admin.token, sendId);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "INSUFFICIENT_STOCK" });
    await expectNone(sendId);
    // Receiving a draft: refused before anything is written.
    const receiveId = rid("transfer-receive-draft");
    const early = await send("POST", `/api/v1/transfers/${draft.id}/receive`, admin.token, receiveId, {
      lines: [{ product_id: product.id, quantity: 1 }],
    });
    expect(early.status).toBe(409);
    await expectNone(receiveId);

    const cancelId = rid("transfer-cancel");
    const cancelled = await expectJson<TransferOut>(
      send("POST", `/api/v1/transfers/${draft.id}/cancel`, admin.token, cancelId),
      200,
    );
    expect(await onlyRow(cancelId, "hq")).toMatchObject({
      action: "transfer.cancelled",
      entity_id: draft.id,
      before: { status: "draft" },
      after: { status: "cancelled" },
    });
    // Cancelling again answers it as it is: nothing more.
    const againId = rid("transfer-cancel-again");
    await expectJson(send("POST", `/api/v1/transfers/${draft.id}/cancel`, admin.token, againId), 200);
    await expectNone(againId);

    const events = await transferEvents(draft.id);
    expect(events.map((e) => e.event_key)).toEqual([`transfer.created:${draft.id}`, `transfer.cancelled:${draft.id}`]);
    expect(JSON.parse(events[1]?.payload ?? "null")).toEqual(cancelled);
  });

  it("records a step's feed event once when the sweep confirms it after a lost confirm", async () => {
    const product = await createProduct(admin.token, { stock_quantity: 3 });
    const draft = await expectJson<TransferOut>(
      call("POST", "/api/v1/transfers", {
        token: admin.token,
        body: { from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: product.id, quantity: 3 }] },
      }),
      201,
    );
    const sendId = rid("transfer-send-lost-confirm");
    const sent = await expectJson<TransferOut>(
      send("POST", `/api/v1/transfers/${draft.id}/send`, admin.token, sendId),
      200,
    );
    // As if the confirm (and its event) never reached the head office: the step pending, its hold expired.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM events WHERE event_key = ?1").bind(`transfer.sent:${draft.id}`),
      env.DB.prepare(
        "UPDATE transfer_steps SET status = 'pending', applied_at = NULL, expires_at = '2000-01-01T00:00:00.000Z' WHERE transfer_id = ?1",
      ).bind(draft.id),
    ]);
    const settled = await settlePendingTransferSteps(env, new Date());
    expect(settled).toMatchObject({ applied: 1, undone: 0 });
    await settlePendingTransferSteps(env, new Date());

    const events = (await transferEvents(draft.id)).filter((e) => e.type === "transfer.sent");
    expect(events.map((e) => [e.event_key, e.store_id, e.resource_version])).toEqual([
      [`transfer.sent:${draft.id}`, MAIN, sent.version],
    ]);
    const payload = JSON.parse(events[0]?.payload ?? "null") as TransferOut;
    const now = await expectJson<TransferOut>(
      call("GET", `/api/v1/transfers/${draft.id}`, { token: admin.token }),
      200,
    );
    expect(payload).toEqual(now);
    expect(payload.legs).toMatchObject([{ kind: "send", status: "applied" }]);
    // The request's audit row stays the only one: the sweep writes none.
    expect((await onlyRow(sendId, "main")).action).toBe("transfer.sent");
    const { results } = await storeDb(MAIN)
      .prepare("SELECT COUNT(*) AS n FROM audit_events WHERE entity_type = 'transfer' AND entity_id = ?1")
      .bind(draft.id)
      .all<{ n: number }>();
    expect(results[0]?.n).toBe(1);
  });

  it("racing creates each take their own id, with their own audit row and created event", async () => {
    const product = await createProduct(admin.token, { stock_quantity: 1 });
    const ids = Array.from({ length: 6 }, (_, i) => rid(`transfer-create-race-${i}`));
    const drafts = await Promise.all(
      ids.map((requestId) =>
        expectJson<TransferOut>(
          send("POST", "/api/v1/transfers", admin.token, requestId, {
            from_store_id: MAIN,
            to_store_id: EAST,
            lines: [{ product_id: product.id, quantity: 1 }],
          }),
          201,
        ),
      ),
    );
    expect(new Set(drafts.map((d) => d.id)).size).toBe(6);
    for (const [i, requestId] of ids.entries()) {
      const draft = drafts[i];
      if (!draft) throw new Error("missing draft");
      expect(await onlyRow(requestId, "hq")).toMatchObject({ action: "transfer.created", entity_id: draft.id });
      const events = await transferEvents(draft.id);
      expect(events.map((e) => e.event_key)).toEqual([`transfer.created:${draft.id}`]);
      expect(JSON.parse(events[0]?.payload ?? "null")).toEqual(draft);
    }
  });
});
