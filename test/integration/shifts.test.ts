/**
 * Shifts through the Worker (README "Shifts"): open → end → close with the
 * blind count, who sees what before and after close, closing twice,
 * Idempotency-Key replays, approvals of paid-outs, and refusals that write
 * nothing. Races (twenty opens, concurrent closes) are in shifts-races.test.ts.
 */
import { beforeAll, describe, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import {
  addCashEvent,
  addCashEventResponse,
  closeShift,
  closeShiftResponse,
  createDrawer,
  decideCashEvent,
  endShift,
  endShiftResponse,
  getShift,
  listCashEvents,
  openShift,
  openShiftResponse,
  type ShiftOut,
} from "../helpers/shifts";
import { storeDb } from "../helpers/stores";

let admin: Account;
let manager: Account;
let cashier: Account;
let officer: Account;
let otherCashier: Account;

beforeAll(async () => {
  const a = await accounts();
  admin = a.admin;
  manager = a.manager;
  cashier = a.cashier;
  officer = a.inventory_officer;
  otherCashier = await createAccount(admin.token, "cashier_two", "cashier");
});

const shiftRow = (id: number) =>
  storeDb().prepare("SELECT * FROM shifts WHERE id = ?1").bind(id).first<Record<string, unknown>>();
const count = async (table: string) =>
  (await storeDb().prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? 0;

/** A fresh drawer with `cashier`'s open shift on it (`cashier` has no other open shift). */
async function freshShift(who: Account = cashier, float = 100): Promise<ShiftOut> {
  const drawer = await createDrawer(manager.token);
  return openShift(who.token, drawer.id, float);
}

describe("a shift's life", () => {
  it("opens with the counted float, ends, closes with a count; the next shift expects what was kept", async ({
    expect,
  }) => {
    const drawer = await createDrawer(manager.token, "Front till");
    const shift = await openShift(cashier.token, drawer.id, 150.25, { notes: "morning" });
    expect(shift).toMatchObject({
      drawer_id: drawer.id,
      drawer_name: "Front till",
      cashier_id: cashier.id,
      status: "open",
      opening_float: 150.25,
      expected_opening: null,
      opening_variance: null,
      expected_cash: null,
      variance: null,
      z_number: null,
      notes: "morning",
      store_id: 1,
    });
    expect(Math.floor(shift.id / 2 ** 32)).toBe(1);
    const current = await expectJson<ShiftOut>(call("GET", "/api/v1/shifts/current", { token: cashier.token }), 200);
    expect(current.id).toBe(shift.id);

    await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 20, reason: "float top-up" });
    await addCashEvent(cashier.token, shift.id, { kind: "drop", amount: 100 });
    const ended = await endShift(cashier.token, shift.id);
    expect(ended).toMatchObject({ status: "ended", expected_cash: null });
    expect(ended.ended_at).not.toBeNull();
    // Ending again answers the ended shift as it is.
    expect(await endShift(cashier.token, shift.id)).toEqual(ended);
    await expectJson(call("GET", "/api/v1/shifts/current", { token: cashier.token }), 404);

    // 150.25 + 20 − 100 = 70.25 expected; counted 70.00 by denomination: variance −0.25 (within the 5.00 threshold).
    const closed = await closeShift(cashier.token, shift.id, {
      denominations: [
        { value: 20, count: 3 },
        { value: 5, count: 1 },
        { value: 0.25, count: 20 },
      ],
      kept_in_drawer: 50,
    });
    expect(closed).toMatchObject({
      status: "closed",
      counted_cash: 70,
      expected_cash: 70.25,
      variance: -0.25,
      kept_in_drawer: 50,
      closed_by: cashier.id,
      denominations: [
        { value: 20, count: 3 },
        { value: 5, count: 1 },
        { value: 0.25, count: 20 },
      ],
    });
    expect(closed.z_number).toBeGreaterThan(0);

    const next = await openShift(otherCashier.token, drawer.id, 48);
    expect(next).toMatchObject({ expected_opening: null, opening_variance: null });
    expect(await getShift(manager.token, next.id)).toMatchObject({ expected_opening: 50, opening_variance: -2 });
    await closeShift(otherCashier.token, next.id, { counted_cash: 48 });
  });

  it("shows expected cash to the cashier only after close; managers always; others 404, officers 403", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 100);
    await addCashEvent(cashier.token, shift.id, { kind: "paid_out", amount: 10, reason: "window cleaner" });
    const asCashier = await getShift(cashier.token, shift.id);
    expect(asCashier).toMatchObject({ expected_cash: null, variance: null, expected_opening: null });
    expect(await getShift(manager.token, shift.id)).toMatchObject({ expected_cash: 90, variance: null });
    expect(await getShift(admin.token, shift.id)).toMatchObject({ expected_cash: 90 });
    await expectJson(call("GET", `/api/v1/shifts/${shift.id}`, { token: otherCashier.token }), 404);
    await expectJson(call("GET", `/api/v1/shifts/${shift.id}`, { token: officer.token }), 403);
    const listed = await expectJson<{ data: ShiftOut[] }>(call("GET", "/api/v1/shifts", { token: cashier.token }), 200);
    expect(listed.data.every((s) => s.cashier_id === cashier.id)).toBe(true);
    expect(listed.data.find((s) => s.id === shift.id)?.expected_cash).toBeNull();
    const others = await expectJson<{ data: ShiftOut[] }>(
      call("GET", "/api/v1/shifts", { token: otherCashier.token }),
      200,
    );
    expect(others.data.map((s) => s.id)).not.toContain(shift.id);
    // Another cashier may not end, close or add to it either.
    expect((await endShiftResponse(otherCashier.token, shift.id)).status).toBe(404);
    expect((await closeShiftResponse(otherCashier.token, shift.id, { counted_cash: 90 })).status).toBe(404);

    const closed = await closeShift(cashier.token, shift.id, { counted_cash: 92 });
    expect(closed).toMatchObject({ expected_cash: 90, variance: 2 });
    expect(await getShift(cashier.token, shift.id)).toMatchObject({ expected_cash: 90, variance: 2 });
    await expectJson(call("GET", `/api/v1/shifts/${shift.id}`, { token: otherCashier.token }), 404);
  });

  it("a manager closes a cashier's shift; a variance above the threshold needs a reason, the cashier is not told the amount", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 100);
    const refused = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 80 });
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { code: string; detail: string };
    expect(body.code).toBe("VARIANCE_REASON_REQUIRED");
    expect(body.detail).not.toMatch(/100|20\.00|expected 1/);
    const asManager = (await (await closeShiftResponse(manager.token, shift.id, { counted_cash: 80 })).json()) as {
      detail: string;
    };
    expect(asManager.detail).toContain("expected 100.00");
    expect(await shiftRow(shift.id)).toMatchObject({ status: "open", z_number: null, counted_cash: null });
    const closed = await closeShift(manager.token, shift.id, { counted_cash: 80, variance_reason: "short change" });
    expect(closed).toMatchObject({ variance: -20, variance_reason: "short change", closed_by: manager.id });
  });
});

