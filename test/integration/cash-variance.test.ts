import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { idBase } from "../../src/db/stores";
import { runDailyReport } from "../../src/jobs/daily-report";
import { guardEnv } from "../../src/lib/d1-guard";
import { accounts } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { addThirdStore, MAIN_STORE, SECOND_STORE, storeDb, THIRD_STORE } from "../helpers/stores";

/**
 * Closed shifts written straight into three stores' databases, at close
 * instants chosen around each store's local midnight: MAIN (UTC, USD), EAST
 * (New York, EUR) and WEST (Lisbon, USD). Every expected figure is worked out
 * here from the list below.
 */
interface ClosedShift {
  store: number;
  cashier: "a" | "b";
  closedAt: string;
  expected: number;
  counted: number;
  reason?: string;
}

const SHIFTS: ClosedShift[] = [
  { store: MAIN_STORE.id, cashier: "a", closedAt: "2026-11-09T10:00:00.000Z", expected: 10_000, counted: 9_900 },
  { store: MAIN_STORE.id, cashier: "a", closedAt: "2026-11-09T20:00:00.000Z", expected: 20_000, counted: 20_000 },
  { store: MAIN_STORE.id, cashier: "b", closedAt: "2026-11-10T09:00:00.000Z", expected: 15_000, counted: 15_250 },
  // The 11th: outside the range.
  { store: MAIN_STORE.id, cashier: "b", closedAt: "2026-11-11T09:00:00.000Z", expected: 1_000, counted: 1 },
  // 03:00 UTC on the 10th is 22:00 on the 9th in New York: inside.
  {
    store: SECOND_STORE.id,
    cashier: "a",
    closedAt: "2026-11-10T03:00:00.000Z",
    expected: 5_000,
    counted: 4_000,
    reason: "till short",
  },
  // 04:30 UTC on the 11th is 23:30 on the 10th there: inside.
  { store: SECOND_STORE.id, cashier: "b", closedAt: "2026-11-11T04:30:00.000Z", expected: 3_000, counted: 3_050 },
  // 04:00 UTC on the 9th is the 8th there: outside.
  { store: SECOND_STORE.id, cashier: "b", closedAt: "2026-11-09T04:00:00.000Z", expected: 3_000, counted: 2_000 },
  {
    store: THIRD_STORE.id,
    cashier: "a",
    closedAt: "2026-11-10T12:00:00.000Z",
    expected: 8_000,
    counted: 7_500,
    reason: "note missing",
  },
];
const RANGE = "start_date=2026-11-09&end_date=2026-11-10";

let written: Promise<{ a: number; b: number; ids: number[] }> | undefined;

async function writeShifts() {
  const { admin, cashier } = await accounts();
  await addThirdStore();
  const other = await expectJson<{ id: number }>(
    call("POST", "/api/v1/auth/register", {
      token: admin.token,
      body: { username: "cashierb", email: "cashierb@example.com", password: "cashierb-pass-123", role: "cashier" },
    }),
    201,
  );
  const who = { a: cashier.id, b: other.id };
  const ids: number[] = [];
  const z = new Map<number, number>();
  for (const s of SHIFTS) {
    const db = storeDb(s.store);
    const base = idBase(s.store);
    const drawer = await db
      .prepare(
        `INSERT INTO cash_drawers (id, name, active, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM cash_drawers), 'Till ' || ((SELECT COUNT(*) FROM cash_drawers) + 1), 1, ?2, ?2)
         RETURNING id`,
      )
      .bind(base, "2026-11-01T00:00:00.000Z")
      .first<{ id: number }>();
    const zNumber = (z.get(s.store) ?? 0) + 1;
    z.set(s.store, zNumber);
    const row = await db
      .prepare(
        `INSERT INTO shifts (id, drawer_id, cashier_id, status, opening_float, opened_at, closed_at, closed_by, counted_cash,
                             expected_cash, variance, variance_reason, z_number, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM shifts), ?2, ?3, 'closed', 0, ?4, ?5, ?3, ?6, ?7, ?6 - ?7, ?8, ?9, ?4, ?5)
         RETURNING id`,
      )
      .bind(
        base,
        drawer?.id,
        who[s.cashier],
        "2026-11-01T00:00:00.000Z",
        s.closedAt,
        s.counted,
        s.expected,
        s.reason ?? null,
        zNumber,
      )
      .first<{ id: number }>();
    ids.push(row?.id as number);
  }
  // An open shift has no variance yet: never counted.
  await storeDb(MAIN_STORE.id)
    .prepare(
      `INSERT INTO shifts (id, drawer_id, cashier_id, status, opening_float, opened_at, created_at, updated_at)
       VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM shifts), (SELECT MIN(id) FROM cash_drawers), ?2, 'open', 5000, ?3, ?3, ?3)`,
    )
    .bind(idBase(MAIN_STORE.id), who.a, "2026-11-09T08:00:00.000Z")
    .run();
  return { ...who, ids };
}

