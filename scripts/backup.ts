/**
 * `npm run backup [-- --out DIR]`: runs the same backup job as the nightly
 * cron against the local databases (the head office and every store
 * wrangler.toml declares), into the local R2 bucket; with --out, also copies
 * the backup's files (manifest and gzip NDJSON, one folder per database) into
 * a folder.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type BackupManifest, runBackup } from "../src/jobs/backup";
import { inInvocation } from "../src/lib/d1-guard";
import { openLocalChain } from "./lib/local-chain";
import { localWorkerVars } from "./lib/wrangler-config";

const outIndex = process.argv.indexOf("--out");
const out = outIndex >= 0 ? process.argv[outIndex + 1] : undefined;
const { databases, files, dispose } = await openLocalChain();
try {
  const started = Date.now();
  const vars = localWorkerVars();
  const env = {
    ...vars,
    ...databases,
    FILES: files,
    // The job names every store's scope, whose stock gate is keyed by this namespace; a backup never
    // reaches a stock object (it reads the databases), so a stand-in object is enough.
    PRODUCT_STOCK: {},
    BACKUP_RETENTION_DAYS: process.env.BACKUP_RETENTION_DAYS ?? vars.BACKUP_RETENTION_DAYS ?? "14",
  } as unknown as Parameters<typeof runBackup>[0];
  // Counted as one invocation, as the cron is: D1's 1,000-query limit is checked here too.
  const result = await inInvocation("npm run backup", () => runBackup(env, new Date()));
  const manifest = result.manifest as BackupManifest | undefined;
  console.log(
    result.created
      ? `backup ${result.id} written in ${((Date.now() - started) / 1000).toFixed(1)} s`
      : `backup ${result.id} already exists`,
  );
  for (const db of manifest?.databases ?? []) {
    console.log(`${db.name} (${db.binding}, ${db.schema_version ?? "no migrations table"})`);
    for (const table of manifest?.tables.filter((t) => t.database === db.name) ?? [])
      console.log(`  ${table.table.padEnd(20)} ${String(table.rows).padStart(9)} rows  ${table.bytes} bytes`);
  }
  if (out && manifest) {
    const dir = path.resolve(out, manifest.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
    for (const table of manifest.tables) {
      const object = await files.get(table.key);
      if (!object) continue;
      mkdirSync(path.join(dir, table.database), { recursive: true });
      writeFileSync(
        path.join(dir, table.database, `${table.table}.ndjson.gz`),
        new Uint8Array(await object.arrayBuffer()),
      );
    }
    console.log(`copied to ${dir}`);
  }
} finally {
  await dispose();
}
