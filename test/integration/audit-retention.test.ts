/**
 * Audit retention (jobs/audit-retention.ts) and its archive (audit/archive.ts):
 * events older than AUDIT_RETENTION_MONTHS (24 here) leave D1 for R2, one
 * object per database and UTC day in the backup's gzip NDJSON, hash-chained;
 * recent ones stay; a second run archives nothing twice; a run out of query
 * budget stops on a whole day and the next continues the chain; a changed
 * row and a missing day are found by verifyAuditArchive; a backup taken
 * after archiving restores the moved mark and the remaining events.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { auditArchiveKey, dayHash, GENESIS, verifyAuditArchive } from "../../src/audit/archive";
import { auditStatement } from "../../src/audit/record";
import { idBase } from "../../src/db/stores";
import { retentionCutoff, runAuditRetention } from "../../src/jobs/audit-retention";
import { CRON_BACKUP, CRON_JOBS } from "../../src/jobs/crons";
import { ndjsonRows, readManifest, restoreBackup } from "../../src/jobs/restore";
import { guardD1, guardEnv, inInvocation } from "../../src/lib/d1-guard";
import { MAIN_STORE, SECOND_STORE, storeDb } from "../helpers/stores";

const guarded = guardEnv(env);
/** The cron's time: the cutoff is 2024-11-30 (24 months before). */
const AT = new Date("2026-11-30T02:30:00.000Z");

type Place = "hq" | number;
const dbOf = (place: Place) => (place === "hq" ? env.DB : storeDb(place));

async function insertEvent(place: Place, at: string, action = "product.updated", entityId = 1) {
  const d1 = dbOf(place);
  await d1.batch([
    auditStatement(
      d1,
      {
        idBase: place === "hq" ? 0 : idBase(place),
        at,
        actor: {
          userId: 1,
          username: "admin",
          role: "admin",
          storeId: place === "hq" ? MAIN_STORE.id : place,
          clientAddress: null,
          requestId: `req-${at}`,
        },
      },
      { action, entityType: "product", entityId, before: { price: 1 }, after: { price: 2 } },
    ),
  ]);
}

const rowsOf = async (place: Place, where = "1") =>
  (await dbOf(place).prepare(`SELECT * FROM audit_events WHERE ${where} ORDER BY at, id`).all()).results;

const markOf = async (place: Place) =>
  (await dbOf(place)
    .prepare("SELECT archived_before AS archivedBefore, last_hash AS lastHash FROM audit_archive WHERE id = 1")
    .first<{ archivedBefore: string; lastHash: string }>()) as { archivedBefore: string; lastHash: string };

const keysOf = async (database: string) =>
  (await env.FILES.list({ prefix: `audit/${database}/` })).objects.map((o) => o.key).sort();

