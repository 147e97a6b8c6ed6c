/**
 * `npm run fill:history -- [--lines 1000000] [--state DIR] [--store STORE_MAIN]`:
 * adds two years (or `days` from code) of realistic sales to a local store's database for
 * measuring reports: orders of
 * 1–5 lines over the catalog, four cashiers, most paid by card or cash, some
 * cancelled, pending or refunded. Rows are written in large multi-row INSERTs
 * with literal values (all generated here, nothing user-supplied), each under
 * D1's 100,000-byte statement limit, so a million order lines take a minute or
 * two. Stock and the inventory log are not touched: this is history for
 * reports, not for stock.
 */
import type { D1Database } from "@cloudflare/workers-types";
import { hashPassword } from "../src/lib/auth/password";
import { D1_LIMITS } from "../src/lib/d1-guard";
import { chainStore, openLocalChain } from "./lib/local-chain";
import { STATE_DIR } from "./lib/local-d1";
import { progress } from "./lib/progress";

const METHODS = ["credit_card", "credit_card", "debit_card", "cash", "cash", "mobile_payment", "bank_transfer"];
const q = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function ensureCashiers(db: D1Database): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const username = `histcashier${i}`;
    let row = await db.prepare("SELECT id FROM users WHERE username = ?1").bind(username).first<{ id: number }>();
    if (!row) {
      const now = new Date().toISOString();
      row = await db
        .prepare(
          `INSERT INTO users (username, email, password_hash, full_name, role, is_active, is_verified, token_version, home_store_id, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, 'cashier', 1, 1, 0, 1, ?5, ?5) RETURNING id`,
        )
        .bind(username, `${username}@pos.local`, await hashPassword("history-cashier"), `History Cashier ${i}`, now)
        .first<{ id: number }>();
    }
    if (row) ids.push(row.id);
  }
  return ids;
}

/** Multi-row INSERTs of `rows`, each statement within D1's 100,000 bytes (one row a statement at worst). */
function inserts(head: string, rows: string[]): string[] {
  const statements: string[] = [];
  let part: string[] = [];
  let bytes = Buffer.byteLength(head);
  for (const row of rows) {
    const size = Buffer.byteLength(row) + 1; // and its comma
    if (part.length && bytes + size > D1_LIMITS.statementBytes) {
      statements.push(head + part.join(","));
      part = [];
      bytes = Buffer.byteLength(head);
    }
    part.push(row);
    bytes += size;
  }
  if (part.length) statements.push(head + part.join(","));
  return statements;
}

/**
 * History in `store`'s database (orders, lines, payments, refunds, ids from
 * the store's range), over the head office's catalog, customers and four
 * history cashiers (`hq`).
 */
