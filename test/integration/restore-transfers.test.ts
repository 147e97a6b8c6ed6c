/**
 * Transfers survive a backup → restore round trip: two insert triggers that
 * guard live requests would refuse their history as backed up (a step needs
 * its transfer where the step starts, not where it ended; a store's move
 * needs a hold that has not expired), so the restore loads those rows around
 * them (src/jobs/restore.ts AROUND_TRIGGERS) and the result is row for row
 * the source.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { runBackup } from "../../src/jobs/backup";
import { readManifest, restoreBackup } from "../../src/jobs/restore";
import { guardD1, guardEnv } from "../../src/lib/d1-guard";
import { accounts } from "../helpers/accounts";
import { expectJson } from "../helpers/api";
import { createProduct } from "../helpers/catalog";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";
import { cancelTransfer, draft, receiveTransfer, sendTransfer, stockIn, type TransferOut } from "../helpers/transfers";

describe("restoring transfers", () => {
  it("reproduces transfers in every state, their steps and the stores' moves exactly", async ({ expect }) => {
    const { admin } = await accounts();
    const product = await createProduct(admin.token, { stock_quantity: 0 });
    await stockIn(admin.token, product.id, MAIN_STORE.id, 40);
    const lines = (quantity: number) => [{ product_id: product.id, quantity }];
    const send = async (quantity: number) => {
      const t = await draft(admin.token, MAIN_STORE.id, SECOND_STORE.id, lines(quantity));
      await expectJson(sendTransfer(admin.token, t.id), 200);
      return t.id;
    };
    await draft(admin.token, MAIN_STORE.id, SECOND_STORE.id, lines(1));
    await send(2);
    const partly = await send(5);
    await expectJson(receiveTransfer(admin.token, partly, lines(2)), 200);
    const whole = await send(3);
    await expectJson(receiveTransfer(admin.token, whole, lines(3)), 200);
    const cancelled = await send(4);
    await expectJson(receiveTransfer(admin.token, cancelled, lines(1)), 200);
    await expectJson<TransferOut>(cancelTransfer(admin.token, cancelled), 200);
    // A backup is restored long after its moves' holds expired.
    for (const id of [MAIN_STORE.id, SECOND_STORE.id])
      await storeDb(id).prepare("UPDATE transfer_moves SET expires_at = 1").run();

    const backup = await runBackup(guardEnv(env), new Date(Date.UTC(2026, 10, 21, 23, 0)));
    const manifest = await readManifest(env.FILES, backup.id);
    const rowsOf = (database: string, table: string) =>
      manifest.tables.find((t) => t.database === database && t.table === table)?.rows;
    expect([rowsOf("head-office", "transfers"), rowsOf("store-MAIN", "transfer_moves")]).toEqual([5, 5]);
    expect(rowsOf("store-EAST", "transfer_moves")).toBe(3);

    await applyD1Migrations(env.RESTORE_DB, env.TEST_MIGRATIONS);
    await applyD1Migrations(env.RESTORE_STORE_DB, env.TEST_STORE_MIGRATIONS);
    const targets = { "head-office": guardD1(env.RESTORE_DB), "store-EAST": guardD1(env.RESTORE_STORE_DB) };
    await restoreBackup(env.FILES, manifest, targets, { only: ["head-office", "store-EAST"] });

    const rows = async (db: D1Database, table: string) =>
      (await db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all()).results;
    const compared: [string, D1Database, D1Database][] = [
      ["head-office", env.RESTORE_DB, env.DB],
      ["store-EAST", env.RESTORE_STORE_DB, env.STORE_EAST],
    ];
    for (const [database, restored, source] of compared)
      for (const file of manifest.tables.filter((t) => t.database === database))
        expect(await rows(restored, file.table), `${database} ${file.table}`).toEqual(await rows(source, file.table));
    expect(
      (await env.RESTORE_DB.prepare("SELECT status FROM transfers ORDER BY id").all()).results.map((r) => r.status),
    ).toEqual(["draft", "sent", "sent", "received", "cancelled"]);
  });
});
