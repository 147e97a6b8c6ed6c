/**
 * `npm run admin:create -- --username owner --email owner@shop.example [--full-name "…"] [--remote]`
 *
 * Creates an admin account directly in the database: the way to make the
 * first admin of a deployment without a BOOTSTRAP_TOKEN, or to get back in
 * when every admin is locked out. The password comes from ADMIN_PASSWORD or
 * is read from standard input (never from the command line, which shell
 * history and `ps` keep). Locally it writes the database `wrangler dev` uses;
 * with --remote it runs `wrangler d1 execute DB --remote`. The admin's home
 * store is the chain's first store (admin is a role at every store).
 */
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { hashPassword } from "../src/lib/auth/password";
import { openLocalD1 } from "./lib/local-d1";
import { wrangler } from "./lib/wrangler";

const { values: args } = parseArgs({
  options: {
    username: { type: "string" },
    email: { type: "string" },
    "full-name": { type: "string" },
    remote: { type: "boolean", default: false },
  },
});

const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};

const username = args.username?.trim() || fail("--username is required");
const email = args.email?.trim() || fail("--email is required");
if (!/^[A-Za-z0-9_.-]{3,50}$/.test(username)) fail("--username: 3 to 50 letters, digits, '_', '.' or '-'");
if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail("--email is not an email address");

async function readPassword(): Promise<string> {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  process.stderr.write("Password for the new admin (min 8 characters): ");
  const line = await rl.question("");
  rl.close();
  return line.trim();
}

const password = await readPassword();
if (password.length < 8) fail("The password needs at least 8 characters");

const hash = await hashPassword(password);
const now = new Date().toISOString();
const fullName = args["full-name"] ?? null;

if (args.remote) {
  // wrangler d1 execute takes SQL text, not bound values: quote every string.
  const quote = (value: string | null) => (value === null ? "NULL" : `'${value.replaceAll("'", "''")}'`);
  const sql = `INSERT INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
VALUES (${quote(username)}, ${quote(email)}, ${quote(hash)}, ${quote(fullName)}, 'admin', 1, 1, 0, (SELECT MIN(id) FROM stores), ${quote(now)}, ${quote(now)})`;
  const code = await wrangler(["d1", "execute", "DB", "--remote", "--command", sql]);
  if (code !== 0) fail(`wrangler d1 execute exited with ${code}`);
} else {
  const { db, dispose } = await openLocalD1();
  try {
    await db
      .prepare(
        `INSERT INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'admin', 1, 1, 0, (SELECT MIN(id) FROM stores), ?5, ?5)`,
      )
      .bind(username, email, hash, fullName, now)
      .run();
  } catch (error) {
    fail(/UNIQUE/i.test(String(error)) ? "A user with this username or email already exists" : String(error));
  } finally {
    await dispose();
  }
}
console.log(`admin ${username} created${args.remote ? " in the remote database" : " in the local database"}`);
