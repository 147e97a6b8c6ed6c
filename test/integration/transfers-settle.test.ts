/**
 * A transfer step whose store batch is refused after the head office held it
 * (the hold is undone), or whose outcome is lost (the step stays pending and
 * the sweep settles it from the store's transfer_moves: applied when the
 * batch landed, undone when it did not), and the store's deadline trigger
 * that makes "not landed after expiry" final. Steps are run through the
 * services with a scripted store database or a clock in the past.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, type ExpectStatic, it } from "vitest";
import { runOutboxSweep } from "../../src/jobs/outbox-sweep";
import type { AuthUser } from "../../src/lib/auth/current-user";
import { ApiError } from "../../src/lib/errors";
import { settlePendingTransferSteps } from "../../src/services/transfers-settle";
import {
  cancelTransfer as cancelStep,
  receiveTransfer as receiveStep,
  sendTransfer as sendStep,
} from "../../src/services/transfers-steps";
import { type Account, accounts } from "../helpers/accounts";
import { expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { testContext } from "../helpers/context";
import { scriptedD1, storeOver } from "../helpers/scripted-d1";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";
import {
  bookAt,
  cancelTransfer,
  chainTotal,
  draft,
  gateAt,
  getTransfer,
  logsNaming,
  reconcileAt,
  sendTransfer,
  settleObject,
  stockIn,
  type TransferOut,
} from "../helpers/transfers";

const MAIN = MAIN_STORE.id;
const EAST = SECOND_STORE.id;

let admin: Account;
let actor: AuthUser;

beforeAll(async () => {
  admin = (await accounts()).admin;
  actor = { id: admin.id, username: "admin", role: "admin" };
});

const view = (id: number) => expectJson<TransferOut>(getTransfer(admin.token, id), 200);

/** What a service call threw (an ApiError's code), or "ok". */
async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return "ok";
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

/** A context whose MAIN database loses the connection around its first batch (the step's store batch). */
async function lostAtMain(how: "landed" | "unsent") {
  const { d1 } = scriptedD1(
    how === "landed" ? { at: 1, lose: "everything" } : { at: 1, unsent: true, lose: "everything" },
    storeDb(MAIN),
  );
  return testContext({ store: await storeOver(d1, MAIN) });
}

async function expectNoDrift(expect: ExpectStatic, productIds: number[]) {
  for (const id of productIds) for (const store of [MAIN, EAST]) await settleObject(id, store, true);
  // Other tests' commits go after their answers: polled until they have.
  for (const store of [MAIN, EAST]) {
    await expect
      .poll(
        async () => {
          const report = await reconcileAt(admin.token, store);
          return { store, drift: report.drift, in_flight: report.in_flight };
        },
        { timeout: 10_000 },
      )
      .toEqual({ store, drift: [], in_flight: [] });
  }
}

/** The sweep, run as if its cron fired `minutes` from now (past every deadline of this test). */
const sweep = (minutes = 3) => settlePendingTransferSteps(env, new Date(Date.now() + minutes * 60_000));

describe("a store batch refused after the hold", () => {
  it("undoes the hold when the store's deadline trigger refuses a batch that came too late", async ({ expect }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 4 }]);
    // The request's clock is two minutes behind: its hold's deadline is already past when the store batch runs.
    const ctx = await testContext({ storeId: MAIN, now: () => new Date(Date.now() - 120_000) });
    expect(await outcome(sendStep(ctx, actor, t.id))).toBe("CONFLICT");
    const now = await view(t.id);
    expect(now).toMatchObject({ status: "draft", legs: [], version: t.version + 2 });
    expect(now.lines[0]).toMatchObject({ sent: 0, in_transit: 0 });
    expect(await bookAt(p.id, MAIN)).toBe(10);
    expect(await logsNaming(MAIN, t.transfer_number)).toEqual([]);
    // Released at once (not left for the alarm): the units are available again.
    await settleObject(p.id, MAIN);
    expect(await gateAt(MAIN).view(p.id)).toMatchObject({ available: 10, open_entries: 0 });
    // And the draft still sends.
    await expectJson(sendTransfer(admin.token, t.id), 200);
    expect(await bookAt(p.id, MAIN)).toBe(6);
  });

  it("undoes the hold when the store's book refuses what its object allowed", async ({ expect }) => {
    const p = await createProduct(admin.token, { stock_quantity: 9 });
    // A movement through the gate loads the product's object from the book (10 units).
    await stockIn(admin.token, p.id, MAIN, 1);
    await settleObject(p.id, MAIN);
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 5 }]);
    // The book holds less than the object believes (a drift the objects have not seen): the batch's CHECK refuses.
    await storeDb(MAIN).prepare("UPDATE stock_levels SET quantity = 2 WHERE product_id = ?1").bind(p.id).run();
    const res = await sendTransfer(admin.token, t.id);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "INSUFFICIENT_STOCK" });
    expect(await view(t.id)).toMatchObject({ status: "draft", legs: [] });
    expect(await bookAt(p.id, MAIN)).toBe(2);
    await storeDb(MAIN).prepare("UPDATE stock_levels SET quantity = 10 WHERE product_id = ?1").bind(p.id).run();
    await settleObject(p.id, MAIN);
    expect(await gateAt(MAIN).view(p.id)).toMatchObject({ available: 10, open_entries: 0 });
  });

  it("refuses any transfer move after its deadline, whoever writes it", async ({ expect }) => {
    const late = storeDb(EAST)
      .prepare(
        "INSERT INTO transfer_moves (stock_ref, transfer_id, step_key, kind, expires_at, created_at) VALUES ('TRF-0-late', 0, 'late', 'receive', ?1, ?2)",
      )
      .bind(Date.now() - 1000, new Date().toISOString())
      .run();
    await expect(late).rejects.toThrow(/transfer step expired/);
  });
});

