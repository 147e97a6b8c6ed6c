/**
 * `npm run bench:size -- [--state bench/.state-chain-…]` (README "Sizing"):
 * bytes a store's database spends per sold line, measured on the chain
 * bench's store databases after `npm run bench -- --stores=N` (default: the
 * newest bench/.state-chain-* folder).
 *
 * Every table's bytes are its pages and its indexes' pages (SQLite's dbstat,
 * read from the local database files with node:sqlite, read-only), summed
 * over the chain's stores and divided by its rows: bytes per row. What one
 * sold line brings of each table (orders, payments, refunds, inventory log
 * rows, outbox events) is counted on the load check's sales, made through
 * the API with its mix of paid, cancelled and refunded orders; the history
 * rows the bench writes directly have no stock log rows and fewer outbox
 * events, so they give the bytes per row but not the rows per line.
 * Bytes per line = Σ bytes per row × rows per line. Projections per store,
 * per chain of 20, and years to D1's 10 GB follow.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ROOT } from "../lib/local-d1";

/** The tables a sale writes to, and how to find the rows of the sampled sales in each. */
const SALE_TABLES: { table: string; rowsOf: string }[] = [
  { table: "orders", rowsOf: "SELECT COUNT(*) AS n FROM orders WHERE id IN (SELECT value FROM json_each(?1))" },
  {
    table: "order_items",
    rowsOf: "SELECT COUNT(*) AS n FROM order_items WHERE order_id IN (SELECT value FROM json_each(?1))",
  },
  {
    table: "payments",
    rowsOf: "SELECT COUNT(*) AS n FROM payments WHERE order_id IN (SELECT value FROM json_each(?1))",
  },
  { table: "refunds", rowsOf: "SELECT COUNT(*) AS n FROM refunds WHERE order_id IN (SELECT value FROM json_each(?1))" },
  {
    table: "refund_items",
    rowsOf:
      "SELECT COUNT(*) AS n FROM refund_items WHERE refund_id IN (SELECT id FROM refunds WHERE order_id IN (SELECT value FROM json_each(?1)))",
  },
  {
    table: "inventory_logs",
    rowsOf: "SELECT COUNT(*) AS n FROM inventory_logs WHERE reference_number IN (SELECT value FROM json_each(?2))",
  },
  {
    table: "outbox",
    rowsOf: `SELECT COUNT(*) AS n FROM outbox WHERE json_extract(payload, '$.order_id') IN (SELECT value FROM json_each(?1))
             OR json_extract(payload, '$.order_number') IN (SELECT value FROM json_each(?2))`,
  },
];

/** The load check's products (chain-load-check.ts): their orders are the sample. */
const SAMPLE_SKUS = "CHAINLOAD-%";

const D1_MAX_BYTES = 10 * 10 ** 9;
const VOLUMES = [300, 1_000, 5_000];
const CHAIN_STORES = 20;

function stateDirArg(): string {
  const given = process.argv.find((arg) => arg.startsWith("--state="))?.slice("--state=".length);
  if (given) return path.resolve(given);
  const candidates = readdirSync(path.join(ROOT, "bench"))
    .filter((name) => name.startsWith(".state-chain-"))
    .map((name) => path.join(ROOT, "bench", name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!candidates[0])
    throw new Error("no bench/.state-chain-* folder: run `npm run bench -- --stores=20 --quick` first");
  return candidates[0];
}

/** The store databases of a bench state: the SQLite files that have an order_items table. */
function storeFiles(stateDir: string): string[] {
  const dir = path.join(stateDir, "d1/miniflare-D1DatabaseObject");
  if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")
    .map((name) => path.join(dir, name))
    .filter((file) => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return Boolean(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'order_items'").get());
      } finally {
        db.close();
      }
    });
}

interface TableSize {
  bytes: number;
  rows: number;
  sampleRows: number;
}

/**
 * The head office's share: the rollup tables per store-day (a chain report's
 * rows) and the order index per order, from the head office's file (the one
 * with a daily_rollups table).
 */
function headOffice(stateDir: string) {
  const dir = path.join(stateDir, "d1/miniflare-D1DatabaseObject");
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite")) {
    const db = new DatabaseSync(path.join(dir, name), { readOnly: true });
    try {
      if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'daily_rollups'").get()) continue;
      const bytesOf = (like: string) =>
        (
          db
            .prepare(
              `SELECT COALESCE(SUM(d.pgsize), 0) AS b FROM dbstat d JOIN sqlite_schema s ON s.name = d.name WHERE s.tbl_name LIKE ?1`,
            )
            .get(like) as { b: number }
        ).b;
      const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const storeDays = count("daily_rollups");
      const indexed = count("order_index");
      const rollupBytes = bytesOf("daily_rollup%");
      const indexBytes = bytesOf("order_index");
      const applied = count("applied_events");
      const appliedBytes = bytesOf("applied_events");
      return {
        store_days: storeDays,
        rollup_bytes: rollupBytes,
        rollup_bytes_per_store_day: storeDays ? Math.round(rollupBytes / storeDays) : 0,
        indexed_orders: indexed,
        order_index_bytes_per_order: indexed ? Math.round(indexBytes / indexed) : 0,
        applied_events: applied,
        applied_event_bytes: applied ? Math.round(appliedBytes / applied) : 0,
      };
    } finally {
      db.close();
    }
  }
  return null;
}