describe("closing twice", () => {
  it("answers the closed shift unchanged for the same count, 409 for another (with and without a key)", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 40);
    const first = await closeShift(cashier.token, shift.id, { counted_cash: 40 });
    const row = await shiftRow(shift.id);
    const again = await closeShift(cashier.token, shift.id, { counted_cash: 40 });
    expect(again).toEqual(first);
    expect(await shiftRow(shift.id)).toEqual(row);
    const other = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 41 });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { code: string }).code).toBe("INVALID_STATE");

    const keyed = await freshShift(cashier, 10);
    const a = await closeShiftResponse(cashier.token, keyed.id, { counted_cash: 10 }, "close-twice-1");
    const b = await closeShiftResponse(cashier.token, keyed.id, { counted_cash: 10 }, "close-twice-1");
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.headers.get("Idempotent-Replayed")).toBe("true");
    const [aBody, bBody] = [(await a.json()) as ShiftOut, (await b.json()) as ShiftOut];
    expect(bBody).toEqual(aBody);
    const c = await closeShiftResponse(cashier.token, keyed.id, { counted_cash: 10 }, "close-twice-2");
    expect(c.status).toBe(200);
    expect(((await c.json()) as ShiftOut).z_number).toBe(aBody.z_number);
    const reused = await closeShiftResponse(cashier.token, keyed.id, { counted_cash: 11 }, "close-twice-1");
    expect(reused.status).toBe(422);
  });

  it("the database refuses changing a closed shift or its events directly", async ({ expect }) => {
    const shift = await freshShift(cashier, 10);
    const event = await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 5, reason: "coins" });
    await closeShift(cashier.token, shift.id, { counted_cash: 15 });
    await expect(
      storeDb().prepare("UPDATE shifts SET counted_cash = 1 WHERE id = ?1").bind(shift.id).run(),
    ).rejects.toThrow(/SHIFT_CLOSED/);
    await expect(storeDb().prepare("DELETE FROM shifts WHERE id = ?1").bind(shift.id).run()).rejects.toThrow(
      /SHIFT_CLOSED/,
    );
    await expect(
      storeDb().prepare("UPDATE cash_events SET amount = 1 WHERE id = ?1").bind(event.id).run(),
    ).rejects.toThrow(/SHIFT_CLOSED/);
    // A cash event sent after the close is late: the closed shift keeps its figures.
    const closedRow = await storeDb().prepare("SELECT * FROM shifts WHERE id = ?1").bind(shift.id).first();
    const late = await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 3, reason: "offline till" });
    expect(late).toMatchObject({ shift_id: null, late_of_shift_id: shift.id, drawer_id: shift.drawer_id });
    expect(await storeDb().prepare("SELECT * FROM shifts WHERE id = ?1").bind(shift.id).first()).toEqual(closedRow);
    // It counts on the drawer's next shift, as an adjustment.
    const next = await openShift(cashier.token, shift.drawer_id, 15);
    expect((await listCashEvents(cashier.token, next.id)).map((e) => [e.id, e.shift_id, e.late_of_shift_id])).toEqual([
      [late.id, next.id, shift.id],
    ]);
    expect(await closeShift(manager.token, next.id, { counted_cash: 18 })).toMatchObject({
      expected_cash: 18,
      variance: 0,
    });
    // Flagged on both Z-reports.
    const lateIds = async (id: number, side: "counted_elsewhere" | "adjustments") => {
      const z = await call("GET", `/api/v1/shifts/${id}/z-report`, { token: manager.token });
      return ((await z.json()) as { late: Record<string, { event_id: number }[]> }).late[side]?.map((e) => e.event_id);
    };
    expect(await lateIds(shift.id, "counted_elsewhere")).toEqual([late.id]);
    expect(await lateIds(next.id, "adjustments")).toEqual([late.id]);
  });
});

