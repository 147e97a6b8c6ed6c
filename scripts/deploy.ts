/**
 * `npm run deploy`: checks the production configuration, then deploys.
 *
 *   npm run deploy                                 check, then wrangler deploy
 *   npm run deploy -- --secrets-file .prod.vars    check those values too, upload them
 *                                                  (wrangler secret bulk), then deploy
 *   npm run deploy -- --check                      check only, deploy nothing
 *
 * Refused: a setting the Worker would refuse, a missing secret, a secret left
 * at its .dev.vars.example value, a localhost PUBLIC_BASE_URL or CORS origin,
 * the placeholder database_id. Without --secrets-file the secrets' names come
 * from `wrangler secret list` (values cannot be read back, so only the file
 * form checks them).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseDotenv, productionConfigProblems } from "../src/lib/production-config";
import { ROOT } from "./lib/local-d1";
import { wrangler } from "./lib/wrangler";
import { readWranglerBasics } from "./lib/wrangler-config";

const { values: args } = parseArgs({
  options: { "secrets-file": { type: "string" }, check: { type: "boolean", default: false } },
});

const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const databaseIds = [...toml.matchAll(/^database_id\s*=\s*"([^"]+)"/gm)].map((m) => m[1] ?? "");
const devSecrets = parseDotenv(readFileSync(path.join(ROOT, ".dev.vars.example"), "utf8"));

function secretNamesFromCloudflare(): string[] {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "secret", "list", "--format", "json"],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  if (result.status !== 0) {
    console.error(result.stderr || result.stdout);
    console.error(
      "Could not list the Worker's secrets (wrangler login?). Pass --secrets-file to check a file instead.",
    );
    process.exit(1);
  }
  return (JSON.parse(result.stdout) as { name: string }[]).map((s) => s.name);
}

const secretValues = args["secrets-file"] ? parseDotenv(readFileSync(args["secrets-file"], "utf8")) : undefined;
const problems = productionConfigProblems({
  vars: readWranglerBasics().vars,
  secretNames: secretValues ? Object.keys(secretValues) : secretNamesFromCloudflare(),
  ...(secretValues ? { secretValues } : {}),
  devSecrets,
  databaseIds,
});

if (problems.length) {
  console.error("Refusing to deploy:");
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log("production configuration: ok");
if (args.check) process.exit(0);

if (args["secrets-file"]) {
  const code = await wrangler(["secret", "bulk", args["secrets-file"]]);
  if (code !== 0) process.exit(code);
}
process.exit(await wrangler(["deploy"]));
