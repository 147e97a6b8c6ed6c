/**
 * `npm run audit:verify`: checks the audit trail's archive in the local R2
 * bucket (README "Audit trail") for every local database of the chain, the
 * head office and each store: walks each database's archived days in order
 * (audit/<database>/<day>.ndjson.gz), recomputes each day's hash and its
 * link to the day before, and checks the walk ends on the hash the
 * database's archive mark holds. Prints one line per database and exits 1
 * when a day does not match (naming the first such day and why).
 */
import { verifyAuditArchive } from "../src/audit/archive";
import { HEAD_OFFICE, storeDatabaseName } from "../src/jobs/backup";
import { openLocalChain } from "./lib/local-chain";

const { databases, files, dispose } = await openLocalChain();
let broken = 0;
try {
  const hq = databases.DB;
  if (!hq) throw new Error("wrangler.toml declares no DB binding");
  const { results: stores } = await hq
    .prepare("SELECT code, binding FROM stores ORDER BY id")
    .all<{ code: string; binding: string }>()
    .catch((error: unknown) => {
      throw new Error("The local head office has no stores table: run `npm run db:migrate:local` first", {
        cause: error,
      });
    });
  const chain: [string, D1Database | undefined][] = [
    [HEAD_OFFICE, hq],
    ...stores.map((s): [string, D1Database | undefined] => [storeDatabaseName(s.code), databases[s.binding]]),
  ];
  for (const [name, d1] of chain) {
    if (!d1) {
      console.log(`${name}: no local binding (declared in wrangler.toml?), skipped`);
      continue;
    }
    const mark = await d1
      .prepare("SELECT archived_before AS archivedBefore, last_hash AS lastHash FROM audit_archive WHERE id = 1")
      .first<{ archivedBefore: string; lastHash: string }>();
    if (!mark) throw new Error(`${name} has no audit_archive mark: are its migrations applied?`);
    const result = await verifyAuditArchive(files, name, mark);
    if (result.ok) {
      console.log(`${name}: ok, ${result.days} archived day(s), events before ${mark.archivedBefore} in R2`);
    } else {
      broken += 1;
      console.log(`${name}: BROKEN at ${result.broken?.day ?? "the end of the chain"}: ${result.broken?.reason}`);
    }
  }
} finally {
  await dispose();
}
process.exit(broken ? 1 : 0);
