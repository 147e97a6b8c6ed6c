/**
 * `npm run store:add -- --code WEST --name "West End Shop" --timezone Europe/London
 *    [--currency GBP] [--address "12 High Street|Westville 11111"] [--phone "+44 20 0000"]
 *    [--location weur|eeur|apac|oc|wnam|enam] [--remote [--yes]]`
 *
 * Adds a store to the chain (README "Stores"): the API cannot create D1
 * databases, so this does what only wrangler can.
 * 1. with --remote: prints `wrangler d1 create pos-store-<code> --location <hint>`
 *    (runs it with --yes), and asks for the printed database_id in wrangler.toml
 * 2. appends the store's [[d1_databases]] block to wrangler.toml (binding
 *    STORE_<CODE>, database_name pos-store-<code>, migrations_dir migrations/store)
 * 3. applies the store migrations to its local database
 * 4. inserts the store's row in the local head office
 * Remote: deploy (the Worker gets the binding), `npm run db:migrate:remote`,
 * then create the row with `POST /api/v1/stores` as an admin.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isValidTimeZone } from "../src/domain/time-zone";
import { d1Entries, openLocalChain } from "./lib/local-chain";
import { ROOT } from "./lib/local-d1";
import { applyMigrations, wrangler } from "./lib/wrangler";

const LOCATIONS = ["weur", "eeur", "apac", "oc", "wnam", "enam"] as const;

const { values: args } = parseArgs({
  options: {
    code: { type: "string" },
    name: { type: "string" },
    timezone: { type: "string" },
    currency: { type: "string", default: "USD" },
    address: { type: "string" },
    phone: { type: "string" },
    location: { type: "string" },
    remote: { type: "boolean", default: false },
    yes: { type: "boolean", default: false },
  },
});

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const code = args.code?.trim().toUpperCase() || fail("--code is required (1 to 12 letters or digits, e.g. WEST)");
if (!/^[A-Z0-9]{1,12}$/.test(code)) fail("--code: 1 to 12 letters or digits");
const name = args.name?.trim() || fail("--name is required");
const timeZone = args.timezone?.trim() || fail("--timezone is required (IANA, e.g. Europe/Berlin)");
if (!isValidTimeZone(timeZone)) fail(`--timezone: unknown time zone '${timeZone}'`);
const currency = args.currency.trim().toUpperCase();
if (!/^[A-Z]{3}$/.test(currency)) fail("--currency: an ISO 4217 code such as EUR");
const addressLines = (args.address ?? "")
  .split("|")
  .map((line) => line.trim())
  .filter(Boolean);
const phone = args.phone?.trim() || null;
const location = args.location?.trim();
if (location && !(LOCATIONS as readonly string[]).includes(location)) {
  fail(`--location: one of ${LOCATIONS.join(", ")}`);
}

const binding = `STORE_${code}`;
const databaseName = `pos-store-${code.toLowerCase()}`;
if (d1Entries().some((entry) => entry.binding === binding)) {
  fail(`wrangler.toml already has ${binding}; pick another code`);
}

// Local runs key a database's state by its id; a remote one gets its real id pasted over this.
const databaseId = randomUUID();
if (args.remote) {
  const create = ["d1", "create", databaseName, ...(location ? ["--location", location] : [])];
  console.log(`remote database: wrangler ${create.join(" ")}`);
  if (args.yes) {
    const status = await wrangler(create);
    if (status !== 0) fail(`wrangler d1 create exited with ${status}`);
    console.log(`\nPaste the database_id wrangler printed above into the ${binding} block of wrangler.toml.`);
  } else {
    console.log("Run it (or rerun this with --yes), then paste the database_id it prints into wrangler.toml.");
  }
}

const toml = path.join(ROOT, "wrangler.toml");
const block = `
[[d1_databases]]
binding = "${binding}"
database_name = "${databaseName}"
${args.remote ? `# Replace with the id printed by \`wrangler d1 create ${databaseName}\`.\n` : ""}database_id = "${databaseId}"
migrations_dir = "migrations/store"
`;
// Appended at the end: TOML allows an array-of-tables entry after any table.
if (!/^\[\[d1_databases\]\]/m.test(readFileSync(toml, "utf8"))) fail("wrangler.toml has no [[d1_databases]]");
appendFileSync(toml, block);
console.log(`wrangler.toml: added ${binding} (${databaseName})`);

await applyMigrations("--local", ["DB", binding]);

const chain = await openLocalChain();
try {
  const hq = chain.databases.DB ?? fail("wrangler.toml has no DB binding");
  const now = new Date().toISOString();
  const row = await hq
    .prepare(
      `INSERT INTO stores (code, name, address_lines, phone, time_zone, currency, status, binding, database_name, version, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, 1, ?9, ?9) RETURNING id`,
    )
    .bind(code, name, JSON.stringify(addressLines), phone, timeZone, currency, binding, databaseName, now)
    .first<{ id: number }>();
  console.log(`local head office: store ${code} is id ${row?.id}`);
} catch (error) {
  fail(/UNIQUE/i.test(String(error)) ? `The local head office already has a store ${code}` : String(error));
} finally {
  await chain.dispose();
}
console.log(
  args.remote
    ? "Next: paste the database_id, `npm run deploy`, `npm run db:migrate:remote`, then POST /api/v1/stores as an admin."
    : "Restart `npm run dev` so the Worker gets the new binding.",
);
