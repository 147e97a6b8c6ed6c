/**
 * Opens the same local D1 database that `wrangler dev` uses (its state lives
 * in .wrangler/state/v3), through Miniflare's API, so scripts can read and
 * write it without going through the Worker.
 */

import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";
import { Miniflare } from "miniflare";
import { guardD1 } from "../../src/lib/d1-guard";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const STATE_DIR = path.join(ROOT, ".wrangler/state/v3");

/** The database_id of the DB binding in wrangler.toml (local state is keyed by it). */
export function databaseId(): string {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const match = /\[\[d1_databases\]\][^[]*?database_id\s*=\s*"([^"]+)"/s.exec(toml);
  if (!match?.[1]) throw new Error("wrangler.toml has no [[d1_databases]] database_id");
  return match[1];
}

/**
 * Miniflare's D1, behind the guard that refuses what production D1 refuses
 * (src/lib/d1-guard.ts): the scripts share the services and jobs of the
 * Worker and must stay within the same limits (a restore or fill that passes
 * here also fits a remote database).
 */
async function guardedD1(mf: Miniflare): Promise<D1Database> {
  const db = await mf.getD1Database("DB");
  return guardD1(db as unknown as Parameters<typeof guardD1>[0]) as unknown as D1Database;
}

export interface LocalD1 {
  db: D1Database;
  dispose: () => Promise<void>;
}

export interface LocalBindings {
  db: D1Database;
  files: R2Bucket;
  dispose: () => Promise<void>;
}

/** The local D1 database and R2 bucket that `wrangler dev` uses. */
export async function openLocalBindings(stateDir = STATE_DIR): Promise<LocalBindings> {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const bucket = /\[\[r2_buckets\]\][^[]*?bucket_name\s*=\s*"([^"]+)"/s.exec(toml)?.[1] ?? "pos-files";
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: "2026-07-01",
    d1Databases: { DB: databaseId() },
    d1Persist: path.join(stateDir, "d1"),
    r2Buckets: { FILES: bucket },
    r2Persist: path.join(stateDir, "r2"),
  });
  const db = await guardedD1(mf);
  const files = (await mf.getR2Bucket("FILES")) as unknown as R2Bucket;
  return { db, files, dispose: () => mf.dispose() };
}

/** Opens the D1 database persisted under `stateDir` (default: wrangler dev's state). */
export async function openLocalD1(stateDir = STATE_DIR): Promise<LocalD1> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: "2026-07-01",
    d1Databases: { DB: databaseId() },
    d1Persist: path.join(stateDir, "d1"),
  });
  const db = await guardedD1(mf);
  return { db, dispose: () => mf.dispose() };
}

/** Runs statements in batches that respect D1's limits (100 bound parameters each). */
export async function runBatches(db: D1Database, statements: D1PreparedStatement[], size = 50) {
  for (let i = 0; i < statements.length; i += size) {
    await db.batch(statements.slice(i, i + size));
  }
}

/** Deletes every local binding's state (D1, Durable Objects, R2, queues). */
export function wipeLocalState() {
  rmSync(STATE_DIR, { recursive: true, force: true });
  console.log(`wiped ${STATE_DIR}`);
}

/**
 * Applies a migrations folder's *.sql in order (default the head office's) to
 * a database opened here (wrangler is used for the dev databases; this serves
 * throwaway ones such as the bench's).
 */
export async function applyMigrationsDirect(db: D1Database, folder = "migrations/head-office") {
  const { readdirSync } = await import("node:fs");
  const dir = path.join(ROOT, folder);
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT)",
    )
    .run();
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((row) => row.name),
  );
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort()) {
    if (done.has(file)) continue;
    const statements = readFileSync(path.join(dir, file), "utf8")
      .split("--> statement-breakpoint")
      .map((chunk) => chunk.trim())
      .filter((chunk) => chunk.replace(/--.*$/gm, "").trim().length > 0);
    for (const statement of statements) await db.prepare(statement).run();
    await db.prepare("INSERT INTO d1_migrations (name, applied_at) VALUES (?1, datetime('now'))").bind(file).run();
  }
}
