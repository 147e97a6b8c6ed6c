/**
 * `npm run restore [-- --id <backup id>] [--list] [--sql FILE]`
 *
 * Restores a backup from the local R2 bucket into the local database (the one
 * `wrangler dev` uses): the checksums of every file are verified first, then
 * the local database is recreated from the migrations and the rows loaded.
 * With --sql FILE it writes INSERT statements instead and prints the
 * wrangler command that loads them into the remote database.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { insertRowSql } from "../src/db/backups";
import { listBackups } from "../src/jobs/backup";
import { inLoadOrder, ndjsonRows, readManifest, restoreBackup, verifyBackup } from "../src/jobs/restore";
import { D1_LIMITS } from "../src/lib/d1-guard";
import { openLocalBindings, STATE_DIR } from "./lib/local-d1";
import { applyLocalMigrations } from "./lib/wrangler";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

let local = await openLocalBindings();
try {
  const backups = await listBackups(local.files);
  if (process.argv.includes("--list") || backups.length === 0) {
    console.log(
      backups.length
        ? backups
            .map((b) => `${b.id}  ${b.tables.reduce((n, t) => n + t.rows, 0)} rows  (${b.schema_version})`)
            .join("\n")
        : "no backups in the local R2 bucket (run npm run backup)",
    );
    process.exit(0);
  }
  const id = arg("--id") ?? backups[0]?.id ?? "";
  const manifest = await readManifest(local.files, id);
  process.stdout.write(`verifying ${manifest.tables.length} files of backup ${id}... `);
  await verifyBackup(local.files, manifest);
  console.log("checksums match");

  const sqlFile = arg("--sql");
  if (sqlFile) {
    // Rows as INSERTs for a remote database that has the migrations applied and is
    // empty, parents before children (D1 enforces the foreign keys).
    const lines: string[] = [];
    for (const file of inLoadOrder(manifest.tables)) {
      const object = await local.files.get(file.key);
      if (!object) throw new Error(`missing ${file.key}`);
      let rows = 0;
      for await (const row of ndjsonRows(object.body as unknown as ReadableStream<Uint8Array>)) {
        rows += 1;
        const statement = insertRowSql(file.table, row);
        // D1 refuses a statement over 100,000 bytes; say which row, rather than fail halfway through the load.
        const bytes = Buffer.byteLength(statement);
        if (bytes > D1_LIMITS.statementBytes)
          throw new Error(
            `${file.table} row ${rows}: its INSERT is ${bytes} bytes, over D1's ${D1_LIMITS.statementBytes}; restore it locally instead`,
          );
        lines.push(statement);
      }
      if (rows !== file.rows) throw new Error(`${file.table}: ${rows} rows, the manifest says ${file.rows}`);
    }
    writeFileSync(sqlFile, `${lines.join("\n")}\n`);
    console.log(
      `wrote ${lines.length} INSERTs to ${sqlFile}\nload them into the remote database (after npm run db:migrate:remote on an empty one):\n  npx wrangler d1 execute pos-db --remote --file ${path.resolve(sqlFile)}`,
    );
  } else {
    // A fresh local database: drop its state, re-apply the migrations, load the rows.
    // The product stock objects go too: their counts belong to the data being replaced,
    // and they reload from the restored book on first use.
    await local.dispose();
    rmSync(path.join(STATE_DIR, "d1"), { recursive: true, force: true });
    rmSync(path.join(STATE_DIR, "do"), { recursive: true, force: true });
    await applyLocalMigrations();
    local = await openLocalBindings();
    const loaded = await restoreBackup(local.files, local.db, manifest, (table, rows) =>
      console.log(`  ${table.padEnd(20)} ${rows} rows`),
    );
    const expected = Object.fromEntries(manifest.tables.map((t) => [t.table, t.rows]));
    const mismatched = Object.entries(expected).filter(([table, rows]) => loaded[table] !== rows);
    if (mismatched.length) throw new Error(`row counts differ: ${JSON.stringify(mismatched)}`);
    console.log(`restored backup ${id}; product stock objects reload from the restored book on first use`);
  }
} finally {
  await local.dispose().catch(() => undefined);
}
