/**
 * Transfers between stores (README "Transfers") through the Worker: the
 * happy path with logs at both ends and objects that agree with the books,
 * each step retried, refusals that write nothing, roles per store, and a
 * receipt racing a cancel. Refused and lost store batches, and the sweep
 * that settles the latter, are in transfers-settle.test.ts.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, type ExpectStatic, it } from "vitest";
import { type Account, accounts, userAtStores } from "../helpers/accounts";
import { call, expectJson } from "../helpers/api";
import { createProduct, type ProductOut } from "../helpers/catalog";
import { addThirdStore, MAIN_STORE, SECOND_STORE, THIRD_STORE } from "../helpers/stores";
import {
  bookAt,
  cancelTransfer,
  chainTotal,
  createTransfer,
  draft,
  gateAt,
  getTransfer,
  inTransit,
  logsNaming,
  receiveTransfer,
  reconcileAt,
  sendTransfer,
  settleObject,
  stockIn,
  type TransferOut,
} from "../helpers/transfers";

const MAIN = MAIN_STORE.id;
const EAST = SECOND_STORE.id;

let admin: Account;
let cashier: Account;
let officerMain: Account;
let officerEast: Account;
let managerWest: Account;

beforeAll(async () => {
  await addThirdStore();
  const a = await accounts();
  admin = a.admin;
  cashier = a.cashier;
  officerMain = await userAtStores(admin.token, "officer_main", { role: "inventory_officer", homeStoreId: MAIN });
  officerEast = await userAtStores(admin.token, "officer_east", { role: "inventory_officer", homeStoreId: EAST });
  managerWest = await userAtStores(admin.token, "manager_west", { role: "manager", homeStoreId: THIRD_STORE.id });
});

/** A product with `main` units at MAIN and `east` at EAST. */
async function product(main: number, east = 0): Promise<ProductOut> {
  const p = await createProduct(admin.token, { stock_quantity: main });
  if (east > 0) await stockIn(admin.token, p.id, EAST, east);
  return p;
}

const settleBoth = async (ids: number[]) => {
  for (const id of ids) for (const store of [MAIN, EAST]) await settleObject(id, store);
};