const fixture = () => {
  written ??= writeShifts();
  return written;
};

interface Row {
  user_id: number | null;
  store_id: number | null;
  store_code: string | null;
  shifts: number;
  expected: number;
  counted: number;
  variance: number;
  absolute_variance: number;
  shifts_with_variance: number;
  worst_variance: number;
  worst_shift_id: number | null;
}

/** The report's figures for a set of the shifts above, worked out independently. */
function expectedRow(indexes: number[], ids: number[]) {
  const picked = indexes.map((i) => ({ s: SHIFTS[i] as ClosedShift, id: ids[i] as number }));
  const v = (x: ClosedShift) => x.counted - x.expected;
  const worst = picked.reduce((w, p) => (Math.abs(v(p.s)) > Math.abs(v(w.s)) ? p : w));
  const sum = (f: (x: ClosedShift) => number) => picked.reduce((n, p) => n + f(p.s), 0) / 100;
  return {
    shifts: picked.length,
    expected: sum((x) => x.expected),
    counted: sum((x) => x.counted),
    variance: sum(v),
    absolute_variance: sum((x) => Math.abs(v(x))),
    shifts_with_variance: picked.filter((p) => v(p.s) !== 0).length,
    worst_variance: v(worst.s) / 100,
    worst_shift_id: worst.id,
  };
}

const variance = (token: string, query: string) =>
  call("GET", `/api/v1/reports/cash-variance?${RANGE}&${query}`, { token });

