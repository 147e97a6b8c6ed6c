/**
 * Cash drawers and a store's cash settings through the Worker: names unique
 * per store in any case, no deactivation under an unclosed shift, no shift on
 * an inactive drawer, roles, and one store's drawers invisible from another.
 */
import { beforeAll, describe, it } from "vitest";
import { type Account, accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import {
  addCashEvent,
  type CashSettingsOut,
  closeShift,
  closeShiftResponse,
  createDrawer,
  type DrawerOut,
  decideCashEvent,
  openShift,
  openShiftResponse,
  setCashSettings,
} from "../helpers/shifts";
import { atStore, MAIN_STORE, SECOND_STORE } from "../helpers/stores";

const MAIN = MAIN_STORE.id;
const EAST = SECOND_STORE.id;

let admin: Account;
let manager: Account;
let cashier: Account;
let officer: Account;
let managerEast: Account;
let cashierEast: Account;

beforeAll(async () => {
  const a = await accounts();
  admin = a.admin;
  manager = a.manager;
  cashier = a.cashier;
  officer = a.inventory_officer;
  managerEast = await userAtStores(admin.token, "manager_east", { role: "manager", homeStoreId: EAST });
  cashierEast = await userAtStores(admin.token, "cashier_east", { role: "cashier", homeStoreId: EAST });
});

const listDrawers = (token: string, headers: Record<string, string> = {}) =>
  expectJson<{ total: number; data: DrawerOut[] }>(call("GET", "/api/v1/cash-drawers", { token, headers }), 200);

describe("cash drawers", () => {
  it("are created by managers, named once per store in any case, and read by cashiers", async ({ expect }) => {
    const drawer = await createDrawer(manager.token, "Counter A");
    expect(drawer).toMatchObject({ name: "Counter A", active: true, store_id: MAIN, current_shift: null });
    expect(Math.floor(drawer.id / 2 ** 32)).toBe(MAIN);
    const twin = await call("POST", "/api/v1/cash-drawers", { token: admin.token, body: { name: "counter a" } });
    expect(twin.status).toBe(409);
    expect(((await twin.json()) as { code: string }).code).toBe("DUPLICATE");
    // The same name at another store is another drawer.
    const east = await createDrawer(managerEast.token, "Counter A");
    expect(Math.floor(east.id / 2 ** 32)).toBe(EAST);

    expect((await call("POST", "/api/v1/cash-drawers", { token: cashier.token, body: { name: "X" } })).status).toBe(
      403,
    );
    expect((await call("GET", "/api/v1/cash-drawers", { token: officer.token })).status).toBe(403);
    for (const name of ["", "  ", "a".repeat(61)]) {
      expect((await call("POST", "/api/v1/cash-drawers", { token: manager.token, body: { name } })).status).toBe(422);
    }
    const other = await createDrawer(manager.token, "Counter B");
    const rename = await call("PUT", `/api/v1/cash-drawers/${other.id}`, {
      token: manager.token,
      body: { name: "COUNTER A" },
    });
    expect(rename.status).toBe(409);
    const renamed = await expectJson<DrawerOut>(
      call("PUT", `/api/v1/cash-drawers/${other.id}`, { token: manager.token, body: { name: "Counter C" } }),
      200,
    );
    expect(renamed.name).toBe("Counter C");
    expect(
      await expectJson<DrawerOut>(call("GET", `/api/v1/cash-drawers/${drawer.id}`, { token: cashier.token }), 200),
    ).toMatchObject({ id: drawer.id, name: "Counter A" });
  });

  it("list each drawer's unclosed shift; a drawer with one cannot be deactivated; an inactive one opens none", async ({
    expect,
  }) => {
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 10);
    const listed = (await listDrawers(cashier.token)).data.find((d) => d.id === drawer.id);
    expect(listed?.current_shift).toEqual({ id: shift.id, status: "open", cashier_id: cashier.id });
    const refused = await call("PUT", `/api/v1/cash-drawers/${drawer.id}`, {
      token: manager.token,
      body: { active: false },
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "INVALID_STATE", shift_id: shift.id });
    await closeShift(cashier.token, shift.id, { counted_cash: 10 });
    const off = await expectJson<DrawerOut>(
      call("PUT", `/api/v1/cash-drawers/${drawer.id}`, { token: manager.token, body: { active: false } }),
      200,
    );
    expect(off).toMatchObject({ active: false, current_shift: null });
    const opening = await openShiftResponse(cashier.token, drawer.id, 10);
    expect(opening.status).toBe(409);
    expect(((await opening.json()) as { code: string }).code).toBe("INVALID_STATE");
    expect((await listDrawers(manager.token)).data.find((d) => d.id === drawer.id)?.active).toBe(false);
    const retired = await expectJson<{ data: DrawerOut[] }>(
      call("GET", "/api/v1/cash-drawers?active=false", { token: manager.token }),
      200,
    );
    expect(retired.data.map((d) => d.id)).toEqual([drawer.id]);
  });

  it("of one store are invisible from another", async ({ expect }) => {
    const east = await createDrawer(managerEast.token, "East only");
    const mainDrawer = await createDrawer(manager.token, "Main only");
    expect((await listDrawers(managerEast.token)).data.map((d) => d.id)).not.toContain(mainDrawer.id);
    expect((await listDrawers(manager.token)).data.map((d) => d.id)).not.toContain(east.id);
    // By id: the id names EAST, where MAIN's staff have no role: 404, as if it did not exist.
    expect((await call("GET", `/api/v1/cash-drawers/${east.id}`, { token: manager.token })).status).toBe(404);
    expect((await call("GET", `/api/v1/cash-drawers/${east.id}`, { token: cashier.token })).status).toBe(404);
    // A MAIN cashier naming the EAST drawer from MAIN: no such drawer there.
    expect((await openShiftResponse(cashier.token, east.id, 5)).status).toBe(404);
    // Naming EAST, where they have no role: 403.
    expect((await openShiftResponse(cashier.token, east.id, 5, { store: EAST })).status).toBe(403);
    const eastShift = await openShift(cashierEast.token, east.id, 5);
    expect(eastShift.store_id).toBe(EAST);
    expect((await call("GET", `/api/v1/shifts/${eastShift.id}`, { token: manager.token })).status).toBe(404);
    expect((await call("GET", `/api/v1/shifts/${eastShift.id}`, { token: admin.token })).status).toBe(200);
    const adminList = await listDrawers(admin.token, atStore(EAST));
    expect(adminList.data.map((d) => d.id)).toContain(east.id);
  });
});