/** Both stores' objects agree with their books (commits go after the answers: polled until they have). */
async function expectNoDrift(expect: ExpectStatic) {
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

describe("a transfer from MAIN to EAST", () => {
  it("is drafted, sent, received in two parts; stock moves exactly once and both logs name it", async ({ expect }) => {
    const [p1, p2] = [await product(20), await product(8, 3)];
    const before = [await chainTotal(p1.id, [MAIN, EAST]), await chainTotal(p2.id, [MAIN, EAST])];

    const created = await expectJson<TransferOut>(
      createTransfer(officerMain.token, {
        from_store_id: MAIN,
        to_store_id: EAST,
        note: "Weekly top-up",
        lines: [
          { product_id: p1.id, quantity: 12 },
          { product_id: p2.id, quantity: 5 },
        ],
      }),
      201,
    );
    expect(created.transfer_number).toMatch(/^TRF-MAIN-\d{8}-[0-9A-F]{8}$/);
    expect(created).toMatchObject({ status: "draft", from_store: { code: "MAIN" }, to_store: { code: "EAST" } });
    expect(created.lines.map((l) => [l.product_name, l.product_sku, l.quantity, l.sent])).toEqual([
      [p1.name, p1.sku, 12, 0],
      [p2.name, p2.sku, 5, 0],
    ]);
    expect(await bookAt(p1.id, MAIN)).toBe(20);

    const sent = await expectJson<TransferOut>(sendTransfer(officerMain.token, created.id), 200);
    expect(sent.status).toBe("sent");
    expect(sent.lines.map((l) => [l.sent, l.in_transit])).toEqual([
      [12, 12],
      [5, 5],
    ]);
    expect(sent.legs).toMatchObject([{ kind: "send", step_key: "send", store_id: MAIN, status: "applied" }]);
    expect([await bookAt(p1.id, MAIN), await bookAt(p2.id, MAIN)]).toEqual([8, 3]);
    expect(await inTransit(p1.id)).toBe(12);

    const part = await expectJson<TransferOut>(
      receiveTransfer(officerEast.token, created.id, [{ product_id: p1.id, quantity: 7 }], "rcv-1"),
      200,
    );
    expect(part.status).toBe("sent");
    expect(part.lines.map((l) => [l.received, l.in_transit])).toEqual([
      [7, 5],
      [0, 5],
    ]);
    // The same receipt retried: the transfer as it is, nothing received twice.
    const again = await expectJson<TransferOut>(
      receiveTransfer(officerEast.token, created.id, [{ product_id: p1.id, quantity: 7 }], "rcv-1"),
      200,
    );
    expect(again.lines[0]).toMatchObject({ received: 7, in_transit: 5 });
    expect(again.version).toBe(part.version);
    // The key with other lines is a mistake, not a new receipt.
    const reused = await receiveTransfer(officerEast.token, created.id, [{ product_id: p1.id, quantity: 1 }], "rcv-1");
    expect(reused.status).toBe(422);
    expect(await bookAt(p1.id, EAST)).toBe(7);

    const done = await expectJson<TransferOut>(
      receiveTransfer(
        officerEast.token,
        created.id,
        [
          { product_id: p1.id, quantity: 5 },
          { product_id: p2.id, quantity: 5 },
        ],
        "rcv-2",
      ),
      200,
    );
    expect(done.status).toBe("received");
    expect(done.lines.every((l) => l.in_transit === 0 && l.received === l.sent)).toBe(true);
    expect(done.legs.map((l) => [l.kind, l.store_id, l.status])).toEqual([
      ["send", MAIN, "applied"],
      ["receive", EAST, "applied"],
      ["receive", EAST, "applied"],
    ]);
    expect([await bookAt(p1.id, EAST), await bookAt(p2.id, EAST)]).toEqual([12, 8]);
    expect([await chainTotal(p1.id, [MAIN, EAST]), await chainTotal(p2.id, [MAIN, EAST])]).toEqual(before);

    const out = await logsNaming(MAIN, created.transfer_number);
    expect(out.map((l) => [l.product_id, l.action, l.quantity_change])).toEqual([
      [p1.id, "transfer_out", -12],
      [p2.id, "transfer_out", -5],
    ]);
    expect(out[0]?.notes).toContain("EAST");
    const arrived = await logsNaming(EAST, created.transfer_number);
    expect(arrived.map((l) => [l.product_id, l.action, l.quantity_change])).toEqual([
      [p1.id, "transfer_in", 7],
      [p1.id, "transfer_in", 5],
      [p2.id, "transfer_in", 5],
    ]);
    expect(arrived[0]?.notes).toContain("MAIN");

    await settleBoth([p1.id, p2.id]);
    for (const [id, store, units] of [
      [p1.id, MAIN, 8],
      [p1.id, EAST, 12],
      [p2.id, MAIN, 3],
      [p2.id, EAST, 8],
    ] as const) {
      expect({ id, store, available: (await gateAt(store).view(id)).available }).toEqual({
        id,
        store,
        available: units,
      });
    }
    await expectNoDrift(expect);
  });

  it("answers a retried send and a retried cancel with the transfer as it is, moving stock once", async ({
    expect,
  }) => {
    const p = await product(10);
    const t = await draft(officerMain.token, MAIN, EAST, [{ product_id: p.id, quantity: 6 }]);
    const [first, second] = await Promise.all([
      sendTransfer(officerMain.token, t.id),
      sendTransfer(officerMain.token, t.id),
    ]);
    // Two sends at once: one sends; the other sees it taken (200) or still settling (409 TRANSFER_BUSY).
    const statuses = [first.status, second.status].sort();
    expect(statuses[0]).toBe(200);
    expect([200, 409]).toContain(statuses[1]);
    expect(await (await sendTransfer(officerMain.token, t.id)).json()).toMatchObject({ status: "sent" });
    expect(await bookAt(p.id, MAIN)).toBe(4);

    await expectJson(receiveTransfer(officerEast.token, t.id, [{ product_id: p.id, quantity: 2 }], "k1"), 200);
    const cancelled = await expectJson<TransferOut>(cancelTransfer(officerMain.token, t.id), 200);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.lines[0]).toMatchObject({ sent: 6, received: 2, returned: 4, in_transit: 0 });
    const retried = await expectJson<TransferOut>(cancelTransfer(officerMain.token, t.id), 200);
    expect(retried.version).toBe(cancelled.version);
    expect([await bookAt(p.id, MAIN), await bookAt(p.id, EAST)]).toEqual([8, 2]);
    expect((await logsNaming(MAIN, t.transfer_number)).map((l) => [l.action, l.quantity_change])).toEqual([
      ["transfer_out", -6],
      ["transfer_return", 4],
    ]);
    // After the cancel nothing more can arrive.
    const late = await receiveTransfer(officerEast.token, t.id, [{ product_id: p.id, quantity: 1 }], "k2");
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: "INVALID_STATE", status: "cancelled" });
    await settleBoth([p.id]);
    await expectNoDrift(expect);
  });

  it("cancels a draft without moving stock", async ({ expect }) => {
    const p = await product(5);
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 5 }]);
    const cancelled = await expectJson<TransferOut>(cancelTransfer(officerMain.token, t.id), 200);
    expect(cancelled).toMatchObject({ status: "cancelled", legs: [] });
    expect(await bookAt(p.id, MAIN)).toBe(5);
    const send = await sendTransfer(officerMain.token, t.id);
    expect(send.status).toBe(409);
    expect(await send.json()).toMatchObject({ code: "INVALID_STATE" });
  });
});

