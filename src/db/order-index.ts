/**
 * The head office's order index (schema-chain.ts `order_index`): one row per
 * order of every store, written from the snapshots the stores' outboxes carry
 * (`order.created`, `order.changed`) and by `npm run orders:reindex` for
 * orders older than those events. Keyed by order id, so however many events
 * or backfills touch an order it is one row: nothing read from here counts an
 * order twice. Each row keeps the `seq` of the snapshot it holds (the store
 * outbox row that carried it): a write whose seq is not higher changes
 * nothing, so snapshots applied out of order never move an order back.
 *
 * Reads: a customer's orders at the stores a user may read orders at, and an
 * order's store by its number. Who may read what is decided in the same
 * statement (a user's role at each store: admin everywhere, `users.role` at
 * the home store, `store_roles` elsewhere), so a lookup is one round trip.
 */
import { ORDER_STATUSES } from "./schema-common";

type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the index keeps of an order (a store event's snapshot, or the order's row for a backfill). */
export interface OrderSnapshot {
  orderId: number;
  orderNumber: string;
  storeId: number;
  customerId: number | null;
  userId: number;
  status: OrderStatus;
  total: number;
  paidAmount: number;
  refundedAmount: number;
  /** When the order was created at its store (ISO UTC). */
  createdAt: string;
  /** The store outbox row that carried it (0: none, e.g. an event sent before messages had one). */
  seq: number;
}

/** Snapshots per upsert statement: three bound parameters whatever the count; ~250 bytes of JSON each. */
export const SNAPSHOTS_PER_STATEMENT = 200;

const isInteger = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

/**
 * The snapshot an `order.created` / `order.changed` payload carries, or what
 * is wrong with it (a message no retry can fix).
 */
export function orderSnapshotOf(
  payload: Record<string, unknown>,
  storeId: number,
  seq: number,
): OrderSnapshot | { problem: string } {
  const p = payload;
  for (const field of ["order_id", "user_id", "total", "paid_amount", "refunded_amount"]) {
    if (!isInteger(p[field])) return { problem: `${field} is not an integer (${JSON.stringify(p[field])})` };
  }
  if (p.customer_id !== null && p.customer_id !== undefined && !isInteger(p.customer_id)) {
    return { problem: `customer_id is not an integer or null (${JSON.stringify(p.customer_id)})` };
  }
  if (typeof p.order_number !== "string" || p.order_number === "") return { problem: "order_number is missing" };
  if (typeof p.created_at !== "string") return { problem: "created_at is missing" };
  if (!ORDER_STATUSES.includes(p.status as OrderStatus)) {
    return { problem: `status is not an order status (${JSON.stringify(p.status)})` };
  }
  return {
    orderId: p.order_id as number,
    orderNumber: p.order_number,
    storeId,
    customerId: (p.customer_id as number | null | undefined) ?? null,
    userId: p.user_id as number,
    status: p.status as OrderStatus,
    total: p.total as number,
    paidAmount: p.paid_amount as number,
    refundedAmount: p.refunded_amount as number,
    createdAt: p.created_at,
    seq,
  };
}

const asJsonRow = (s: OrderSnapshot) => ({
  order_id: s.orderId,
  order_number: s.orderNumber,
  store_id: s.storeId,
  customer_id: s.customerId,
  user_id: s.userId,
  status: s.status,
  total: s.total,
  paid_amount: s.paidAmount,
  refunded_amount: s.refundedAmount,
  created_at: s.createdAt,
  seq: s.seq,
});

// The rows travel as one JSON parameter (D1 binds at most 100 values). The
// `WHERE true` is SQLite's way of telling an INSERT … SELECT's upsert clause
// from a join. `store_id` and `created_at` never change for an order; they
// are rewritten anyway, so a row is always one snapshot, never a blend.
const UPSERT_SQL = `INSERT INTO order_index (order_id, order_number, store_id, customer_id, user_id, status, total,
    paid_amount, refunded_amount, created_at, seq, indexed_at)
  SELECT value ->> '$.order_id', value ->> '$.order_number', value ->> '$.store_id', value ->> '$.customer_id',
    value ->> '$.user_id', value ->> '$.status', value ->> '$.total', value ->> '$.paid_amount',
    value ->> '$.refunded_amount', value ->> '$.created_at', value ->> '$.seq', ?2
  FROM json_each(?1) WHERE true
  ON CONFLICT (order_id) DO UPDATE SET order_number = excluded.order_number, store_id = excluded.store_id,
    customer_id = excluded.customer_id, user_id = excluded.user_id, status = excluded.status, total = excluded.total,
    paid_amount = excluded.paid_amount, refunded_amount = excluded.refunded_amount, created_at = excluded.created_at,
    seq = excluded.seq, indexed_at = excluded.indexed_at
  WHERE excluded.seq > order_index.seq`;