describe("cash settings", () => {
  it("are read by staff of the store, changed by its managers, decimals in the API and cents stored", async ({
    expect,
  }) => {
    const read = await expectJson<CashSettingsOut>(
      call("GET", `/api/v1/stores/${MAIN}/cash-settings`, { token: cashier.token }),
      200,
    );
    expect(read).toMatchObject({
      store_id: MAIN,
      requires_shift: false,
      variance_reason_threshold: 5,
      paid_out_approval_threshold: 50,
    });
    const changed = await setCashSettings(manager.token, { variance_reason_threshold: 2.5 }, MAIN);
    expect(changed).toMatchObject({ variance_reason_threshold: 2.5, paid_out_approval_threshold: 50 });
    const { env } = await import("cloudflare:workers");
    const row = await env.STORE_MAIN.prepare("SELECT variance_reason_threshold AS v FROM cash_settings").first<{
      v: number;
    }>();
    expect(row?.v).toBe(250);
    await setCashSettings(manager.token, { variance_reason_threshold: 5 }, MAIN);

    const put = (token: string, store: number, body: unknown) =>
      call("PUT", `/api/v1/stores/${store}/cash-settings`, { token, body });
    expect((await put(cashier.token, MAIN, { requires_shift: true })).status).toBe(403);
    expect((await put(officer.token, MAIN, { requires_shift: true })).status).toBe(403);
    expect((await call("GET", `/api/v1/stores/${MAIN}/cash-settings`, { token: officer.token })).status).toBe(403);
    // MAIN's manager has no role at EAST: the store is not theirs to see (404, as GET /stores/{id}), and
    // nothing changes there; EAST's manager changes EAST only.
    expect((await put(manager.token, EAST, { requires_shift: true })).status).toBe(404);
    expect(
      await env.STORE_EAST.prepare("SELECT requires_shift FROM cash_settings WHERE id = 1").first<{
        requires_shift: number;
      }>(),
    ).toEqual({ requires_shift: 0 });
    for (const body of [{}, { variance_reason_threshold: -1 }, { paid_out_approval_threshold: 1.001 }]) {
      expect((await put(managerEast.token, EAST, body)).status, JSON.stringify(body)).toBe(422);
    }
    const east = await setCashSettings(managerEast.token, { paid_out_approval_threshold: 20 }, EAST);
    expect(east).toMatchObject({ store_id: EAST, paid_out_approval_threshold: 20 });
    expect(
      (
        await expectJson<CashSettingsOut>(
          call("GET", `/api/v1/stores/${MAIN}/cash-settings`, { token: admin.token }),
          200,
        )
      ).paid_out_approval_threshold,
    ).toBe(50);
    expect((await call("GET", "/api/v1/stores/99/cash-settings", { token: admin.token })).status).toBe(404);
  });

  it("apply to the very next paid-out and close", async ({ expect }) => {
    const drawer = await createDrawer(manager.token);
    const shift = await openShift(cashier.token, drawer.id, 10);
    await setCashSettings(manager.token, { paid_out_approval_threshold: 5, variance_reason_threshold: 0 }, MAIN);
    try {
      const small = await addCashEvent(cashier.token, shift.id, {
        kind: "paid_out",
        amount: 5,
        reason: "at the limit",
      });
      const big = await addCashEvent(cashier.token, shift.id, { kind: "paid_out", amount: 5.01, reason: "above" });
      expect([small.approval, big.approval]).toEqual(["approved", "pending"]);
      await decideCashEvent(manager.token, shift.id, big.id, "reject");
      // A cashier's count that needed a reason is kept; the recount is a manager's.
      const off = await closeShiftResponse(cashier.token, shift.id, { counted_cash: 4.99 });
      expect(off.status).toBe(422);
      expect(await closeShift(manager.token, shift.id, { counted_cash: 5 })).toMatchObject({ variance: 0 });
    } finally {
      await setCashSettings(manager.token, { paid_out_approval_threshold: 50, variance_reason_threshold: 5 }, MAIN);
    }
  });
});