async function archivedRows(database: string, day: string) {
  const object = await env.FILES.get(auditArchiveKey(database, day));
  if (!object) throw new Error(`no archive for ${database} ${day}`);
  const rows = [];
  for await (const row of ndjsonRows(object.body)) rows.push(row);
  return { rows, meta: object.customMetadata ?? {} };
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzipText(object: R2ObjectBody): Promise<string> {
  return new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
}

const retain = (options?: Parameters<typeof runAuditRetention>[2]) =>
  inInvocation("audit retention", () => runAuditRetention(guarded, AT, options));

describe("audit retention", () => {
  it("finds the cutoff months back, on the month's last day when it is shorter", ({ expect }) => {
    expect(retentionCutoff(AT, 24)).toBe("2024-11-30");
    expect(retentionCutoff(new Date("2026-03-31T02:30:00.000Z"), 1)).toBe("2026-02-28");
    expect(retentionCutoff(new Date("2026-01-15T00:00:00.000Z"), 13)).toBe("2024-12-15");
  });

  it("moves old days to R2, one chained object per day, removes them from D1, keeps recent ones, and archives nothing twice", async ({
    expect,
  }) => {
    const old = [
      "2024-01-10T08:00:00.000Z",
      "2024-01-10T08:00:00.000Z",
      "2024-01-10T17:30:00.000Z",
      "2024-01-11T09:00:00.000Z",
      "2024-03-05T12:00:00.000Z",
      "2024-11-29T23:59:59.999Z",
    ];
    const kept = ["2024-11-30T00:00:00.000Z", "2026-11-29T10:00:00.000Z"];
    for (const at of [...old, ...kept]) await insertEvent("hq", at);
    await insertEvent(MAIN_STORE.id, "2024-02-01T10:00:00.000Z", "order.created", 4294967297);
    await insertEvent(MAIN_STORE.id, "2026-11-01T10:00:00.000Z", "order.created", 4294967298);
    const before = await rowsOf("hq", "at < '2024-11-30'");
    const storeBefore = await rowsOf(MAIN_STORE.id, "at < '2024-11-30'");

    const first = await retain();
    expect(first.cutoff).toBe("2024-11-30");
    expect(first.left_for_next_run).toBe(0);
    expect(first.databases).toEqual([
      {
        database: "head-office",
        days: ["2024-01-10", "2024-01-11", "2024-03-05", "2024-11-29"],
        rows: 6,
        archived_before: "2024-11-30",
        committed: true,
      },
      { database: "store-MAIN", days: ["2024-02-01"], rows: 1, archived_before: "2024-11-30", committed: true },
    ]);

    // Gone from D1 below the cutoff; the cutoff day itself and later stay.
    expect(await rowsOf("hq", "at < '2024-11-30'")).toEqual([]);
    expect((await rowsOf("hq")).map((r) => r.at)).toEqual(kept);
    expect((await rowsOf(MAIN_STORE.id)).map((r) => r.at)).toEqual(["2026-11-01T10:00:00.000Z"]);

    // In R2 as D1 held them, day by day, chained from genesis to the mark's tip.
    expect(await keysOf("head-office")).toEqual([
      "audit/head-office/2024-01-10.ndjson.gz",
      "audit/head-office/2024-01-11.ndjson.gz",
      "audit/head-office/2024-03-05.ndjson.gz",
      "audit/head-office/2024-11-29.ndjson.gz",
    ]);
    const day10 = await archivedRows("head-office", "2024-01-10");
    expect(day10.rows).toEqual(before.slice(0, 3));
    expect(day10.meta.previous_hash).toBe(GENESIS);
    const ndjson = new TextEncoder().encode(
      before
        .slice(0, 3)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(""),
    );
    expect(day10.meta.hash).toBe(dayHash(GENESIS, ndjson));
    expect((await archivedRows("head-office", "2024-01-11")).meta.previous_hash).toBe(day10.meta.hash);
    expect((await archivedRows("store-MAIN", "2024-02-01")).rows).toEqual(storeBefore);

    const mark = await markOf("hq");
    expect(mark.archivedBefore).toBe("2024-11-30");
    expect(await verifyAuditArchive(env.FILES, "head-office", mark)).toEqual({
      database: "head-office",
      days: 4,
      ok: true,
      lastHash: mark.lastHash,
    });
    expect((await verifyAuditArchive(env.FILES, "store-MAIN", await markOf(MAIN_STORE.id))).ok).toBe(true);

    // A second run finds nothing to archive: same objects, same mark, same rows.
    const etags = (await env.FILES.list({ prefix: "audit/" })).objects.map((o) => o.etag);
    const second = await retain();
    expect(second).toEqual({ cutoff: "2024-11-30", databases: [], left_for_next_run: 0 });
    expect((await env.FILES.list({ prefix: "audit/" })).objects.map((o) => o.etag)).toEqual(etags);
    expect(await markOf("hq")).toEqual(mark);
    expect((await rowsOf("hq")).map((r) => r.at)).toEqual(kept);

    // The triggers still refuse deleting what is above the mark.
    await expect(env.DB.prepare("DELETE FROM audit_events").run()).rejects.toThrow(/AUDIT_APPEND_ONLY/);

    // An event that turns up dated in a day already archived is neither archived again nor deleted.
    await insertEvent("hq", "2024-01-10T12:00:00.000Z", "product.late");
    expect((await retain()).databases).toEqual([]);
    expect((await rowsOf("hq", "action = 'product.late'")).length).toBe(1);
    expect((await verifyAuditArchive(env.FILES, "head-office", await markOf("hq"))).ok).toBe(true);
  });

  it("finds a changed row at its day, and a missing day where the chain breaks", async ({ expect }) => {
    const database = "head-office";
    const mark = await markOf("hq");
    const key = auditArchiveKey(database, "2024-01-11");
    const original = (await env.FILES.get(key)) as R2ObjectBody;
    const meta = original.customMetadata ?? {};
    const text = await gunzipText(original);
    const bytes = new Uint8Array((await (await env.FILES.get(key))?.arrayBuffer()) ?? new ArrayBuffer(0));

    // One row edited in R2 (its before price), the metadata left as it was.
    const edited = text.replace('{\\"price\\":1}', '{\\"price\\":5}');
    expect(edited).not.toBe(text);
    await env.FILES.put(key, await gzip(edited), { customMetadata: meta });
    const changed = await verifyAuditArchive(env.FILES, database, mark);
    expect(changed.ok).toBe(false);
    expect(changed.broken?.day).toBe("2024-01-11");
    expect(changed.broken?.reason).toMatch(/hash mismatch/);

    // Its hash recomputed to match the edit: the next day's link no longer holds.
    const rehashed = dayHash(meta.previous_hash as string, new TextEncoder().encode(edited));
    await env.FILES.put(key, await gzip(edited), { customMetadata: { ...meta, hash: rehashed } });
    const relinked = await verifyAuditArchive(env.FILES, database, mark);
    expect(relinked.broken?.day).toBe("2024-03-05");
    expect(relinked.broken?.reason).toMatch(/chain broken/);

    // The day taken out: the day after it no longer links.
    await env.FILES.delete(key);
    const missing = await verifyAuditArchive(env.FILES, database, mark);
    expect(missing).toMatchObject({ ok: false, broken: { day: "2024-03-05" } });
    expect(missing.broken?.reason).toMatch(/chain broken/);

    // Put back as it was: whole again. Then the last day taken out: short of the mark's tip.
    await env.FILES.put(key, bytes, { customMetadata: meta });
    expect((await verifyAuditArchive(env.FILES, database, mark)).ok).toBe(true);
    const lastKey = auditArchiveKey(database, "2024-11-29");
    const last = new Uint8Array(await ((await env.FILES.get(lastKey)) as R2ObjectBody).arrayBuffer());
    const lastMeta = (await env.FILES.head(lastKey))?.customMetadata ?? {};
    await env.FILES.delete(lastKey);
    const short = await verifyAuditArchive(env.FILES, database, mark);
    expect(short).toMatchObject({ ok: false, broken: { day: null } });
    expect(short.broken?.reason).toMatch(/a day is missing/);
    await env.FILES.put(lastKey, last, { customMetadata: lastMeta });
    expect((await verifyAuditArchive(env.FILES, database, mark)).ok).toBe(true);
  });

  it("stops on a whole day when the query budget runs out, and the next run continues the chain", async ({
    expect,
  }) => {
    const days = ["2023-05-01", "2023-05-02", "2023-05-03", "2023-05-04"];
    for (const day of days) {
      for (const hour of ["08", "09", "10"]) await insertEvent(SECOND_STORE.id, `${day}T${hour}:00:00.000Z`);
    }
    // One day object per run: the first day goes, the mark stops at the second.
    const one = await retain({ objectBudget: 1 });
    expect(one.databases).toEqual([
      { database: "store-EAST", days: ["2023-05-01"], rows: 3, archived_before: "2023-05-02", committed: true },
    ]);
    expect(one.left_for_next_run).toBe(1);
    // Then one row per read: budget 12 = the store list, a probe per database (3), then reads of one row.
    const runs = [one];
    for (let i = 0; i < 10; i += 1) {
      const run = await retain({ queryBudget: 12, pageRows: 1 });
      runs.push(run);
      if (run.left_for_next_run === 0) break;
    }
    const east = runs.flatMap((r) => r.databases.filter((d) => d.database === "store-EAST"));
    expect(east.length).toBeGreaterThan(1);
    expect(east.every((d) => d.committed)).toBe(true);
    // Each day archived once, in order, across the runs; every run but the last stopped on a day's start.
    expect(east.flatMap((d) => d.days)).toEqual(days);
    expect(east.slice(0, -1).every((d) => days.includes(d.archived_before))).toBe(true);
    expect(east.at(-1)?.archived_before).toBe("2024-11-30");
    expect(await rowsOf(SECOND_STORE.id)).toEqual([]);
    for (const day of days) expect((await archivedRows("store-EAST", day)).rows).toHaveLength(3);
    expect(await verifyAuditArchive(env.FILES, "store-EAST", await markOf(SECOND_STORE.id))).toMatchObject({
      ok: true,
      days: 4,
    });
  });

  it("runs from the nightly backup's cron and a backup restores the moved mark and the events left", async ({
    expect,
  }) => {
    const run = CRON_JOBS[CRON_BACKUP];
    if (!run) throw new Error("no nightly backup cron");
    const nightly = (await inInvocation("nightly backup", () =>
      run(guarded, Date.parse("2026-11-30T03:00:00.000Z")),
    )) as {
      id: string;
      created: boolean;
      audit_retention: unknown;
    };
    expect(nightly.created).toBe(true);
    expect(nightly.audit_retention).toEqual({ cutoff: "2024-11-30", databases: [], left_for_next_run: 0 });
    const manifest = await readManifest(env.FILES, nightly.id);
    expect(manifest.tables.map((t) => `${t.database}/${t.table}`)).toEqual(
      expect.arrayContaining(["head-office/audit_events", "head-office/audit_archive", "store-EAST/audit_archive"]),
    );
    await applyD1Migrations(env.RESTORE_DB, env.TEST_MIGRATIONS);
    await restoreBackup(env.FILES, manifest, { "head-office": guardD1(env.RESTORE_DB) }, { only: ["head-office"] });
    const restoredMark = await env.RESTORE_DB.prepare("SELECT * FROM audit_archive").all();
    expect(restoredMark.results).toEqual((await env.DB.prepare("SELECT * FROM audit_archive").all()).results);
    const restored = await env.RESTORE_DB.prepare("SELECT * FROM audit_events ORDER BY id").all();
    expect(restored.results).toEqual((await env.DB.prepare("SELECT * FROM audit_events ORDER BY id").all()).results);
    expect(restored.results.length).toBeGreaterThan(0);
    // Still append-only once restored, and the mark still only moves forward.
    await expect(env.RESTORE_DB.prepare("DELETE FROM audit_events").run()).rejects.toThrow(/AUDIT_APPEND_ONLY/);
    await expect(
      env.RESTORE_DB.prepare("UPDATE audit_archive SET archived_before = '2020-01-01' WHERE id = 1").run(),
    ).rejects.toThrow(/AUDIT_APPEND_ONLY/);
  });
});
