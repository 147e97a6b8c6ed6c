/**
 * The audit trail's writer (src/audit/record.ts) and its guarantees in the
 * database itself: one event in the batch of its change, none when the batch
 * fails or the guarded statement before changed nothing, ids in the store's
 * range, secrets redacted, and rows the database refuses to change or delete
 * until the retention job has archived them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type AuditPlace,
  auditInsert,
  auditStatement,
  changedFields,
  LAST_INSERTED,
  redact,
} from "../../src/audit/record";
import { dbFor } from "../../src/db/client";
import { STORE_ID_SPAN } from "../../src/db/schema";
import { MAIN_STORE, storeDb } from "../helpers/stores";

const actor = {
  userId: 7,
  username: "ann",
  role: "manager",
  storeId: 1,
  clientAddress: "203.0.113.9",
  requestId: "r-1",
};
const at = (idBase: number): AuditPlace => ({ idBase, actor, at: "2026-11-30T10:00:00.000Z" });

async function auditRows(d1: D1Database, action: string) {
  const { results } = await d1
    .prepare("SELECT * FROM audit_events WHERE action = ? ORDER BY id")
    .bind(action)
    .all<Record<string, unknown>>();
  return results;
}

describe("audit statements", () => {
  it("names the row inserted just before, in the store's id range", async () => {
    const d1 = storeDb(MAIN_STORE.id);
    const base = MAIN_STORE.id * STORE_ID_SPAN;
    await d1.batch([
      d1
        .prepare(
          "INSERT INTO cash_drawers (id, name, active, created_at, updated_at) VALUES ((SELECT COALESCE(MAX(id), ?1) + 1 FROM cash_drawers), ?2, 1, ?3, ?3)",
        )
        .bind(base, "Audit till", "2026-11-30T10:00:00.000Z"),
      auditStatement(d1, at(base), {
        action: "test.created",
        entityType: "cash_drawer",
        entityId: LAST_INSERTED,
        after: { name: "Audit till", password: "hunter2" },
      }),
    ]);
    const drawer = await d1.prepare("SELECT id FROM cash_drawers WHERE name = 'Audit till'").first<{ id: number }>();
    const [row] = await auditRows(d1, "test.created");
    expect(row?.entity_id).toBe(drawer?.id);
    expect(Number(row?.id)).toBeGreaterThan(base);
    expect(JSON.parse(String(row?.after))).toEqual({ name: "Audit till", password: "[redacted]" });
    expect(row).toMatchObject({
      actor_user_id: 7,
      actor_role: "manager",
      client_address: "203.0.113.9",
      request_id: "r-1",
    });
  });

  it("records nothing when the guarded statement before changed nothing, or when the batch fails", async () => {
    const d1 = env.DB;
    const guarded = [
      d1.prepare("UPDATE categories SET name = name WHERE id = -1"),
      auditStatement(d1, at(0), { action: "test.guarded", entityType: "category", entityId: -1, onlyIfChanged: true }),
    ];
    await d1.batch(guarded);
    expect(await auditRows(d1, "test.guarded")).toHaveLength(0);
    await expect(
      d1.batch([
        auditStatement(d1, at(0), { action: "test.failed", entityType: "category", entityId: 1 }),
        d1.prepare("INSERT INTO categories (id) VALUES ('refused')"),
      ]),
    ).rejects.toThrow();
    expect(await auditRows(d1, "test.failed")).toHaveLength(0);
  });

  it("is written the same way through Drizzle", async () => {
    const db = dbFor(env.DB);
    await db.batch([
      auditInsert(db, at(0), {
        action: "test.drizzle",
        entityType: "category",
        entityId: 3,
        before: { a: 1 },
        after: { a: 2 },
      }),
    ]);
    const [row] = await auditRows(env.DB, "test.drizzle");
    expect(row).toMatchObject({ entity_id: 3, before: '{"a":1}', after: '{"a":2}' });
    expect(Number(row?.id)).toBeLessThan(STORE_ID_SPAN);
  });

  it("is refused any update, and any delete before it is archived", async () => {
    for (const d1 of [env.DB, storeDb(MAIN_STORE.id)]) {
      await d1.batch([auditStatement(d1, at(0), { action: "test.kept", entityType: "category", entityId: 1 })]);
      await expect(d1.prepare("UPDATE audit_events SET reason = 'x' WHERE action = 'test.kept'").run()).rejects.toThrow(
        /AUDIT_APPEND_ONLY/,
      );
      await expect(d1.prepare("DELETE FROM audit_events WHERE action = 'test.kept'").run()).rejects.toThrow(
        /AUDIT_APPEND_ONLY/,
      );
      await expect(d1.prepare("UPDATE audit_archive SET archived_before = '0' WHERE id = 1").run()).rejects.toThrow(
        /AUDIT_APPEND_ONLY/,
      );
      expect(await auditRows(d1, "test.kept")).toHaveLength(1);
    }
  });
});

describe("changed fields and redaction", () => {
  it("keeps only what changed, and hides secrets", () => {
    expect(changedFields({ name: "A", price: 100, sku: "X" }, { name: "A", price: 120, sku: undefined })).toEqual({
      before: { price: 100 },
      after: { price: 120 },
    });
    expect(redact({ password_hash: "x", secret: "s", name: "n" })).toEqual({
      password_hash: "[redacted]",
      secret: "[redacted]",
      name: "n",
    });
  });
});