/**
 * Writes the snapshots (at most SNAPSHOTS_PER_STATEMENT): a new order's row,
 * or a newer snapshot over an older one; an older or equal one changes nothing.
 */
export function upsertOrderSnapshots(hq: D1Database, snapshots: OrderSnapshot[], now: string): D1PreparedStatement {
  if (snapshots.length > SNAPSHOTS_PER_STATEMENT) {
    throw new Error(`at most ${SNAPSHOTS_PER_STATEMENT} snapshots per statement (${snapshots.length})`);
  }
  return hq.prepare(UPSERT_SQL).bind(JSON.stringify(snapshots.map(asJsonRow)), now);
}

// ─── Reading ────────────────────────────────────────────────────────────────

/**
 * The stores a user may read orders at, with the role there (`can_read`,
 * `manages` from the permission lists the caller binds as JSON: ?1 the user,
 * ?2 roles that read orders, ?3 roles that read every order). An inactive
 * store is closed to all but admins, as the auth middleware has it.
 */
const READABLE_STORES_SQL = `SELECT store_id, code, binding, role IN (SELECT value FROM json_each(?3)) AS manages
  FROM (SELECT s.id AS store_id, s.code, s.binding,
          CASE WHEN u.role = 'admin' THEN 'admin'
               WHEN s.id = u.home_store_id THEN u.role
               ELSE (SELECT sr.role FROM store_roles sr WHERE sr.user_id = u.id AND sr.store_id = s.id) END AS role
        FROM stores s JOIN users u ON u.id = ?1
        WHERE s.status = 'active' OR u.role = 'admin')
  WHERE role IN (SELECT value FROM json_each(?2))`;

/** Who is asking, and which roles hold the order permissions (rbac.ts: the caller passes them). */
export interface OrderReader {
  userId: number;
  /** Roles that may read orders (theirs, at least). */
  readRoles: readonly string[];
  /** Roles that read every order of a store (the others read the orders they rang up). */
  manageRoles: readonly string[];
}

const readerParams = (reader: OrderReader) =>
  [reader.userId, JSON.stringify(reader.readRoles), JSON.stringify(reader.manageRoles)] as const;

/** A row of the index as a chain-wide read needs it: where the order is and how it sorts. */
export interface IndexedOrderRef {
  orderId: number;
  storeId: number;
  storeCode: string;
  storeBinding: string;
  createdAt: string;
}

interface RefRow {
  order_id: number;
  store_id: number;
  code: string;
  binding: string;
  created_at: string;
}

const toRef = (row: RefRow): IndexedOrderRef => ({
  orderId: row.order_id,
  storeId: row.store_id,
  storeCode: row.code,
  storeBinding: row.binding,
  createdAt: row.created_at,
});

/**
 * A customer's indexed orders at the stores `reader` may read orders at
 * (at a store where they do not manage orders: those they rang up), except
 * at `exceptStoreId` (the acting store, read live instead); newest first,
 * the first `limit`, and how many there are in all. One batch.
 */
