/**
 * `npm run test:browser`: the API as a newcomer meets it, in a real browser.
 *
 * 1. Installs Debian's `chromium` and `poppler-utils` with apt when missing
 *    (never a downloaded browser build; playwright-core only drives it).
 * 2. Starts `npm run dev` (migrations, seed, `wrangler dev`) on a spare port,
 *    unless BASE_URL points at a server that is already running.
 * 3. /docs: authorizes with the seeded admin through Swagger UI's OAuth2
 *    password form, executes GET /api/v1/auth/me from the page, checks the
 *    answer shows the account, and saves a screenshot.
 * 4. /redoc: checks the operations are listed.
 * 5. Opens an order's signed invoice link, checks it is a PDF, and renders its
 *    first page to PNG with pdftoppm.
 *
 * Screenshots go to bench/out/screenshots/, or with `-- --update-docs` to
 * docs/screenshots/ (shown in README). Exits non-zero on the first failed check.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Page } from "playwright-core";
import { ROOT } from "./lib/local-d1";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PDFTOPPM = "/usr/bin/pdftoppm";
// README's screenshots are replaced only when asked; other runs keep theirs under bench/out.
const SHOTS = path.join(ROOT, process.argv.includes("--update-docs") ? "docs/screenshots" : "bench/out/screenshots");
const ADMIN = { username: "admin", password: "admin123" };

function ensureSystemPackages() {
  const missing = [
    [CHROMIUM, "chromium"],
    [PDFTOPPM, "poppler-utils"],
  ]
    .filter(([file]) => !existsSync(file as string))
    .map(([, pkg]) => pkg as string);
  if (missing.length === 0) return;
  console.log(`installing with apt: ${missing.join(", ")}`);
  const root = process.getuid?.() === 0;
  const run = ([command, ...rest]: [string, ...string[]]) =>
    execFileSync(root ? command : "sudo", root ? rest : [command, ...rest], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  run(["apt-get", "update"]);
  run(["apt-get", "install", "-y", "--no-install-recommends", ...missing]);
}

async function waitForHealth(base: string, child: ChildProcess | null, seconds = 180) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${base}/health did not answer within ${seconds} s`);
}

async function answers(url: string) {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function startServer(): Promise<{ base: string; stop: () => void }> {
  if (process.env.BASE_URL) return { base: process.env.BASE_URL.replace(/\/$/, ""), stop: () => {} };
  const port = process.env.PORT ?? "8799";
  const base = `http://127.0.0.1:${port}`;
  // A server left on the port would be checked instead of this checkout's code.
  if (await answers(`${base}/health`)) {
    throw new Error(`something already answers on ${base}; stop it, or set BASE_URL to check it on purpose`);
  }
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/dev.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: port },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const stop = () => {
    // The dev script's children (wrangler, workerd) share its process group,
    // which outlives the script itself if it exited first.
    if (!child.pid) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  process.on("exit", stop);
  // The group is detached, so a Ctrl-C or a CI timeout reaches only this process.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stop();
      process.exit(130);
    });
  }
  await waitForHealth(base, child);
  return { base, stop };
}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`browser check failed: ${what}`);
  console.log(`  ✓ ${what}`);
}

async function swaggerAuthorizeAndCallMe(page: Page, base: string) {
  await page.goto(`${base}/docs`);
  await page.locator(".swagger-ui .info .title").waitFor();
  check((await page.locator(".opblock").count()) > 50, "/docs lists the operations");
  await page.screenshot({ path: path.join(SHOTS, "docs.png") });
  console.log(`  saved ${path.relative(ROOT, path.join(SHOTS, "docs.png"))}`);

  await page
    .getByRole("button", { name: /authorize/i })
    .first()
    .click();
  const dialog = page.locator(".modal-ux");
  const oauth = dialog.locator(".auth-container").filter({ hasText: "OAuth2Password" });
  await oauth.locator("#oauth_username").fill(ADMIN.username);
  await oauth.locator("#oauth_password").fill(ADMIN.password);
  await oauth.getByRole("button", { name: "Apply given OAuth2 credentials" }).click();
  // Swagger UI swaps the form for "Authorized" and a Logout button once the token request succeeded.
  await oauth.getByRole("button", { name: "Remove authorization" }).waitFor({ timeout: 15_000 });
  check(await oauth.getByText("Authorized").isVisible(), "Authorize dialog signed in with the OAuth2 password form");
  await dialog.locator("button.btn-done").first().click();

  const me = page.locator("#operations-auth-get_api_v1_auth_me");
  await me.locator(".opblock-summary").click();
  await me.getByRole("button", { name: "Try it out" }).click();
  await me.getByRole("button", { name: "Execute" }).click();
  const answer = me.locator(".live-responses-table tr.response .response-col_status").first();
  await answer.waitFor({ timeout: 15_000 });
  const status = ((await answer.textContent()) ?? "").trim();
  const body = (await me.locator(".live-responses-table .microlight").first().textContent()) ?? "";
  check(status.startsWith("200"), `GET /api/v1/auth/me from the page answered ${status}`);
  check(body.includes(`"username": "${ADMIN.username}"`), "the answer shows the signed-in account");

  await me.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "docs-auth-me.png") });
  console.log(`  saved ${path.relative(ROOT, path.join(SHOTS, "docs-auth-me.png"))}`);
}

async function redocListsOperations(page: Page, base: string) {
  await page.goto(`${base}/redoc`);
  await page.locator("[role=menuitem]").first().waitFor({ timeout: 30_000 });
  const total = await page.locator("li[role=menuitem][data-item-id*='/paths/']").count();
  check(total > 50, `/redoc lists ${total} operations in its menu`);
}

async function invoiceLinkIsPdf(page: Page, base: string) {
  const tokens = (await (
    await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ADMIN),
    })
  ).json()) as { access_token: string };
  const auth = { Authorization: `Bearer ${tokens.access_token}` };
  const orders = (await (await fetch(`${base}/api/v1/orders?status=completed&limit=1`, { headers: auth })).json()) as {
    data: { id: number; order_number: string }[];
  };
  const order = orders.data[0];
  check(order, "the seeded data has a completed order");
  const link = (await (await fetch(`${base}/api/v1/orders/${order.id}/invoice`, { headers: auth })).json()) as {
    url: string;
  };

  const response = await page.goto(link.url);
  check(response?.status() === 200, `the signed link answered ${response?.status()}`);
  check(response.headers()["content-type"] === "application/pdf", "the signed link serves application/pdf");
  // Chromium shows it in its PDF viewer: the document is the PDF, not a download or an error page...
  const shown = await page.evaluate(() => document.contentType);
  check(shown === "application/pdf", `Chromium shows the invoice as ${shown}`);
  // ...but the main frame holds the viewer, not the bytes, so they are fetched again
  // from the page, through the same signed link.
  const bytes = await page.evaluate(async (url) => {
    const res = await fetch(url);
    return Array.from(new Uint8Array(await res.arrayBuffer()));
  }, link.url);
  const pdf = Uint8Array.from(bytes);
  const head = Buffer.from(pdf.subarray(0, 5)).toString("latin1");
  check(head === "%PDF-", `the signed link of ${order.order_number} opened as a PDF in the browser`);
  const dir = mkdtempSync(path.join(tmpdir(), "invoice-"));
  try {
    writeFileSync(path.join(dir, "invoice.pdf"), pdf);
    const args = ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", path.join(dir, "invoice.pdf")];
    execFileSync(PDFTOPPM, [...args, path.join(SHOTS, "invoice")]);
    console.log(`  saved ${path.relative(ROOT, path.join(SHOTS, "invoice.png"))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

ensureSystemPackages();
mkdirSync(SHOTS, { recursive: true });
const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
  });
  console.log(`browser checks against ${server.base}`);
  await swaggerAuthorizeAndCallMe(page, server.base);
  await redocListsOperations(page, server.base);
  await invoiceLinkIsPdf(page, server.base);
  check(
    consoleErrors.length === 0,
    `no errors in the browser console${consoleErrors.length ? `: ${consoleErrors.join(" | ")}` : ""}`,
  );
  console.log("browser checks passed");
} finally {
  await browser.close();
  server.stop();
}