export async function fillHistory(
  hq: D1Database,
  store: { d1: D1Database; idBase: number },
  targetLines: number,
  onProgress: (done: number) => void,
  /** How far back the history reaches (the chain bench fills one year per store). */
  options: { days?: number } = {},
) {
  const db = store.d1;
  const existing = await db
    .prepare(
      "SELECT COUNT(*) AS n FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.order_number LIKE 'HIST-%'",
    )
    .first<{ n: number }>();
  let lines = existing?.n ?? 0;
  if (lines >= targetLines) return lines;
  const cashiers = await ensureCashiers(hq);
  const products = (
    await hq
      .prepare(
        `SELECT p.id, p.name, p.sku, p.price, p.cost_price, p.category_id, c.name AS category_name
         FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.is_active = 1 ORDER BY p.id LIMIT 5000`,
      )
      .all<{
        id: number;
        name: string;
        sku: string;
        price: number;
        cost_price: number;
        category_id: number | null;
        category_name: string | null;
      }>()
  ).results;
  const customers = (await hq.prepare("SELECT id FROM customers ORDER BY id").all<{ id: number }>()).results.map(
    (c) => c.id,
  );
  const next = async (table: string) =>
    ((await db.prepare(`SELECT COALESCE(MAX(id), ?1) AS m FROM ${table}`).bind(store.idBase).first<{ m: number }>())
      ?.m ?? store.idBase) + 1;
  let nextOrder = await next("orders");
  let nextPayment = await next("payments");
  let nextRefund = await next("refunds");
  const end = Date.now();
  const span = (options.days ?? 730) * 24 * 3600_000;
  let seed = 424242 + lines;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };

  while (lines < targetLines) {
    const orderRows: string[] = [];
    const itemRows: string[] = [];
    const paymentRows: string[] = [];
    const refundRows: string[] = [];
    for (let k = 0; k < 400 && lines < targetLines; k++) {
      const id = nextOrder++;
      // Spread over two years, busier in the afternoon, in order of time.
      const at = new Date(end - span + ((lines / targetLines) * span + rand(3_600_000)));
      at.setUTCHours(8 + rand(12));
      const iso = at.toISOString();
      const n = 1 + rand(5);
      let subtotal = 0;
      const used = new Set<number>();
      for (let j = 0; j < n && lines < targetLines; j++) {
        const product = products[rand(products.length)];
        if (!product || used.has(product.id)) continue;
        used.add(product.id);
        const qty = 1 + rand(3);
        subtotal += product.price * qty;
        const category = product.category_name === null ? "NULL" : q(product.category_name);
        itemRows.push(
          `(${id}, ${product.id}, ${q(product.name)}, ${q(product.sku)}, ${product.category_id ?? "NULL"}, ${category}, ${product.cost_price}, ${qty}, ${product.price}, 0, ${product.price * qty})`,
        );
        lines += 1;
      }
      const tax = Math.round(subtotal * 0.08);
      const total = subtotal + tax;
      const roll = rand(100);
      const status = roll < 3 ? "cancelled" : roll < 5 ? "pending" : roll < 7 ? "refunded" : "completed";
      const refunded = status === "refunded" ? total : roll < 9 ? Math.min(total, 500) : 0;
      // As the API writes them: a refund moves its money from paid_amount to refunded_amount,
      // so a paid order has paid + refunded = total, and a fully refunded one paid_amount 0.
      const paid = status === "completed" || status === "refunded" ? total - refunded : 0;
      const customer = rand(3) === 0 && customers.length ? customers[rand(customers.length)] : null;
      const cashier = cashiers[rand(cashiers.length)] ?? 1;
      orderRows.push(
        `(${id}, 'HIST-${id}', ${customer ?? "NULL"}, ${cashier}, '${status}', ${subtotal}, ${tax}, 0, ${total}, ${paid}, ${refunded}, '${iso}', '${iso}', ${status === "completed" || status === "refunded" ? `'${iso}'` : "NULL"})`,
      );
      if (status === "completed" || status === "refunded") {
        const pid = nextPayment++;
        const pstatus = refunded === 0 ? "completed" : refunded === total ? "refunded" : "partially_refunded";
        paymentRows.push(
          `(${pid}, ${id}, '${METHODS[rand(METHODS.length)]}', '${pstatus}', ${total}, ${refunded}, ${cashier}, '${iso}', '${iso}')`,
        );
        if (refunded > 0) {
          const later = new Date(at.getTime() + 86_400_000 * (1 + rand(5))).toISOString();
          refundRows.push(`(${nextRefund++}, ${pid}, ${id}, ${refunded}, 'Returned', '${later}')`);
        }
      }
    }
    const statements = [
      ...inserts(
        "INSERT INTO orders (id, order_number, customer_id, user_id, status, subtotal, tax, discount, total, paid_amount, refunded_amount, created_at, updated_at, completed_at) VALUES ",
        orderRows,
      ),
      ...inserts(
        "INSERT INTO order_items (order_id, product_id, product_name, product_sku, category_id, category_name, unit_cost, quantity, unit_price, discount, subtotal) VALUES ",
        itemRows,
      ),
      ...inserts(
        "INSERT INTO payments (id, order_id, payment_method, status, amount, refunded_amount, user_id, created_at, updated_at) VALUES ",
        paymentRows,
      ),
      ...inserts("INSERT INTO refunds (id, payment_id, order_id, amount, reason, created_at) VALUES ", refundRows),
      // History is for reports: the outbox rows its inserts made (the orders'
      // and refunds' triggers) must not reach customers that never had those
      // orders' spend, nor wait as a backlog every request's send would drain.
      // `npm run orders:reindex` puts history in the head office's order index.
      "DELETE FROM outbox WHERE json_extract(payload, '$.order_number') LIKE 'HIST-%'",
    ];
    await db.batch(statements.map((sql) => db.prepare(sql)));
    onProgress(lines);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const target = Number(arg("--lines") ?? 1_000_000);
  const chain = await openLocalChain(arg("--state") ?? STATE_DIR);
  const { hq, store } = await chainStore(chain, arg("--store") ?? "STORE_MAIN");
  const started = Date.now();
  await fillHistory(hq, store, target, progress("order lines", target));
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await chain.dispose();
}
