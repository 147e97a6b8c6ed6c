/**
 * Migration 0013 makes customer email unique (case-insensitive, when present).
 * Run on a database that already holds duplicates, written before 0013 as an
 * older deployment could have them: the oldest customer keeps the address,
 * later ones lose it with a note that says where it went.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";

const db = env.RESTORE_DB;
const MIGRATION = "0013_customers_email_unique";

describe("migration 0013: unique customer email", () => {
  it("keeps the oldest customer's address, notes and clears later duplicates, then enforces the index", async ({
    expect,
  }) => {
    const index = env.TEST_MIGRATIONS.findIndex((m) => m.name.startsWith(MIGRATION));
    expect(index, "migration present").toBeGreaterThan(0);
    await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, index));

    const rows: [id: number, email: string | null, createdAt: string][] = [
      [1, "Ann@Shop.test", "2025-01-01T10:00:00.000Z"],
      [2, "ann@shop.test", "2025-02-01T10:00:00.000Z"],
      // Older than customer 1, though created with a higher id (an import): it keeps the address.
      [3, "ANN@SHOP.TEST", "2024-06-01T10:00:00.000Z"],
      // Same time: the lower id keeps it; stray spaces are trimmed first.
      [4, " bob@shop.test ", "2025-03-01T10:00:00.000Z"],
      [5, "bob@shop.test", "2025-03-01T10:00:00.000Z"],
      [6, "", "2025-03-02T10:00:00.000Z"],
      [7, "   ", "2025-03-02T10:00:00.000Z"],
      [8, null, "2025-03-03T10:00:00.000Z"],
      [9, "carl@shop.test", "2025-03-04T10:00:00.000Z"],
    ];
    await db.batch(
      rows.map(([id, email, at]) =>
        db
          .prepare(
            "INSERT INTO customers (id, first_name, last_name, email, version, created_at, updated_at) VALUES (?1, 'C', ?1, ?2, 3, ?3, ?3)",
          )
          .bind(id, email, at),
      ),
    );

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const after = (
      await db.prepare("SELECT id, email, notes, version, updated_at FROM customers ORDER BY id").all<{
        id: number;
        email: string | null;
        notes: string | null;
        version: number;
        updated_at: string;
      }>()
    ).results;
    const moved = (email: string, keeper: number) =>
      `Email ${email} removed by migration 0013: customer ${keeper} has it, and emails are unique.`;
    expect(after.map(({ id, email, notes, version }) => ({ id, email, notes, version }))).toEqual([
      { id: 1, email: null, notes: moved("Ann@Shop.test", 3), version: 4 },
      { id: 2, email: null, notes: moved("ann@shop.test", 3), version: 4 },
      { id: 3, email: "ANN@SHOP.TEST", notes: null, version: 3 },
      { id: 4, email: "bob@shop.test", notes: null, version: 4 },
      { id: 5, email: null, notes: moved("bob@shop.test", 4), version: 4 },
      { id: 6, email: null, notes: null, version: 4 },
      { id: 7, email: null, notes: null, version: 4 },
      { id: 8, email: null, notes: null, version: 3 },
      { id: 9, email: "carl@shop.test", notes: null, version: 3 },
    ]);
    // Changed rows say when; untouched ones keep their timestamp.
    for (const row of after) {
      if (row.version === 4) expect(row.updated_at > "2026-01-01", String(row.id)).toBe(true);
      else expect(row.updated_at < "2026-01-01", String(row.id)).toBe(true);
    }
    expect(
      await db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '\\_customer%' ESCAPE '\\'").all(),
    ).toMatchObject({ results: [] });

    // From now on the database itself refuses a second address, whatever its case; absent ones stay free.
    const insert = (email: string | null) =>
      db
        .prepare(
          "INSERT INTO customers (first_name, last_name, email, created_at, updated_at) VALUES ('N', 'N', ?1, 'now', 'now')",
        )
        .bind(email)
        .run();
    await expect(insert("Carl@Shop.Test")).rejects.toThrow(/UNIQUE constraint failed: index 'customers_email_unique'/);
    await insert(null);
    await insert(null);
  });
});