describe("cash variance report", () => {
  it("one store, by cashier and by store: closed shifts of the store's local days only", async ({ expect }) => {
    const { manager } = await accounts();
    const { a, b, ids } = await fixture();
    const byCashier = await expectJson<{ data: Row[]; group_by: string; time_zone: string }>(
      variance(manager.token, "group_by=cashier"),
      200,
    );
    expect(byCashier).toMatchObject({ group_by: "cashier", start_date: "2026-11-09", end_date: "2026-11-10" });
    // Largest Σ |variance| first: b (2.50) before a (1.00).
    expect(byCashier.data).toEqual([
      expect.objectContaining({ user_id: b, username: "cashierb", store_id: null, ...expectedRow([2], ids) }),
      expect.objectContaining({ user_id: a, username: "cashier1", ...expectedRow([0, 1], ids) }),
    ]);
    const byStore = await expectJson<{ data: Row[] }>(variance(manager.token, "group_by=store"), 200);
    expect(byStore.data).toEqual([
      expect.objectContaining({
        store_id: MAIN_STORE.id,
        store_code: "MAIN",
        user_id: null,
        ...expectedRow([0, 1, 2], ids),
      }),
    ]);
    // EAST's own local days (New York).
    const { admin } = await accounts();
    const east = await expectJson<{ data: Row[]; time_zone: string }>(
      call("GET", `/api/v1/reports/cash-variance?${RANGE}&group_by=store&store_id=${SECOND_STORE.id}`, {
        token: admin.token,
      }),
      200,
    );
    expect(east.time_zone).toBe(SECOND_STORE.timeZone);
    expect(east.data).toEqual([expect.objectContaining({ store_code: "EAST", ...expectedRow([4, 5], ids) })]);
    const csv = await variance(manager.token, "group_by=cashier&format=csv");
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect((await csv.text()).split("\n")[0]).toContain("absolute_variance");
  });

  it("store_id=all sums the stores in one currency; mixed currencies need currency=", async ({ expect }) => {
    const { admin } = await accounts();
    const { a, b, ids } = await fixture();
    const mixed = await variance(admin.token, "group_by=store&store_id=all");
    expect(mixed.status).toBe(422);
    expect(JSON.stringify(await mixed.json())).toContain("MIXED_CURRENCIES");

    const usdStores = await expectJson<{ data: Row[]; currency: string; stores: { code: string }[] }>(
      variance(admin.token, "group_by=store&store_id=all&currency=USD"),
      200,
    );
    expect(usdStores.currency).toBe("USD");
    expect(usdStores.stores.map((s) => s.code).sort()).toEqual(["MAIN", "WEST"]);
    expect(usdStores.data).toEqual([
      expect.objectContaining({ store_code: "WEST", ...expectedRow([7], ids) }),
      expect.objectContaining({ store_code: "MAIN", ...expectedRow([0, 1, 2], ids) }),
    ]);
    // A cashier who worked at two stores is one row, their worst shift whichever store it was at.
    const usdCashiers = await expectJson<{ data: Row[] }>(
      variance(admin.token, "group_by=cashier&store_id=all&currency=USD"),
      200,
    );
    expect(usdCashiers.data).toEqual([
      expect.objectContaining({ user_id: a, ...expectedRow([0, 1, 7], ids) }),
      expect.objectContaining({ user_id: b, ...expectedRow([2], ids) }),
    ]);
    const eur = await expectJson<{ data: Row[]; currency: string }>(
      variance(admin.token, "group_by=cashier&store_id=all&currency=EUR"),
      200,
    );
    expect(eur.data).toEqual([
      expect.objectContaining({ user_id: a, ...expectedRow([4], ids) }),
      expect.objectContaining({ user_id: b, ...expectedRow([5], ids) }),
    ]);
  });

  it("refuses cashiers, bad groupings and bad ranges", async ({ expect }) => {
    const { cashier, manager } = await accounts();
    expect((await variance(cashier.token, "group_by=cashier")).status).toBe(403);
    expect((await variance(manager.token, "group_by=drawer")).status).toBe(422);
    const backwards = await call("GET", "/api/v1/reports/cash-variance?start_date=2026-11-10&end_date=2026-11-09", {
      token: manager.token,
    });
    expect(backwards.status).toBe(422);
  });
});

describe("daily report", () => {
  it("lists the day's closed shifts with their counts and variances, and the email names them", async ({ expect }) => {
    const { manager } = await accounts();
    const { ids } = await fixture();
    // 03:00 UTC on the 10th: MAIN's yesterday is the 9th (shifts 0 and 1).
    await runDailyReport(guardEnv(env), Date.parse("2026-11-10T03:00:00.000Z"));
    const stored = await expectJson<{
      data: { shifts: { data: Record<string, unknown>[]; totals: Record<string, number> }; summary: unknown };
    }>(call("GET", "/api/v1/reports/daily/2026-11-09", { token: manager.token }), 200);
    expect(stored.data.shifts.data).toEqual([
      expect.objectContaining({
        id: ids[0],
        z_number: 1,
        cashier: "cashier1",
        expected: 100,
        counted: 99,
        variance: -1,
      }),
      expect.objectContaining({ id: ids[1], z_number: 2, expected: 200, counted: 200, variance: 0 }),
    ]);
    expect(stored.data.shifts.totals).toEqual({
      shifts: 2,
      expected: 300,
      counted: 299,
      variance: -1,
      absolute_variance: 1,
      shifts_with_variance: 1,
    });
    // Existing fields are still there.
    expect(stored.data.summary).toMatchObject({ date: "2026-11-09" });
    const mail = `outbox/${encodeURIComponent(`daily_report:MAIN:2026-11-09:${manager.id}`)}.json`;
    await expect.poll(async () => (await env.FILES.head(mail)) !== null, { timeout: 20_000, interval: 250 }).toBe(true);
    const body = await (await env.FILES.get(mail))?.text();
    expect(body).toContain("shifts closed: 2");
    expect(body).toContain("Z 1");
    expect(body).toContain("variance -1.00");
  });
});