describe("Idempotency-Key", () => {
  it("replays open, end, close and cash events: one effect, same answer, Idempotent-Replayed", async ({ expect }) => {
    const drawer = await createDrawer(manager.token);
    const shiftsBefore = await count("shifts");
    const open1 = await openShiftResponse(cashier.token, drawer.id, 25, { key: "open-k" });
    const open2 = await openShiftResponse(cashier.token, drawer.id, 25, { key: "open-k" });
    expect([open1.status, open2.status]).toEqual([201, 201]);
    expect(open2.headers.get("Idempotent-Replayed")).toBe("true");
    const opened = (await open1.json()) as ShiftOut;
    expect(await open2.json()).toEqual(opened);
    expect(await count("shifts")).toBe(shiftsBefore + 1);
    expect((await openShiftResponse(cashier.token, drawer.id, 26, { key: "open-k" })).status).toBe(422);

    const eventsBefore = await count("cash_events");
    const e1 = await addCashEventResponse(
      cashier.token,
      opened.id,
      { kind: "paid_in", amount: 3, reason: "r" },
      "ev-k",
    );
    const e2 = await addCashEventResponse(
      cashier.token,
      opened.id,
      { kind: "paid_in", amount: 3, reason: "r" },
      "ev-k",
    );
    expect([e1.status, e2.status]).toEqual([201, 201]);
    expect(e2.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await e2.json()).toEqual(await e1.json());
    expect(await count("cash_events")).toBe(eventsBefore + 1);
    const e3 = await addCashEventResponse(
      cashier.token,
      opened.id,
      { kind: "paid_in", amount: 4, reason: "r" },
      "ev-k",
    );
    expect(e3.status).toBe(422);

    const end1 = await endShiftResponse(cashier.token, opened.id, "end-k");
    const end2 = await endShiftResponse(cashier.token, opened.id, "end-k");
    expect([end1.status, end2.status]).toEqual([200, 200]);
    expect(end2.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await end2.json()).toEqual(await end1.json());

    const c1 = await closeShiftResponse(cashier.token, opened.id, { counted_cash: 28 }, "close-k");
    const c2 = await closeShiftResponse(cashier.token, opened.id, { counted_cash: 28 }, "close-k");
    expect([c1.status, c2.status]).toEqual([200, 200]);
    expect(c2.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await c2.json()).toEqual(await c1.json());
    expect((await closeShiftResponse(cashier.token, opened.id, { counted_cash: 29 }, "close-k")).status).toBe(422);
  });
});