export function measure(stateDir: string) {
  const files = storeFiles(stateDir);
  const sizes = new Map<string, TableSize>(SALE_TABLES.map((t) => [t.table, { bytes: 0, rows: 0, sampleRows: 0 }]));
  let sampleLines = 0;
  let sampleOrders = 0;
  let allBytes = 0;
  let allLines = 0;
  for (const file of files) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      // Pages per table, its indexes' pages counted with it.
      const pages = db
        .prepare(
          `SELECT s.tbl_name AS tbl, SUM(d.pgsize) AS bytes FROM dbstat d
           JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name`,
        )
        .all() as { tbl: string; bytes: number }[];
      const total = db.prepare("SELECT page_count * page_size AS b FROM pragma_page_count, pragma_page_size").get() as {
        b: number;
      };
      allBytes += total.b;
      allLines += (db.prepare("SELECT COUNT(*) AS n FROM order_items").get() as { n: number }).n;
      const sample = db
        .prepare(
          `SELECT json_group_array(id) AS ids, json_group_array(order_number) AS numbers, COUNT(*) AS n FROM orders
           WHERE id IN (SELECT order_id FROM order_items WHERE product_sku LIKE ?1)`,
        )
        .get(SAMPLE_SKUS) as { ids: string; numbers: string; n: number };
      sampleOrders += sample.n;
      for (const { table, rowsOf } of SALE_TABLES) {
        const size = sizes.get(table) as TableSize;
        size.bytes += pages.find((p) => p.tbl === table)?.bytes ?? 0;
        size.rows += (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        const bind = rowsOf.includes("?2") ? [sample.ids, sample.numbers] : [sample.ids];
        const rows = (db.prepare(rowsOf).get(...bind) as { n: number }).n;
        size.sampleRows += rows;
        if (table === "order_items") sampleLines += rows;
      }
    } finally {
      db.close();
    }
  }
  if (sampleLines === 0) throw new Error("no load-check sales in this state: run the chain bench on it first");
  const tables = SALE_TABLES.map(({ table }) => {
    const s = sizes.get(table) as TableSize;
    const perRow = s.rows ? s.bytes / s.rows : 0;
    const rowsPerLine = s.sampleRows / sampleLines;
    return {
      table,
      rows: s.rows,
      bytes: s.bytes,
      bytes_per_row: Math.round(perRow),
      rows_per_line: Number(rowsPerLine.toFixed(3)),
      bytes_per_line: Math.round(perRow * rowsPerLine),
    };
  });
  const perLine = tables.reduce((sum, t) => sum + t.bytes_per_line, 0);
  const projections = VOLUMES.map((perDay) => {
    const storeYear = perLine * perDay * 365;
    return {
      lines_per_day: perDay,
      store_bytes_per_year: storeYear,
      chain_bytes_per_year: storeYear * CHAIN_STORES,
      years_to_10_gb: Number((D1_MAX_BYTES / storeYear).toFixed(1)),
    };
  });
  return {
    state: path.relative(ROOT, stateDir),
    store_databases: files.length,
    sample: { orders: sampleOrders, lines: sampleLines },
    tables,
    bytes_per_line: perLine,
    whole_files: { bytes: allBytes, order_lines: allLines, bytes_per_line: Math.round(allBytes / allLines) },
    projections,
    head_office: headOffice(stateDir),
  };
}

const mb = (bytes: number) => `${(bytes / 10 ** 6).toFixed(bytes < 10 ** 8 ? 1 : 0)} MB`;
const gb = (bytes: number) => `${(bytes / 10 ** 9).toFixed(2)} GB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = measure(stateDirArg());
  console.log(
    `${result.state}: ${result.store_databases} store databases; sample: the load check's ${result.sample.orders} orders, ${result.sample.lines} lines`,
  );
  console.log("\n| table (with its indexes) | rows | bytes/row | rows per sold line | bytes per sold line |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const t of result.tables) {
    console.log(`| ${t.table} | ${t.rows} | ${t.bytes_per_row} | ${t.rows_per_line} | ${t.bytes_per_line} |`);
  }
  console.log(`| **per sold line** | | | | **${result.bytes_per_line}** |`);
  console.log(
    `\nwhole files (catalog stock, history and all): ${mb(result.whole_files.bytes)} for ${result.whole_files.order_lines} lines, ${result.whole_files.bytes_per_line} B per line`,
  );
  console.log("\n| lines a day | one store a year | chain of 20 a year | years to 10 GB (one store) |");
  console.log("| ---: | ---: | ---: | ---: |");
  for (const p of result.projections) {
    console.log(
      `| ${p.lines_per_day} | ${mb(p.store_bytes_per_year)} | ${gb(p.chain_bytes_per_year)} | ${p.years_to_10_gb} |`,
    );
  }
  const hq = result.head_office;
  if (hq) {
    console.log(
      `\nhead office: rollups ${hq.rollup_bytes_per_store_day} B per store-day (${hq.store_days} store-days, ${mb(hq.rollup_bytes)}), order index ${hq.order_index_bytes_per_order} B per order (${hq.indexed_orders} orders), applied events ${hq.applied_event_bytes} B each (${hq.applied_events})`,
    );
  }
  const out = path.join(ROOT, "bench/out/sizing.json");
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(ROOT, out)}`);
}
