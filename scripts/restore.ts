/**
 * `npm run restore [-- --id <backup id>] [--list] [--sql DIR]`
 *
 * Restores a backup from the local R2 bucket into the local databases (the
 * ones `wrangler dev` uses): every database of the backup (the head office
 * and each store) into the local binding it was backed up from. The
 * checksums of every file are verified first, and every binding must be
 * declared in wrangler.toml (`npm run store:add` for a store that is not);
 * then the local databases are recreated from their migrations and the rows
 * loaded. With --sql DIR it writes one file of INSERT statements per
 * database instead, and prints the wrangler command that loads each into
 * its remote database.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { insertRowSql } from "../src/db/backups";
import { listBackups } from "../src/jobs/backup";
import {
  backupDatabases,
  inLoadOrder,
  inlineSql,
  ndjsonRows,
  RESET_AFTER,
  readManifest,
  restoreBackup,
  rowLoad,
  SEEDED_BY_MIGRATIONS,
  TRIGGER_WRITTEN,
  verifyBackup,
} from "../src/jobs/restore";
import { D1_LIMITS } from "../src/lib/d1-guard";
import { applyLocalChainMigrations, d1Entries, openLocalChain } from "./lib/local-chain";
import { STATE_DIR } from "./lib/local-d1";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

let local = await openLocalChain();
try {
  const backups = await listBackups(local.files);
  if (process.argv.includes("--list") || backups.length === 0) {
    console.log(
      backups.length
        ? backups
            .map(
              (b) =>
                `${b.id}  ${b.tables.reduce((n, t) => n + t.rows, 0)} rows  ${(b.databases ?? []).map((d) => d.name).join(", ") || "(one database, from before stores)"}`,
            )
            .join("\n")
        : "no backups in the local R2 bucket (run npm run backup)",
    );
    process.exit(0);
  }
  const id = arg("--id") ?? backups[0]?.id ?? "";
  const manifest = await readManifest(local.files, id);
  const databases = backupDatabases(manifest);
  process.stdout.write(`verifying ${manifest.tables.length} files of backup ${id}... `);
  await verifyBackup(local.files, manifest);
  console.log("checksums match");

  const sqlDir = arg("--sql");
  if (sqlDir) {
    // Rows as INSERTs for remote databases that have their migrations applied and are
    // empty, parents before children (D1 enforces the foreign keys).
    mkdirSync(sqlDir, { recursive: true });
    const commands: string[] = [];
    for (const db of databases) {
      const lines: string[] = [];
      for (const file of inLoadOrder(manifest.tables.filter((t) => t.database === db.name))) {
        const object = await local.files.get(file.key);
        if (!object) throw new Error(`missing ${file.key}`);
        let rows = 0;
        // As restoreBackup does: the rows the load's own triggers wrote make way for the backup's.
        if (TRIGGER_WRITTEN.has(file.table)) lines.push(`DELETE FROM "${file.table}";`);
        for await (const backedUp of ndjsonRows(object.body as unknown as ReadableStream<Uint8Array>)) {
          rows += 1;
          const { before, row, after } = rowLoad(file.table, backedUp);
          const statement = insertRowSql(file.table, row, SEEDED_BY_MIGRATIONS.has(file.table));
          // D1 refuses a statement over 100,000 bytes; say which row, rather than fail halfway through the load.
          const bytes = Buffer.byteLength(statement);
          if (bytes > D1_LIMITS.statementBytes)
            throw new Error(
              `${db.name} ${file.table} row ${rows}: its INSERT is ${bytes} bytes, over D1's ${D1_LIMITS.statementBytes}; restore it locally instead`,
            );
          lines.push(...before.map(inlineSql), statement, ...after.map(inlineSql));
        }
        if (rows !== file.rows)
          throw new Error(`${db.name} ${file.table}: ${rows} rows, the manifest says ${file.rows}`);
        // Rows an earlier statement changed to get past a trigger go back as backed up.
        const reset = RESET_AFTER[file.table];
        const changed = reset && manifest.tables.find((t) => t.database === db.name && t.table === reset.table);
        const again = changed && (await local.files.get(changed.key));
        if (reset && again)
          for await (const row of ndjsonRows(again.body as unknown as ReadableStream<Uint8Array>))
            lines.push(inlineSql(reset.reset(row)));
      }
      const file = path.resolve(sqlDir, `${db.name}.sql`);
      writeFileSync(file, `${lines.join("\n")}\n`);
      console.log(`wrote ${lines.length} statements for ${db.name} to ${file}`);
      const name = db.database_name ?? d1Entries().find((e) => e.binding === db.binding)?.databaseName ?? db.binding;
      commands.push(`  npx wrangler d1 execute ${name} --remote --file ${file}`);
    }
    console.log(
      `load them into the remote databases (each migrated and empty, e.g. after npm run db:migrate:remote):\n${commands.join("\n")}`,
    );
  } else {
    // Every database of the backup needs its binding here, checked before anything is wiped.
    const declared = new Set(d1Entries().map((e) => e.binding));
    const undeclared = databases.filter((db) => !declared.has(db.binding));
    if (undeclared.length)
      throw new Error(
        `wrangler.toml declares no binding for ${undeclared.map((db) => `${db.name} (${db.binding})`).join(", ")}: add the store first (npm run store:add)`,
      );
    // Fresh local databases: drop their state, re-apply the migrations, load the rows.
    // The product stock objects go too: their counts belong to the data being replaced,
    // and they reload from the restored stock levels on first use.
    await local.dispose();
    rmSync(path.join(STATE_DIR, "d1"), { recursive: true, force: true });
    rmSync(path.join(STATE_DIR, "do"), { recursive: true, force: true });
    await applyLocalChainMigrations();
    local = await openLocalChain();
    const targets = Object.fromEntries(databases.map((db) => [db.name, local.databases[db.binding]]));
    const loaded = await restoreBackup(local.files, manifest, targets, {
      onTable: (database, table, rows) => console.log(`  ${database.padEnd(16)} ${table.padEnd(20)} ${rows} rows`),
    });
    const mismatched = manifest.tables.filter((t) => loaded[t.database]?.[t.table] !== t.rows);
    if (mismatched.length)
      throw new Error(`row counts differ: ${mismatched.map((t) => `${t.database} ${t.table}`).join(", ")}`);
    console.log(
      `restored backup ${id} (${databases.map((d) => d.name).join(", ")}); product stock objects reload from the restored stock levels on first use`,
    );
  }
} finally {
  await local.dispose().catch(() => undefined);
}
