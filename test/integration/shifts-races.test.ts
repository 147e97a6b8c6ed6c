/**
 * Shifts under concurrency, through the Worker: twenty opens racing on one
 * drawer make one shift (the partial unique index decides, inside D1), and
 * closes racing on several drawers take Z numbers 1..n with no gap, a refused
 * close in the middle taking none. This file's store starts with no shifts,
 * so the Z numbers are the store's first.
 */
import { beforeAll, describe, it } from "vitest";
import { type Account, accounts, createAccount } from "../helpers/accounts";
import { call } from "../helpers/api";
import {
  addCashEventResponse,
  type CashEventOut,
  closeShiftResponse,
  createDrawer,
  endShiftResponse,
  openShift,
  openShiftResponse,
  type ShiftOut,
} from "../helpers/shifts";
import { storeDb } from "../helpers/stores";

let admin: Account;
let manager: Account;
let cashiers: Account[];

beforeAll(async () => {
  const a = await accounts();
  admin = a.admin;
  manager = a.manager;
  cashiers = [];
  for (let i = 0; i < 7; i++) cashiers.push(await createAccount(admin.token, `racer${i}`, "cashier"));
});

describe("racing shifts", () => {
  it("twenty parallel opens on one drawer make exactly one shift; the others 409 SHIFT_ALREADY_OPEN naming it", async ({
    expect,
  }) => {
    const drawer = await createDrawer(manager.token, "Race till");
    // Twenty callers: the seven cashiers (some twice), the manager and the admin.
    const callers = Array.from({ length: 20 }, (_, i) =>
      i === 18 ? manager : i === 19 ? admin : (cashiers[i % cashiers.length] as Account),
    );
    const responses = await Promise.all(callers.map((who, i) => openShiftResponse(who.token, drawer.id, 100 + i)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as (ShiftOut & {
      code?: string;
      shift_id?: number;
    })[];
    const winner = bodies.find((b) => b.code === undefined) as ShiftOut;
    for (const refused of bodies.filter((b) => b.code !== undefined)) {
      expect(refused).toMatchObject({ code: "SHIFT_ALREADY_OPEN", shift_id: winner.id });
    }
    const rows = await storeDb()
      .prepare("SELECT id, status FROM shifts WHERE drawer_id = ?1")
      .bind(drawer.id)
      .all<{ id: number; status: string }>();
    expect(rows.results).toEqual([{ id: winner.id, status: "open" }]);
    const winnerToken = callers.find((c) => c.id === winner.cashier_id)?.token ?? "";
    expect((await closeShiftResponse(winnerToken, winner.id, { counted_cash: winner.opening_float })).status).toBe(200);
  });

  it("six shifts closing at once take Z numbers with no gap; a close refused in the middle takes none", async ({
    expect,
  }) => {
    const before = await storeDb().prepare("SELECT COALESCE(MAX(z_number), 0) AS z FROM shifts").first<{ z: number }>();
    const base = before?.z ?? 0;
    const shifts: { shift: ShiftOut; who: Account }[] = [];
    for (let i = 0; i < 7; i++) {
      const who = cashiers[i] as Account;
      const drawer = await createDrawer(manager.token);
      shifts.push({ shift: await openShift(who.token, drawer.id, 50), who });
    }
    // Shift 3 is counted 30.00 short with no reason: refused (422), whatever order D1 runs them in.
    const closes = shifts.map(({ shift, who }, i) =>
      closeShiftResponse(who.token, shift.id, { counted_cash: i === 3 ? 20 : 50 }),
    );
    const responses = await Promise.all(closes);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 422, 200, 200, 200]);
    const closed = (await Promise.all(responses.map((r) => r.json()))) as ShiftOut[];
    const numbers = closed.filter((_, i) => i !== 3).map((s) => (s.z_number ?? 0) - base);
    expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const refused = await storeDb()
      .prepare("SELECT status, z_number FROM shifts WHERE id = ?1")
      .bind(shifts[3]?.shift.id)
      .first();
    expect(refused).toEqual({ status: "open", z_number: null });

    // Closed later with a reason, it takes the next number.
    const late = shifts[3] as { shift: ShiftOut; who: Account };
    const res = await closeShiftResponse(late.who.token, late.shift.id, { counted_cash: 20, variance_reason: "short" });
    expect(((await res.json()) as ShiftOut).z_number).toBe(base + 7);
    const all = await storeDb()
      .prepare("SELECT z_number FROM shifts WHERE z_number IS NOT NULL ORDER BY z_number")
      .all<{
        z_number: number;
      }>();
    expect(all.results.map((r) => r.z_number)).toEqual(Array.from({ length: all.results.length }, (_, i) => i + 1));
  });

  it("the same cashier opening on two drawers at once gets one shift", async ({ expect }) => {
    const who = cashiers[0] as Account;
    const [a, b] = [await createDrawer(manager.token), await createDrawer(manager.token)];
    const responses = await Promise.all([openShiftResponse(who.token, a.id, 1), openShiftResponse(who.token, b.id, 1)]);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    const open = await storeDb()
      .prepare("SELECT COUNT(*) AS n FROM shifts WHERE cashier_id = ?1 AND status = 'open'")
      .bind(who.id)
      .first<{ n: number }>();
    expect(open?.n).toBe(1);
    const current = (await (await call("GET", "/api/v1/shifts/current", { token: who.token })).json()) as ShiftOut;
    const refused = (await responses.find((r) => r.status === 409)?.json()) as { shift_id: number };
    expect(refused.shift_id).toBe(current.id);
  });

  it("twins with one Idempotency-Key racing open and close make one effect and all get its answer", async ({
    expect,
  }) => {
    const who = cashiers[1] as Account;
    const drawer = await createDrawer(manager.token);
    const opens = await Promise.all(
      Array.from({ length: 5 }, () => openShiftResponse(who.token, drawer.id, 12, { key: "twin-open" })),
    );
    expect(opens.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const opened = (await Promise.all(opens.map((r) => r.json()))) as ShiftOut[];
    expect(new Set(opened.map((s) => s.id)).size).toBe(1);
    expect(opens.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(4);
    const shiftId = opened[0]?.id ?? 0;

    const closes = await Promise.all(
      Array.from({ length: 5 }, () => closeShiftResponse(who.token, shiftId, { counted_cash: 12 }, "twin-close")),
    );
    expect(closes.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const closed = (await Promise.all(closes.map((r) => r.json()))) as ShiftOut[];
    expect(new Set(closed.map((s) => s.z_number)).size).toBe(1);
    expect(closes.filter((r) => r.headers.get("Idempotent-Replayed") === "true")).toHaveLength(4);
    const rows = await storeDb()
      .prepare("SELECT COUNT(*) AS n FROM shifts WHERE drawer_id = ?1")
      .bind(drawer.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("paid-ins racing the end of their shift each land once: on it, or late for it, never on an ended shift", async ({
    expect,
  }) => {
    const who = cashiers[2] as Account;
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(who.token, drawer.id, 10);
    const paidIns = Array.from({ length: 10 }, (_, i) =>
      addCashEventResponse(who.token, shift.id, { kind: "paid_in", amount: 1, reason: `coin ${i}` }),
    );
    const [ended, ...answers] = await Promise.all([endShiftResponse(who.token, shift.id), ...paidIns]);
    expect(ended?.status).toBe(200);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
    const events = await Promise.all(answers.map((r) => r.json() as Promise<CashEventOut>));
    const onShift = events.filter((e) => e.shift_id === shift.id && e.late_of_shift_id === null).length;
    const late = events.filter((e) => e.shift_id === null && e.late_of_shift_id === shift.id).length;
    expect(onShift + late).toBe(10);
    const rows = await storeDb()
      .prepare("SELECT COUNT(*) AS n FROM cash_events WHERE shift_id = ?1")
      .bind(shift.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(onShift);
    const closed = await closeShiftResponse(who.token, shift.id, { counted_cash: 10 + onShift });
    expect(((await closed.json()) as ShiftOut).variance).toBe(0);
    // The late ones count on the drawer's next shift.
    const next = await openShift(who.token, drawer.id, 10 + onShift);
    const nextClosed = await closeShiftResponse(who.token, next.id, { counted_cash: 20 });
    expect(((await nextClosed.json()) as ShiftOut).expected_cash).toBe(10 + onShift + late);
  });
});
