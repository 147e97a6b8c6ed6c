/**
 * The batch builder (src/db/batch.ts) against the real D1: handles read the
 * right statement's result wherever it sits, a named CHECK maps to its error,
 * a twin's key is a KeyCollision, and a refused batch writes nothing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Batch, returningRow, returningRows, statement } from "../../src/db/batch";
import { LAST_INSERTED } from "../../src/db/idempotency-keys";
import { decodeRow } from "../../src/db/rows";
import { categories, customers, outbox } from "../../src/db/schema";
import { ApiError } from "../../src/lib/errors";
import { KeyCollision } from "../../src/lib/idempotency";
import { MAIN_STORE, storeDb } from "../helpers/stores";

const NOW = "2026-11-30T10:00:00.000Z";

const insertCategory = (name: string) =>
  returningRow(
    categories,
    env.DB.prepare(
      "INSERT INTO categories (name, is_active, created_at, updated_at) VALUES (?1, 1, ?2, ?2) RETURNING *",
    ).bind(name, NOW),
  );

const idem = (key: string) => ({ userId: 1, key, method: "POST", path: "/x", requestHash: "h" });

describe("Batch", () => {
  it("hands each statement's decoded result to its own handle", async () => {
    const batch = new Batch(env.DB);
    const first = batch.add(insertCategory("batch-a"));
    const touched = batch.add(statement(env.DB.prepare("UPDATE categories SET updated_at = ?1 WHERE 0").bind(NOW)));
    const both = batch.addEach([
      returningRows(categories, env.DB.prepare("SELECT * FROM categories WHERE name = 'batch-a'")),
      returningRows(categories, env.DB.prepare("SELECT * FROM categories WHERE name = 'batch-b'")),
    ]);
    const second = batch.add(insertCategory("batch-b"));
    expect(() => first.value).toThrow(/before the batch committed/);
    await batch.commit();
    expect(first.value).toMatchObject({ name: "batch-a", isActive: true, createdAt: NOW });
    expect(second.value?.name).toBe("batch-b");
    expect(touched.value.meta.changes).toBe(0);
    // batch-b did not exist yet when the SELECTs ran: only batch-a is read.
    expect(both.value.map((c) => c.name)).toEqual(["batch-a"]);
  });

  it("maps a named CHECK to its error, and the refused batch writes nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM categories").first<{ n: number }>();
    const batch = new Batch(env.DB);
    batch.add(insertCategory("never-written"));
    batch.add(
      statement(
        env.DB.prepare(
          `INSERT INTO customers (first_name, last_name, loyalty_points, total_spent, is_active, version, created_at, updated_at)
           VALUES ('A', 'B', -1, 0, 1, 1, ?1, ?1)`,
        ).bind(NOW),
      ),
    );
    batch.refuseOn("some_other_check", () => new ApiError("CONFLICT", "wrong mapping"));
    batch.refuseOn("customers_points_non_negative", () => new ApiError("CONFLICT", "points would go negative"));
    await expect(batch.commit()).rejects.toMatchObject({ code: "CONFLICT", message: "points would go negative" });
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM categories").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("claims the key with the row just inserted, and a twin's batch is a KeyCollision", async () => {
    // Keys live in a store's database, with the effects they name.
    const store = storeDb(MAIN_STORE.id);
    const insertEvent = (eventId: string) =>
      returningRow(
        outbox,
        store
          .prepare("INSERT INTO outbox (event_id, type, payload, created_at) VALUES (?1, 'test', '{}', ?2) RETURNING *")
          .bind(eventId, NOW),
      );
    const winner = new Batch(store);
    const made = winner.add(insertEvent("keyed"));
    winner.claimKey(idem("batch-key"), { type: "event", ref: LAST_INSERTED }, NOW);
    await winner.commit();
    const key = await store.prepare("SELECT resource_ref FROM idempotency_keys WHERE key = 'batch-key'").first<{
      resource_ref: string;
    }>();
    expect(key?.resource_ref).toBe(String(made.value?.id));

    const twin = new Batch(store);
    twin.add(insertEvent("keyed-twin"));
    twin.claimKey(idem("batch-key"), { type: "event", ref: LAST_INSERTED }, NOW);
    twin.refuseOn(
      () => true,
      () => new ApiError("CONFLICT", "the key mapping comes first"),
    );
    await expect(twin.commit()).rejects.toBeInstanceOf(KeyCollision);
    const twins = await store.prepare("SELECT COUNT(*) AS n FROM outbox WHERE event_id = 'keyed-twin'").first<{
      n: number;
    }>();
    expect(twins?.n).toBe(0);
  });

  it("names its guards, and a guard that fires refuses the whole batch", async () => {
    const batch = new Batch(env.DB);
    batch.add(insertCategory("guarded"));
    // The same failure a guard produces: a CHECK that the state no longer satisfies.
    batch.guard(
      "points never negative",
      env.DB.prepare(
        `INSERT INTO customers (first_name, last_name, loyalty_points, total_spent, is_active, version, created_at, updated_at)
         VALUES ('G', 'G', -5, 0, 1, 1, ?1, ?1)`,
      ).bind(NOW),
    );
    expect(batch.guards).toEqual(["points never negative"]);
    await expect(batch.commit()).rejects.toThrow(/CHECK constraint failed/);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM categories WHERE name = 'guarded'").first<{
      n: number;
    }>();
    expect(rows?.n).toBe(0);
  });
});

describe("decodeRow", () => {
  it("gives a raw row the schema's field names and types, and keeps computed columns", () => {
    const row = decodeRow<typeof customers, { id: number; isActive: boolean; firstName: string; n: number }>(
      customers,
      { id: 3, is_active: 0, first_name: "Ann", n: 7 },
    );
    expect(row).toEqual({ id: 3, isActive: false, firstName: "Ann", n: 7 });
  });
});