describe("paid-outs above the threshold", () => {
  it("wait for a manager: not in expected cash until approved; the close is refused while pending", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 100);
    const big = await addCashEvent(cashier.token, shift.id, { kind: "paid_out", amount: 60, reason: "supplier" });
    expect(big.approval).toBe("pending");
    expect(await getShift(manager.token, shift.id)).toMatchObject({ expected_cash: 100 });
    const refused = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 40 });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("PENDING_APPROVALS");
    expect(await shiftRow(shift.id)).toMatchObject({ status: "open", z_number: null });

    // A cashier may not approve; a manager does, once (approving again answers the same).
    const byCashier = await call("POST", `/api/v1/shifts/${shift.id}/cash-events/${big.id}/approve`, {
      token: cashier.token,
    });
    expect(byCashier.status).toBe(403);
    const approved = await decideCashEvent(manager.token, shift.id, big.id, "approve");
    expect(approved).toMatchObject({ approval: "approved", approved_by: manager.id });
    expect(await decideCashEvent(manager.token, shift.id, big.id, "approve")).toEqual(approved);
    const flip = await call("POST", `/api/v1/shifts/${shift.id}/cash-events/${big.id}/reject`, {
      token: manager.token,
    });
    expect(flip.status).toBe(409);
    expect(await getShift(manager.token, shift.id)).toMatchObject({ expected_cash: 40 });

    const second = await addCashEvent(cashier.token, shift.id, { kind: "paid_out", amount: 70, reason: "again" });
    const rejected = await decideCashEvent(manager.token, shift.id, second.id, "reject");
    expect(rejected.approval).toBe("rejected");
    expect(
      (await call("POST", `/api/v1/shifts/${shift.id}/cash-events/${second.id}/approve`, { token: manager.token }))
        .status,
    ).toBe(409);
    // A manager's own paid-out above the threshold counts at once.
    const own = await addCashEvent(manager.token, shift.id, { kind: "paid_out", amount: 55, reason: "rent" });
    expect(own.approval).toBe("approved");
    const events = await listCashEvents(manager.token, shift.id);
    expect(events.map((e) => e.approval)).toEqual(["approved", "rejected", "approved"]);
    const closed = await closeShift(cashier.token, shift.id, { counted_cash: 0, variance_reason: "n/a" });
    expect(closed).toMatchObject({ expected_cash: -15, variance: 15 });
  });
});