describe("refusals write nothing", () => {
  it("refuses to receive more than is in transit, naming the product and what is in transit", async ({ expect }) => {
    const p = await product(10);
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 4 }]);
    await expectJson(sendTransfer(admin.token, t.id), 200);
    await expectJson(receiveTransfer(admin.token, t.id, [{ product_id: p.id, quantity: 3 }], "a"), 200);
    const over = await receiveTransfer(admin.token, t.id, [{ product_id: p.id, quantity: 2 }], "b");
    expect(over.status).toBe(409);
    const body = (await over.json()) as { detail: string; in_transit: number };
    expect(body.detail).toContain(p.name);
    expect(body.detail).toContain("1 in transit");
    expect(body.in_transit).toBe(1);
    const now = await expectJson<TransferOut>(getTransfer(admin.token, t.id), 200);
    expect(now.lines[0]).toMatchObject({ received: 3, in_transit: 1 });
    expect(now.legs).toHaveLength(2);
    expect(await bookAt(p.id, EAST)).toBe(3);

    const other = await product(1);
    const offTransfer = await receiveTransfer(admin.token, t.id, [{ product_id: other.id, quantity: 1 }], "c");
    expect(offTransfer.status).toBe(422);
    expect(JSON.stringify(await offTransfer.json())).toContain("is not on transfer");
  });

  it("refuses a send the source cannot cover: 409 naming the product, still a draft, reservations released", async ({
    expect,
  }) => {
    const plenty = await product(10);
    const short = await product(2);
    const t = await draft(admin.token, MAIN, EAST, [
      { product_id: plenty.id, quantity: 5 },
      { product_id: short.id, quantity: 3 },
    ]);
    const res = await sendTransfer(admin.token, t.id);
    expect(res.status).toBe(409);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe("INSUFFICIENT_STOCK");
    expect(body.detail).toContain(short.name);
    const now = await expectJson<TransferOut>(getTransfer(admin.token, t.id), 200);
    expect(now).toMatchObject({ status: "draft", legs: [] });
    expect(now.lines.map((l) => l.sent)).toEqual([0, 0]);
    expect([await bookAt(plenty.id, MAIN), await bookAt(short.id, MAIN)]).toEqual([10, 2]);
    expect(await logsNaming(MAIN, t.transfer_number)).toEqual([]);
    await settleObject(plenty.id, MAIN);
    expect(await gateAt(MAIN).view(plenty.id)).toMatchObject({ available: 10, open_entries: 0 });
  });

  it("refuses steps out of order with 409", async ({ expect }) => {
    const p = await product(10);
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 2 }]);
    const early = await receiveTransfer(admin.token, t.id, [{ product_id: p.id, quantity: 1 }], "x");
    expect(early.status).toBe(409);
    expect(((await early.json()) as { detail: string }).detail).toContain("not sent yet");
    await expectJson(sendTransfer(admin.token, t.id), 200);
    await expectJson(receiveTransfer(admin.token, t.id, [{ product_id: p.id, quantity: 2 }], "y"), 200);
    const cancel = await cancelTransfer(admin.token, t.id);
    expect(cancel.status).toBe(409);
    expect(((await cancel.json()) as { detail: string }).detail).toContain("fully received");
    expect(await bookAt(p.id, MAIN)).toBe(8);
  });

  it("answers bad input with 422 and a detail, creating nothing", async ({ expect }) => {
    const p = await product(10);
    const inactive = await product(1);
    await expectJson(
      call("PUT", `/api/v1/products/${inactive.id}`, {
        token: admin.token,
        body: { is_active: false, version: inactive.version },
      }),
      200,
    );
    const count = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM transfers").first<{ n: number }>())?.n;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ from_store_id: MAIN, to_store_id: MAIN, lines: [{ product_id: p.id, quantity: 1 }] }, "another store"],
      [{ from_store_id: MAIN, to_store_id: 99, lines: [{ product_id: p.id, quantity: 1 }] }, "Store 99 does not exist"],
      [{ from_store_id: MAIN, to_store_id: EAST, lines: [] }, "lines"],
      [{ from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: p.id, quantity: 0 }] }, "quantity"],
      [{ from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: p.id, quantity: 1.5 }] }, "quantity"],
      [
        {
          from_store_id: MAIN,
          to_store_id: EAST,
          lines: [
            { product_id: p.id, quantity: 1 },
            { product_id: p.id, quantity: 2 },
          ],
        },
        "listed twice",
      ],
      [
        { from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: 987654, quantity: 1 }] },
        "987654 does not exist",
      ],
      [{ from_store_id: MAIN, to_store_id: EAST, lines: [{ product_id: inactive.id, quantity: 1 }] }, "inactive"],
      [
        {
          from_store_id: MAIN,
          to_store_id: EAST,
          lines: Array.from({ length: 101 }, (_, i) => ({ product_id: i + 1, quantity: 1 })),
        },
        "100",
      ],
    ];
    for (const [body, detail] of cases) {
      const res = await createTransfer(admin.token, body);
      const text = await res.text();
      expect({ body: JSON.stringify(body).slice(0, 80), status: res.status }).toEqual({
        body: JSON.stringify(body).slice(0, 80),
        status: 422,
      });
      expect(text).toContain(detail);
    }
    expect(await count()).toBe(before);
  });

  it("takes a 100-line transfer (one JSON parameter, not 200 bound values)", async ({ expect }) => {
    const products: ProductOut[] = [];
    for (let i = 0; i < 100; i++) products.push(await createProduct(admin.token, { stock_quantity: 2 }));
    const t = await draft(
      admin.token,
      MAIN,
      EAST,
      products.map((p) => ({ product_id: p.id, quantity: 1 })),
    );
    expect(t.lines).toHaveLength(100);
    const sent = await expectJson<TransferOut>(sendTransfer(admin.token, t.id), 200);
    expect(sent.lines.every((l) => l.in_transit === 1)).toBe(true);
    const received = await expectJson<TransferOut>(
      receiveTransfer(
        admin.token,
        t.id,
        products.map((p) => ({ product_id: p.id, quantity: 1 })),
        "all",
      ),
      200,
    );
    expect(received.status).toBe("received");
    expect(await bookAt(products[99]?.id ?? 0, EAST)).toBe(1);
  });
});

