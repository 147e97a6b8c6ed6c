/**
 * A store's cash history survives a backup → restore round trip exactly: its
 * cash settings (the row the migration makes is replaced, not duplicated),
 * drawers, closed shifts with their Z numbers, and every cash event, late and
 * waiting ones included. The store's triggers refuse events on a closed
 * shift, so this only loads when the events go in before their shifts.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { idBase } from "../../src/db/stores";
import { runBackup } from "../../src/jobs/backup";
import { readManifest, restoreBackup, verifyBackup } from "../../src/jobs/restore";
import { guardD1, guardEnv } from "../../src/lib/d1-guard";
import { accounts } from "../helpers/accounts";
import { MAIN_STORE, storeDb } from "../helpers/stores";

const base = idBase(MAIN_STORE.id);
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute)).toISOString();

/** Builds MAIN's cash history with the statements the model prescribes (ids from the store's range). */
function cashHistory(d1: D1Database) {
  const drawer = (name: string, minute: number) =>
    d1
      .prepare(
        "INSERT INTO cash_drawers (id, name, active, created_at, updated_at) VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM cash_drawers), ?2, 1, ?3, ?3)",
      )
      .bind(base, name, at(minute))
      .run();
  const open = (drawerId: number, cashierId: number, float: number, expected: number | null, minute: number) =>
    d1
      .prepare(
        `INSERT INTO shifts (id, drawer_id, cashier_id, status, opening_float, expected_opening, opening_variance, opened_at, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM shifts), ?2, ?3, 'open', ?4, ?5, ?4 - ?5, ?6, ?6, ?6) RETURNING id`,
      )
      .bind(base, drawerId, cashierId, float, expected, at(minute))
      .first<{ id: number }>();
  const event = (
    e: {
      shift: number | null;
      drawer: number;
      kind: string;
      method?: string;
      amount: number;
      tendered?: number;
      change?: number;
      delta: number;
      payment?: number;
      refund?: number;
      reason?: string;
      approval?: string;
      approvedBy?: number;
      lateOf?: number;
    },
    userId: number,
    minute: number,
  ) =>
    d1
      .prepare(
        `INSERT INTO cash_events (id, shift_id, drawer_id, kind, payment_method, amount, tendered, change_given, cash_delta,
                                  payment_id, refund_id, order_id, user_id, reason, approval, approved_by, approved_at,
                                  late_of_shift_id, created_at)
         VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM cash_events), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12,
                 ?13, ?14, ?15, CASE WHEN ?15 IS NOT NULL THEN ?16 END, ?17, ?16)`,
      )
      .bind(
        base,
        e.shift,
        e.drawer,
        e.kind,
        e.method ?? null,
        e.amount,
        e.tendered ?? null,
        e.change ?? null,
        e.delta,
        e.payment ?? null,
        e.refund ?? null,
        userId,
        e.reason ?? null,
        e.approval ?? "approved",
        e.approvedBy ?? null,
        at(minute),
        e.lateOf ?? null,
      )
      .run();
  // The close batch's statement: expected frozen, variance, next Z number, all at once.
  const close = (shiftId: number, counted: number, kept: number, by: number, minute: number, reason?: string) =>
    d1
      .prepare(
        `UPDATE shifts SET status = 'closed',
           expected_cash = opening_float + (SELECT COALESCE(SUM(cash_delta), 0) FROM cash_events WHERE shift_id = ?1 AND approval = 'approved'),
           variance = ?2 - (opening_float + (SELECT COALESCE(SUM(cash_delta), 0) FROM cash_events WHERE shift_id = ?1 AND approval = 'approved')),
           counted_cash = ?2, counted_denominations = ?3, kept_in_drawer = ?4, variance_reason = ?5,
           z_number = (SELECT COALESCE(MAX(z_number), 0) + 1 FROM shifts), closed_at = ?6, closed_by = ?7, updated_at = ?6
         WHERE id = ?1 AND status IN ('open', 'ended') RETURNING expected_cash, variance, z_number`,
      )
      .bind(
        shiftId,
        counted,
        JSON.stringify([{ value: 1000, count: Math.floor(counted / 1000) }]),
        kept,
        reason ?? null,
        at(minute),
        by,
      )
      .first<{ expected_cash: number; variance: number; z_number: number }>();
  return { drawer, open, event, close };
}