describe("refusals write nothing", () => {
  it("validation, unknown and inactive drawers, events on a shift not open", async ({ expect }) => {
    const drawer = await createDrawer(manager.token);
    const [shiftsBefore, eventsBefore] = [await count("shifts"), await count("cash_events")];
    const bad = [
      { drawer_id: drawer.id, opening_float: -1 },
      { drawer_id: drawer.id, opening_float: 1.234 },
      { drawer_id: drawer.id },
      { opening_float: 5 },
    ];
    for (const body of bad) {
      expect((await call("POST", "/api/v1/shifts", { token: cashier.token, body })).status).toBe(422);
    }
    expect((await openShiftResponse(cashier.token, 2 ** 32 + 999_999, 5)).status).toBe(404);
    expect((await openShiftResponse(officer.token, drawer.id, 5)).status).toBe(403);
    await expectJson(
      call("PUT", `/api/v1/cash-drawers/${drawer.id}`, { token: manager.token, body: { active: false } }),
      200,
    );
    const inactive = await openShiftResponse(cashier.token, drawer.id, 5);
    expect(inactive.status).toBe(409);

    const shift = await freshShift(cashier, 10);
    const events = [
      { kind: "paid_in", amount: 5 },
      { kind: "paid_out", amount: 5, reason: "  " },
      { kind: "drop", amount: 0 },
      { kind: "drop" },
      { kind: "no_sale", amount: 3 },
      { kind: "sale", amount: 3 },
    ];
    for (const body of events) {
      const res = await call("POST", `/api/v1/shifts/${shift.id}/cash-events`, { token: cashier.token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    const closes = [
      {},
      { counted_cash: 10, denominations: [{ value: 5, count: 1 }] },
      { counted_cash: 10, kept_in_drawer: 11 },
    ];
    for (const body of closes) {
      expect((await closeShiftResponse(cashier.token, shift.id, body)).status, JSON.stringify(body)).toBe(422);
    }
    expect([await count("shifts"), await count("cash_events")]).toEqual([shiftsBefore + 1, eventsBefore]);
    expect(await shiftRow(shift.id)).toMatchObject({ status: "open" });
    await closeShift(cashier.token, shift.id, { counted_cash: 10 });
  });
});

describe("late events and lists", () => {
  it("a drawer's next shift picks up the late cash that waited for it", async ({ expect }) => {
    const drawer = await createDrawer(manager.token);
    const first = await openShift(cashier.token, drawer.id, 10);
    await endShift(cashier.token, first.id);
    // A cash sale that named the ended shift and found no open one on its drawer waits (db/cash-events.ts).
    await storeDb()
      .prepare(
        `INSERT INTO cash_events (id, shift_id, drawer_id, kind, payment_method, amount, cash_delta, payment_id, user_id,
                                  approval, late_of_shift_id, created_at)
         VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM cash_events), NULL, ?2, 'sale', 'cash', 750, 750, 424242, ?3,
                 'approved', ?4, '2026-01-01T00:00:00.000Z')`,
      )
      .bind(2 ** 32, drawer.id, cashier.id, first.id)
      .run();
    await closeShift(cashier.token, first.id, { counted_cash: 10 });
    const next = await openShift(otherCashier.token, drawer.id, 10);
    expect(await getShift(manager.token, next.id)).toMatchObject({ expected_cash: 17.5 });
    // A manager's view: until the close, a cashier lists only the movements they recorded.
    const events = await listCashEvents(manager.token, next.id);
    expect(events).toEqual([expect.objectContaining({ shift_id: next.id, late_of_shift_id: first.id, amount: 7.5 })]);
    // The late shift lists it too (it happened there), counted on the next one.
    expect((await listCashEvents(cashier.token, first.id)).map((e) => e.shift_id)).toEqual([next.id]);
    await closeShift(otherCashier.token, next.id, { counted_cash: 17.5 });
  });

  it("filter by status, drawer and cashier; a cashier's filter for another cashier still lists their own", async ({
    expect,
  }) => {
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(otherCashier.token, drawer.id, 1);
    const list = (token: string, query: string) =>
      expectJson<{ total: number; data: ShiftOut[] }>(call("GET", `/api/v1/shifts?${query}`, { token }), 200);
    const byDrawer = await list(manager.token, `drawer_id=${drawer.id}`);
    expect(byDrawer.data.map((s) => s.id)).toEqual([shift.id]);
    expect(byDrawer.data[0]?.expected_cash).toBe(1);
    expect((await list(manager.token, `drawer_id=${drawer.id}&status=closed`)).total).toBe(0);
    const today = shift.opened_at.slice(0, 10);
    expect((await list(manager.token, `drawer_id=${drawer.id}&from=${today}&to=${today}`)).total).toBe(1);
    expect((await list(manager.token, `drawer_id=${drawer.id}&to=2000-01-01`)).total).toBe(0);
    const sneaky = await list(cashier.token, `cashier_id=${otherCashier.id}`);
    expect(sneaky.data.every((s) => s.cashier_id === cashier.id)).toBe(true);
    expect((await call("GET", "/api/v1/shifts?status=lost", { token: manager.token })).status).toBe(422);
    expect((await call("GET", "/api/v1/shifts?from=yesterday", { token: manager.token })).status).toBe(422);
    await closeShift(otherCashier.token, shift.id, { counted_cash: 1 });
  });

  it("a no-sale moves nothing; an ended shift takes no more cash events; a cashier lists their shift's events", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 30);
    const noSale = await addCashEvent(cashier.token, shift.id, { kind: "no_sale" });
    expect(noSale).toMatchObject({
      kind: "no_sale",
      amount: 0,
      cash_delta: 0,
      approval: "approved",
      user_id: cashier.id,
    });
    const drop = await addCashEvent(cashier.token, shift.id, { kind: "drop", amount: 12.5 });
    expect(drop).toMatchObject({ cash_delta: -12.5, shift_id: shift.id, drawer_id: shift.drawer_id });
    expect((await listCashEvents(cashier.token, shift.id)).map((e) => e.id)).toEqual([noSale.id, drop.id]);
    expect((await call("GET", `/api/v1/shifts/${shift.id}/cash-events`, { token: otherCashier.token })).status).toBe(
      404,
    );
    await endShift(cashier.token, shift.id);
    // After the end nothing more counts on the shift: a paid-in is late for it (and waits for the drawer's next shift).
    const late = await addCashEvent(cashier.token, shift.id, { kind: "paid_in", amount: 1, reason: "late" });
    expect(late).toMatchObject({ shift_id: null, late_of_shift_id: shift.id });
    expect(await closeShift(manager.token, shift.id, { counted_cash: 17.5 })).toMatchObject({
      expected_cash: 17.5,
      variance: 0,
    });
  });
});

describe("roles", () => {
  it("an inventory officer is refused every shift and drawer route (403); a cashier the manager-only ones", async ({
    expect,
  }) => {
    const shift = await freshShift(cashier, 5);
    const event = await addCashEvent(cashier.token, shift.id, { kind: "no_sale" });
    const base = `/api/v1/shifts/${shift.id}`;
    const everyRoute: [string, string, unknown?][] = [
      ["POST", "/api/v1/shifts", { drawer_id: shift.drawer_id, opening_float: 1 }],
      ["GET", "/api/v1/shifts"],
      ["GET", "/api/v1/shifts/current"],
      ["GET", base],
      ["POST", `${base}/end`],
      ["POST", `${base}/close`, { counted_cash: 5 }],
      ["POST", `${base}/cash-events`, { kind: "no_sale" }],
      ["GET", `${base}/cash-events`],
      ["POST", `${base}/cash-events/${event.id}/approve`],
      ["POST", `${base}/cash-events/${event.id}/reject`],
      ["POST", "/api/v1/cash-drawers", { name: "Officer till" }],
      ["GET", "/api/v1/cash-drawers"],
      ["GET", `/api/v1/cash-drawers/${shift.drawer_id}`],
      ["PUT", `/api/v1/cash-drawers/${shift.drawer_id}`, { active: false }],
      ["GET", "/api/v1/stores/1/cash-settings"],
      ["PUT", "/api/v1/stores/1/cash-settings", { requires_shift: true }],
    ];
    for (const [method, path, body] of everyRoute) {
      const res = await call(method, path, { token: officer.token, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const managerOnly = everyRoute.filter(([method, path]) =>
      /approve|reject|cash-settings$|cash-drawers/.test(path) ? method !== "GET" : false,
    );
    expect(managerOnly).toHaveLength(5);
    for (const [method, path, body] of managerOnly) {
      const res = await call(method, path, { token: cashier.token, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(await shiftRow(shift.id)).toMatchObject({ status: "open" });
    await closeShift(cashier.token, shift.id, { counted_cash: 5 });
  });
});