describe("roles per store", () => {
  it("lets the source's staff send and cancel and the destination's receive; others get 403 or 404", async ({
    expect,
  }) => {
    const p = await product(10);
    const lines = [{ product_id: p.id, quantity: 2 }];
    // A cashier may not move stock between stores; an officer of EAST may not draft from MAIN.
    expect((await createTransfer(cashier.token, { from_store_id: MAIN, to_store_id: EAST, lines })).status).toBe(403);
    expect((await createTransfer(officerEast.token, { from_store_id: MAIN, to_store_id: EAST, lines })).status).toBe(
      403,
    );
    const t = await draft(officerMain.token, MAIN, EAST, lines);
    // The destination's officer sees it but may not send it; a stranger store's manager does not see it.
    await expectJson(getTransfer(officerEast.token, t.id), 200);
    expect((await sendTransfer(officerEast.token, t.id)).status).toBe(403);
    expect((await getTransfer(managerWest.token, t.id)).status).toBe(404);
    expect((await sendTransfer(managerWest.token, t.id)).status).toBe(404);
    expect((await getTransfer(cashier.token, t.id)).status).toBe(404);
    await expectJson(sendTransfer(officerMain.token, t.id), 200);
    // The source's officer may not receive; the destination's may not cancel.
    expect((await receiveTransfer(officerMain.token, t.id, lines, "r")).status).toBe(403);
    expect((await cancelTransfer(officerEast.token, t.id)).status).toBe(403);
    await expectJson(receiveTransfer(officerEast.token, t.id, lines, "r"), 200);

    const westList = await expectJson<{ total: number }>(
      call("GET", "/api/v1/transfers", { token: managerWest.token }),
      200,
    );
    expect(westList.total).toBe(0);
    const eastList = await expectJson<{ data: { id: number }[] }>(
      call("GET", `/api/v1/transfers?product_id=${p.id}`, { token: officerEast.token }),
      200,
    );
    expect(eastList.data.map((row) => row.id)).toEqual([t.id]);
  });

  it("refuses steps at an inactive store to everyone but admins", async ({ expect }) => {
    const both = await userAtStores(admin.token, "officer_both", {
      role: "inventory_officer",
      homeStoreId: MAIN,
      storeRoles: [{ store_id: EAST, role: "inventory_officer" }],
    });
    const p = await product(5);
    const t = await draft(both.token, MAIN, EAST, [{ product_id: p.id, quantity: 2 }]);
    await expectJson(sendTransfer(both.token, t.id), 200);
    const setStatus = (status: string) =>
      expectJson(call("PUT", `/api/v1/stores/${EAST}`, { token: admin.token, body: { status } }), 200);
    await setStatus("inactive");
    try {
      const refused = await receiveTransfer(both.token, t.id, [{ product_id: p.id, quantity: 2 }], "in");
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { detail: string }).detail).toContain("EAST is inactive");
      expect(await bookAt(p.id, EAST)).toBe(0);
      await expectJson(receiveTransfer(admin.token, t.id, [{ product_id: p.id, quantity: 2 }], "in"), 200);
    } finally {
      await setStatus("active");
    }
    expect(await bookAt(p.id, EAST)).toBe(2);
  });

  it("lists with filters: status, ends, product", async ({ expect }) => {
    const p = await product(10, 10);
    const a = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 1 }]);
    const b = await draft(admin.token, EAST, MAIN, [{ product_id: p.id, quantity: 1 }]);
    await expectJson(sendTransfer(admin.token, b.id), 200);
    const list = (query: string) =>
      expectJson<{ total: number; data: (TransferOut & { units: { in_transit: number } })[] }>(
        call("GET", `/api/v1/transfers?product_id=${p.id}&${query}`, { token: admin.token }),
        200,
      );
    expect((await list("status=sent")).data.map((t) => t.id)).toEqual([b.id]);
    expect((await list(`from_store_id=${EAST}`)).data.map((t) => t.id)).toEqual([b.id]);
    expect((await list(`to_store_id=${EAST}`)).data.map((t) => t.id)).toEqual([a.id]);
    expect((await list(`store_id=${EAST}`)).data.map((t) => t.id)).toEqual([b.id, a.id]);
    const sentRow = (await list("status=sent")).data[0];
    expect(sentRow).toMatchObject({ from_store: { code: "EAST" }, line_count: 1, units: { in_transit: 1 } });
    expect((await call("GET", "/api/v1/transfers?status=lost", { token: admin.token })).status).toBe(422);
  });
});

