/**
 * Every local D1 database of the chain (README "Stores"), as `wrangler dev`
 * keeps them: the head office (`DB`) and each `STORE_<CODE>` binding that
 * wrangler.toml declares, opened through Miniflare behind the D1 limits
 * guard, with the local R2 bucket. For the scripts that visit every database
 * (backup, restore).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";
import { idBase } from "../../src/db/stores";
import { guardD1 } from "../../src/lib/d1-guard";
import { ROOT, STATE_DIR } from "./local-d1";
import { wrangler } from "./wrangler";

/** A [[d1_databases]] entry of wrangler.toml. */
export interface D1Entry {
  binding: string;
  databaseName: string;
  databaseId: string;
  migrationsDir: string;
}

export function d1Entries(): D1Entry[] {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  return toml
    .split(/^\[\[d1_databases\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0] ?? "")
    .map((block) => {
      const field = (name: string) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(block)?.[1] ?? "";
      return {
        binding: field("binding"),
        databaseName: field("database_name"),
        databaseId: field("database_id"),
        migrationsDir: field("migrations_dir"),
      };
    })
    .filter((entry) => entry.binding && entry.databaseId);
}

export interface LocalChain {
  /** Each binding's guarded database. */
  databases: Record<string, D1Database>;
  files: R2Bucket;
  dispose: () => Promise<void>;
}

/** `entries`: the databases to open (default wrangler.toml's; the chain bench passes its own twenty stores). */
export async function openLocalChain(stateDir = STATE_DIR, entries: D1Entry[] = d1Entries()): Promise<LocalChain> {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const bucket = /\[\[r2_buckets\]\][^[]*?bucket_name\s*=\s*"([^"]+)"/s.exec(toml)?.[1] ?? "pos-files";
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: "2026-07-01",
    d1Databases: Object.fromEntries(entries.map((e) => [e.binding, e.databaseId])),
    d1Persist: path.join(stateDir, "d1"),
    r2Buckets: { FILES: bucket },
    r2Persist: path.join(stateDir, "r2"),
  });
  const databases: Record<string, D1Database> = {};
  for (const entry of entries) {
    const db = await mf.getD1Database(entry.binding);
    databases[entry.binding] = guardD1(db as unknown as Parameters<typeof guardD1>[0]) as unknown as D1Database;
  }
  const files = (await mf.getR2Bucket("FILES")) as unknown as R2Bucket;
  return { databases, files, dispose: () => mf.dispose() };
}

/** Applies each binding's migrations (its kind's folder) to its local database. */
export async function applyLocalChainMigrations() {
  for (const { binding } of d1Entries()) {
    const code = await wrangler(["d1", "migrations", "apply", binding, "--local"]);
    if (code !== 0) throw new Error(`wrangler d1 migrations apply ${binding} exited with ${code}`);
  }
}

/** The head office and one store's database (by binding) of an open chain, with the store's id base. */
export async function chainStore(
  chain: LocalChain,
  binding: string,
): Promise<{ hq: D1Database; store: { d1: D1Database; idBase: number } }> {
  const hq = chain.databases.DB;
  const row = await hq?.prepare("SELECT id FROM stores WHERE binding = ?1").bind(binding).first<{ id: number }>();
  const d1 = chain.databases[binding];
  if (!hq || !row || !d1) throw new Error(`no local database or stores row for ${binding}`);
  return { hq, store: { d1, idBase: idBase(row.id) } };
}