describe("a store batch whose outcome was lost", () => {
  it("send landed: 503, the step stays pending (other steps wait), then the sweep marks it applied", async ({
    expect,
  }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 3 }]);
    expect(await outcome(sendStep(await lostAtMain("landed"), actor, t.id))).toBe("SERVICE_UNAVAILABLE");
    expect((await view(t.id)).legs).toMatchObject([{ kind: "send", status: "pending" }]);
    expect(await bookAt(p.id, MAIN)).toBe(7);
    // While it settles, another step is told to wait (nothing written).
    const busy = await cancelTransfer(admin.token, t.id);
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ code: "TRANSFER_BUSY" });
    // Before its deadline (+ a minute) the sweep leaves it alone.
    expect((await settlePendingTransferSteps(env, new Date())).applied).toBe(0);

    expect(await sweep()).toMatchObject({ applied: 1, undone: 0 });
    const settled = await view(t.id);
    expect(settled).toMatchObject({ status: "sent", legs: [{ kind: "send", status: "applied" }] });
    expect(settled.lines[0]).toMatchObject({ sent: 3, in_transit: 3 });
    expect(await chainTotal(p.id, [MAIN, EAST])).toBe(10);
    expect(await sweep()).toMatchObject({ applied: 0, undone: 0 });
    await expectNoDrift(expect, [p.id]);
  });

  it("send never landed: the sweep undoes the hold and the draft sends again", async ({ expect }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 3 }]);
    expect(await outcome(sendStep(await lostAtMain("unsent"), actor, t.id))).toBe("SERVICE_UNAVAILABLE");
    expect(await view(t.id)).toMatchObject({ status: "sent", legs: [{ status: "pending" }] });
    expect(await bookAt(p.id, MAIN)).toBe(10);

    expect(await sweep()).toMatchObject({ applied: 0, undone: 1 });
    const undone = await view(t.id);
    expect(undone).toMatchObject({ status: "draft", legs: [], sent_by: null, sent_at: null });
    expect(undone.lines[0]).toMatchObject({ sent: 0 });
    await expectNoDrift(expect, [p.id]);
    await expectJson(sendTransfer(admin.token, t.id), 200);
    expect(await bookAt(p.id, MAIN)).toBe(7);
  });

  it("a receipt that completed the transfer but never landed: undone back to sent, with the units in transit", async ({
    expect,
  }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 4 }]);
    await expectJson(sendTransfer(admin.token, t.id), 200);
    const { d1 } = scriptedD1({ at: 1, unsent: true, lose: "everything" }, storeDb(EAST));
    const ctx = await testContext({ store: await storeOver(d1, EAST) });
    const lines = [{ product_id: p.id, quantity: 4 }];
    expect(await outcome(receiveStep(ctx, actor, t.id, lines, "lost-receipt"))).toBe("SERVICE_UNAVAILABLE");
    expect(await view(t.id)).toMatchObject({ status: "received" });

    expect(await sweep()).toMatchObject({ undone: 1 });
    const undone = await view(t.id);
    expect(undone).toMatchObject({ status: "sent", received_at: null });
    expect(undone.lines[0]).toMatchObject({ received: 0, in_transit: 4 });
    expect(undone.legs.map((l) => l.kind)).toEqual(["send"]);
    expect(await bookAt(p.id, EAST)).toBe(0);
    expect(await chainTotal(p.id, [MAIN, EAST])).toBe(10);
    await expectNoDrift(expect, [p.id]);
  });

  it("the head office's hold batch lost after it landed: 503, nothing moved, and the sweep undoes the hold", async ({
    expect,
  }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 2 }]);
    // Batch 1 of the head office is the transfer's read, batch 2 the hold.
    const { d1 } = scriptedD1({ at: 2, lose: "everything" }, env.DB);
    const ctx = await testContext({ storeId: MAIN, hq: d1 });
    expect(await outcome(sendStep(ctx, actor, t.id))).toBe("SERVICE_UNAVAILABLE");
    expect(await view(t.id)).toMatchObject({ status: "sent", legs: [{ kind: "send", status: "pending" }] });
    expect(await bookAt(p.id, MAIN)).toBe(10);
    expect(await sweep()).toMatchObject({ undone: 1 });
    expect(await view(t.id)).toMatchObject({ status: "draft", legs: [] });
    await expectJson(sendTransfer(admin.token, t.id), 200);
    expect(await bookAt(p.id, MAIN)).toBe(8);
  });

  it("a cancel that landed is applied by the outbox cron's sweep", async ({ expect }) => {
    const p = await createProduct(admin.token, { stock_quantity: 10 });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 5 }]);
    await expectJson(sendTransfer(admin.token, t.id), 200);
    expect(await outcome(cancelStep(await lostAtMain("landed"), actor, t.id))).toBe("SERVICE_UNAVAILABLE");
    const result = await runOutboxSweep(env, new Date(Date.now() + 3 * 60_000));
    expect(result).toMatchObject({ transfers: { applied: 1, undone: 0 } });
    const done = await view(t.id);
    expect(done).toMatchObject({
      status: "cancelled",
      legs: [{ kind: "send" }, { kind: "cancel", status: "applied" }],
    });
    expect(done.lines[0]).toMatchObject({ returned: 5, in_transit: 0 });
    expect(await bookAt(p.id, MAIN)).toBe(10);
    await expectNoDrift(expect, [p.id]);
  });
});