describe("restoring a store's shifts", () => {
  it("reproduces drawers, settings, closed shifts and their events exactly, and the restored triggers still hold", async ({
    expect,
  }) => {
    const { cashier, manager } = await accounts();
    const main = storeDb(MAIN_STORE.id);
    const h = cashHistory(main);
    // Settings the store changed: the backup's row must replace the one the target's migration made.
    await main
      .prepare(
        "UPDATE cash_settings SET requires_shift = 1, variance_reason_threshold = 200, paid_out_approval_threshold = 3000, updated_at = ?1 WHERE id = 1",
      )
      .bind(at(0))
      .run();
    await h.drawer("Till 1", 1);
    await h.drawer("Till 2", 2);
    const till1 = base + 1;
    const till2 = base + 2;

    // Shift A (Till 1): sales with change, card, refund, paid in and out (one rejected), a drop, a no-sale; closed short.
    const a = (await h.open(till1, cashier.id, 10_000, null, 3))?.id as number;
    await h.event(
      {
        shift: a,
        drawer: till1,
        kind: "sale",
        method: "cash",
        amount: 1250,
        tendered: 2000,
        change: 750,
        delta: 1250,
        payment: base + 1,
      },
      cashier.id,
      4,
    );
    await h.event(
      { shift: a, drawer: till1, kind: "sale", method: "credit_card", amount: 800, delta: 0, payment: base + 2 },
      cashier.id,
      5,
    );
    await h.event(
      { shift: a, drawer: till1, kind: "paid_in", amount: 1000, delta: 1000, reason: "Change from bank" },
      manager.id,
      6,
    );
    await h.event(
      { shift: a, drawer: till1, kind: "paid_out", amount: 300, delta: -300, reason: "Milk" },
      cashier.id,
      7,
    );
    await h.event(
      {
        shift: a,
        drawer: till1,
        kind: "paid_out",
        amount: 9000,
        delta: -9000,
        reason: "Window cleaner",
        approval: "rejected",
        approvedBy: manager.id,
      },
      cashier.id,
      8,
    );
    await h.event({ shift: a, drawer: till1, kind: "drop", amount: 2000, delta: -2000 }, cashier.id, 9);
    await h.event({ shift: a, drawer: till1, kind: "no_sale", amount: 0, delta: 0 }, cashier.id, 10);
    await h.event(
      { shift: a, drawer: till1, kind: "refund", method: "cash", amount: 500, delta: -500, refund: base + 1 },
      manager.id,
      11,
    );
    // 10,000 + 1,250 + 1,000 − 300 − 2,000 − 500 = 9,450 (the rejected paid-out does not count).
    const closedA = await h.close(a, 8_750, 5_000, manager.id, 12, "Short: change given twice");
    expect(closedA).toEqual({ expected_cash: 9_450, variance: -700, z_number: 1 });

    // Shift B (Till 1) starts from what A kept, takes A's late cash sale, ends, then closes.
    const b = (await h.open(till1, manager.id, 5_000, 5_000, 13))?.id as number;
    await h.event(
      { shift: b, drawer: till1, kind: "sale", method: "cash", amount: 400, delta: 400, payment: base + 3, lateOf: a },
      cashier.id,
      14,
    );
    await main
      .prepare("UPDATE shifts SET status = 'ended', ended_at = ?2, ended_by = ?3 WHERE id = ?1")
      .bind(b, at(15), manager.id)
      .run();
    expect(await h.close(b, 5_400, 5_400, manager.id, 16)).toEqual({ expected_cash: 5_400, variance: 0, z_number: 2 });
    // A retried sale of B after its close, with no shift open on Till 1: it waits for the next one.
    await h.event(
      {
        shift: null,
        drawer: till1,
        kind: "sale",
        method: "cash",
        amount: 250,
        delta: 250,
        payment: base + 4,
        lateOf: b,
      },
      cashier.id,
      17,
    );
    // Shift C (Till 2) still open, with a pending paid-out.
    const c = (await h.open(till2, cashier.id, 5_000, null, 18))?.id as number;
    await h.event(
      {
        shift: c,
        drawer: till2,
        kind: "paid_out",
        amount: 4000,
        delta: -4000,
        reason: "Supplier",
        approval: "pending",
      },
      cashier.id,
      19,
    );

    const backup = await runBackup(guardEnv(env), new Date(Date.UTC(2026, 10, 20, 23, 0)));
    expect(backup.created).toBe(true);
    const manifest = await readManifest(env.FILES, backup.id);
    await verifyBackup(env.FILES, manifest);
    const rowsOf = (table: string) =>
      manifest.tables.find((t) => t.database === "store-MAIN" && t.table === table)?.rows;
    expect([rowsOf("cash_settings"), rowsOf("cash_drawers"), rowsOf("shifts"), rowsOf("cash_events")]).toEqual([
      1, 2, 3, 11,
    ]);

    await applyD1Migrations(env.RESTORE_STORE_DB, env.TEST_STORE_MIGRATIONS);
    const target = guardD1(env.RESTORE_STORE_DB);
    const loaded = await restoreBackup(env.FILES, manifest, { "store-MAIN": target }, { only: ["store-MAIN"] });

    const rows = async (db: D1Database, table: string) =>
      (await db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all()).results;
    for (const file of manifest.tables.filter((t) => t.database === "store-MAIN")) {
      expect(loaded["store-MAIN"]?.[file.table], file.table).toBe(file.rows);
      expect(await rows(target, file.table), file.table).toEqual(await rows(main, file.table));
    }
    expect(
      await target.prepare("SELECT requires_shift, variance_reason_threshold FROM cash_settings").all(),
    ).toMatchObject({
      results: [{ requires_shift: 1, variance_reason_threshold: 200 }],
    });

    // The restored store behaves like the original: a closed shift stays frozen, its events too ...
    await expect(target.prepare("UPDATE shifts SET notes = 'x' WHERE id = ?1").bind(a).run()).rejects.toThrow(
      /SHIFT_CLOSED/,
    );
    await expect(target.prepare("DELETE FROM cash_events WHERE shift_id = ?1").bind(a).run()).rejects.toThrow(
      /SHIFT_CLOSED/,
    );
    await expect(
      target
        .prepare(
          "INSERT INTO cash_events (id, shift_id, drawer_id, kind, amount, cash_delta, user_id, created_at) VALUES (?1, ?2, ?3, 'no_sale', 0, 0, ?4, ?5)",
        )
        .bind(base + 100, a, till1, cashier.id, at(30))
        .run(),
    ).rejects.toThrow(/SHIFT_NOT_OPEN/);
    // ... the open shift cannot close over its pending paid-out, and once it is decided the next Z number follows on.
    const hr = cashHistory(target);
    await expect(hr.close(c, 1_000, 0, manager.id, 31)).rejects.toThrow(/PENDING_APPROVALS/);
    await target
      .prepare("UPDATE cash_events SET approval = 'approved', approved_by = ?2, approved_at = ?3 WHERE shift_id = ?1")
      .bind(c, manager.id, at(32))
      .run();
    // 5,000 − 4,000 paid out = 1,000 expected; 1,500 counted is 500 over, above the restored threshold of 200.
    await expect(hr.close(c, 1_500, 0, manager.id, 33)).rejects.toThrow(/VARIANCE_REASON_REQUIRED/);
    expect(await hr.close(c, 1_500, 0, manager.id, 33, "A sale rung up as card")).toEqual({
      expected_cash: 1_000,
      variance: 500,
      z_number: 3,
    });
  });
});