describe("racing steps", () => {
  it("sells what arrived at the destination, and not at the source what left it", async ({ expect }) => {
    const p = await product(5);
    const sell = (storeId: number, quantity: number) =>
      call("POST", "/api/v1/orders", {
        token: admin.token,
        headers: { "X-Store-Id": String(storeId) },
        body: { order_items: [{ product_id: p.id, quantity }] },
      });
    const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 5 }]);
    await expectJson(sendTransfer(admin.token, t.id), 200);
    // In transit: neither end can sell it.
    const atSource = await sell(MAIN, 1);
    expect(atSource.status).toBe(409);
    expect(await atSource.json()).toMatchObject({ code: "INSUFFICIENT_STOCK" });
    expect((await sell(EAST, 1)).status).toBe(409);
    await expectJson(receiveTransfer(officerEast.token, t.id, [{ product_id: p.id, quantity: 5 }], "sell-after"), 200);
    // Arrived: the destination's objects sell exactly the five, once.
    await expectJson(sell(EAST, 5), 201);
    expect((await sell(EAST, 1)).status).toBe(409);
    expect(await bookAt(p.id, EAST)).toBe(0);
    expect(await bookAt(p.id, MAIN)).toBe(0);
    await settleBoth([p.id]);
    await expectNoDrift(expect);
  });

  it("a receipt racing a cancel: whichever wins, every unit is at one store or the other", async ({ expect }) => {
    for (let round = 0; round < 4; round++) {
      const p = await product(10);
      const t = await draft(admin.token, MAIN, EAST, [{ product_id: p.id, quantity: 6 }]);
      await expectJson(sendTransfer(admin.token, t.id), 200);
      const [receipt, cancel] = await Promise.all([
        receiveTransfer(officerEast.token, t.id, [{ product_id: p.id, quantity: 4 }], `race-${round}`),
        cancelTransfer(officerMain.token, t.id),
      ]);
      expect([200, 409]).toContain(receipt.status);
      expect([200, 409]).toContain(cancel.status);
      const now = await expectJson<TransferOut>(getTransfer(admin.token, t.id), 200);
      const line = now.lines[0];
      expect(line && line.received + line.returned <= line.sent).toBe(true);
      expect(await bookAt(p.id, MAIN)).toBe(4 + (line?.returned ?? 0));
      expect(await bookAt(p.id, EAST)).toBe(line?.received ?? 0);
      expect(await chainTotal(p.id, [MAIN, EAST])).toBe(10);
      await settleBoth([p.id]);
    }
    await expectNoDrift(expect);
  });
});