export async function customerOrderRefs(
  hq: D1Database,
  q: { reader: OrderReader; customerId: number; exceptStoreId: number; limit: number },
): Promise<{ refs: IndexedOrderRef[]; total: number }> {
  const from = `FROM order_index oi JOIN (${READABLE_STORES_SQL}) rs ON rs.store_id = oi.store_id
    WHERE oi.customer_id = ?4 AND oi.store_id != ?5 AND (rs.manages OR oi.user_id = ?1)`;
  const params = [...readerParams(q.reader), q.customerId, q.exceptStoreId];
  const [rows, count] = await hq.batch([
    hq
      .prepare(
        `SELECT oi.order_id, oi.store_id, rs.code, rs.binding, oi.created_at ${from}
         ORDER BY oi.created_at DESC, oi.order_id DESC LIMIT ?6`,
      )
      .bind(...params, q.limit),
    hq.prepare(`SELECT COUNT(*) AS total ${from}`).bind(...params),
  ]);
  return {
    refs: ((rows?.results ?? []) as RefRow[]).map(toRef),
    total: ((count?.results[0] as { total: number } | undefined)?.total ?? 0) as number,
  };
}

/**
 * The store of the order numbered `orderNumber`, when the index knows it and
 * `reader` may read orders there, with whether they read every order there
 * (else only those they rang up); undefined otherwise (absent and
 * out-of-reach look the same).
 */
export async function indexedOrderByNumber(
  hq: D1Database,
  reader: OrderReader,
  orderNumber: string,
): Promise<(IndexedOrderRef & { manages: boolean }) | undefined> {
  const row = await hq
    .prepare(
      `SELECT oi.order_id, oi.store_id, rs.code, rs.binding, oi.created_at, rs.manages
       FROM order_index oi JOIN (${READABLE_STORES_SQL}) rs ON rs.store_id = oi.store_id
       WHERE oi.order_number = ?4`,
    )
    .bind(...readerParams(reader), orderNumber)
    .first<RefRow & { manages: number }>();
  return row ? { ...toRef(row), manages: row.manages === 1 } : undefined;
}

// ─── Backfill ───────────────────────────────────────────────────────────────

/** Orders read from a store's database per chunk of a backfill (one upsert statement's worth). */
export const REINDEX_CHUNK = SNAPSHOTS_PER_STATEMENT;

interface StoreOrderRow {
  id: number;
  order_number: string;
  customer_id: number | null;
  user_id: number;
  status: OrderStatus;
  total: number;
  paid_amount: number;
  refunded_amount: number;
  created_at: string;
}

/**
 * Indexes every order of one store's database as it is now (`npm run
 * orders:reindex`: orders written before the store had the order.created
 * trigger have no event to index them). Pages through the store's orders by
 * id, REINDEX_CHUNK at a time, one upsert each; rows are keyed by order, so
 * running it again (or while events arrive) leaves one row per order with
 * its newest snapshot: it is safe to repeat.
 *
 * The seq each snapshot gets is the store's outbox high-water mark read
 * before the chunk (not 0): every event at or below it was committed before
 * the rows were read, so the rows are at least as new as any of them and an
 * older event arriving late (a queue retry) cannot move an order back, while
 * every change after the read writes an event above it, which wins. With 0,
 * such a late event would bring an older state back until the next event of
 * that order.
 */
export async function reindexStoreOrders(
  hq: D1Database,
  store: { id: number; d1: D1Database },
  options: { now: () => Date; onChunk?: (indexed: number) => void },
): Promise<number> {
  let after = 0;
  let indexed = 0;
  for (;;) {
    const mark = await store.d1.prepare("SELECT COALESCE(MAX(id), 0) AS seq FROM outbox").first<{ seq: number }>();
    const { results } = await store.d1
      .prepare(
        `SELECT id, order_number, customer_id, user_id, status, total, paid_amount, refunded_amount, created_at
         FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2`,
      )
      .bind(after, REINDEX_CHUNK)
      .all<StoreOrderRow>();
    if (results.length === 0) return indexed;
    const seq = mark?.seq ?? 0;
    const snapshots = results.map(
      (row): OrderSnapshot => ({
        orderId: row.id,
        orderNumber: row.order_number,
        storeId: store.id,
        customerId: row.customer_id,
        userId: row.user_id,
        status: row.status,
        total: row.total,
        paidAmount: row.paid_amount,
        refundedAmount: row.refunded_amount,
        createdAt: row.created_at,
        seq,
      }),
    );
    await upsertOrderSnapshots(hq, snapshots, options.now().toISOString()).run();
    indexed += results.length;
    after = results.at(-1)?.id ?? after;
    options.onChunk?.(indexed);
  }
}
