/**
 * Transfers' statements (README "Transfers"). At the head office: the
 * transfer, its lines and its steps, the caller's roles at both ends, and the
 * hold and undo of each step. At a store: the step's transfer_moves row,
 * written in the store batch that moves its stock (its deadline trigger
 * refuses the batch once the head office's hold has expired), and looked up
 * when the sweep settles a step whose outcome nobody heard.
 *
 * Lines always travel as one JSON parameter (`[{product_id, quantity}]`,
 * read through json_each): a transfer's 100 lines never come near D1's 100
 * bound parameters per statement.
 */
import { returningRow, returningRows, returningShape, type Statement, statement } from "./batch";
import { type Page, type PageRequest, readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import {
  type Role,
  stores,
  type TransferStepKind,
  transferLines,
  transferMoves,
  transferSteps,
  transfers,
} from "./schema";

export type Transfer = Row<typeof transfers>;
export type TransferLine = Row<typeof transferLines> & { minStockLevel: number };
export type TransferStep = Row<typeof transferSteps>;
export type StoreRow = Row<typeof stores>;

/** The column of transfer_lines each kind of step moves. */
const STEP_COLUMN: Record<TransferStepKind, "sent" | "received" | "returned"> = {
  send: "sent",
  receive: "received",
  cancel: "returned",
};

// ---------------------------------------------------------------- reads (head office)

export const transferById = (d1: D1Database, id: number): Statement<Transfer | undefined> =>
  returningRow(transfers, d1.prepare("SELECT * FROM transfers WHERE id = ?1").bind(id));

/** The lines, with the catalog's minimum of each product (a destination's first stock row takes it). */
export const linesOf = (d1: D1Database, transferId: number): Statement<TransferLine[]> =>
  returningRows<typeof transferLines, TransferLine>(
    transferLines,
    d1
      .prepare(
        `SELECT l.*, COALESCE(p.min_stock_level, 0) AS minStockLevel FROM transfer_lines l
         LEFT JOIN products p ON p.id = l.product_id WHERE l.transfer_id = ?1 ORDER BY l.product_id`,
      )
      .bind(transferId),
  );

export const stepsOf = (d1: D1Database, transferId: number): Statement<TransferStep[]> =>
  returningRows(
    transferSteps,
    d1.prepare("SELECT * FROM transfer_steps WHERE transfer_id = ?1 ORDER BY created_at, step_key").bind(transferId),
  );

export const stepByKey = (d1: D1Database, transferId: number, stepKey: string): Statement<TransferStep | undefined> =>
  returningRow(
    transferSteps,
    d1.prepare("SELECT * FROM transfer_steps WHERE transfer_id = ?1 AND step_key = ?2").bind(transferId, stepKey),
  );

export const storesByIds = (d1: D1Database, ids: number[]): Statement<StoreRow[]> =>
  returningRows(
    stores,
    d1.prepare("SELECT * FROM stores WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(ids)),
  );

/**
 * The caller's role at each of `storeIds` (null: none), as the per-request
 * user check resolves one: admin everywhere, `users.role` at the home store,
 * `store_roles` elsewhere. An inactive user has no role anywhere.
 */
export const rolesAtStores = (
  d1: D1Database,
  userId: number,
  storeIds: number[],
): Statement<{ store_id: number; role: Role | null }[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT s.id AS store_id,
           CASE WHEN u.role = 'admin' THEN 'admin'
                WHEN s.id = u.home_store_id THEN u.role
                ELSE (SELECT sr.role FROM store_roles sr WHERE sr.user_id = u.id AND sr.store_id = s.id) END AS role
         FROM users u JOIN stores s ON s.id IN (SELECT value FROM json_each(?2))
         WHERE u.id = ?1 AND u.is_active = 1`,
      )
      .bind(userId, JSON.stringify(storeIds)),
  );

const ENDS_OF =
  "SELECT from_store_id FROM transfers WHERE id = ?1 UNION SELECT to_store_id FROM transfers WHERE id = ?1";

/** Both ends of a transfer (read in the same batch as the transfer, before its store ids are known). */
export const storesOfTransfer = (d1: D1Database, transferId: number): Statement<StoreRow[]> =>
  returningRows(stores, d1.prepare(`SELECT * FROM stores WHERE id IN (${ENDS_OF})`).bind(transferId));

/** The caller's role at each end of a transfer (see `rolesAtStores`). */
export const rolesAtTransfer = (
  d1: D1Database,
  userId: number,
  transferId: number,
): Statement<{ store_id: number; role: Role | null }[]> =>
  returningShape(
    d1
      .prepare(
        `SELECT s.id AS store_id,
           CASE WHEN u.role = 'admin' THEN 'admin'
                WHEN s.id = u.home_store_id THEN u.role
                ELSE (SELECT sr.role FROM store_roles sr WHERE sr.user_id = u.id AND sr.store_id = s.id) END AS role
         FROM users u JOIN stores s ON s.id IN (${ENDS_OF.replaceAll("?1", "?2")})
         WHERE u.id = ?1 AND u.is_active = 1`,
      )
      .bind(userId, transferId),
  );

export interface CatalogLine {
  id: number;
  name: string;
  sku: string;
  is_active: number;
}

/** The catalog's rows of `ids` (missing ids are simply absent). */
export const catalogRows = (d1: D1Database, ids: number[]): Statement<CatalogLine[]> =>
  returningShape(
    d1
      .prepare("SELECT id, name, sku, is_active FROM products WHERE id IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(ids)),
  );

// ---------------------------------------------------------------- create (head office)

/**
 * The id the next transfer takes. A create names it up front, so its audit
 * event and webhook payload go out in its own batch; two creates racing for
 * it meet the primary key (`isTransferIdTaken`) and the loser takes the next.
 */
export const nextTransferId = (d1: D1Database): Statement<{ id: number }[]> =>
  returningShape(d1.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM transfers"));

export const isTransferIdTaken = (error: unknown) => /UNIQUE constraint failed: transfers\.id/.test(errorText(error));

export interface NewTransfer {
  id: number;
  number: string;
  fromStoreId: number;
  toStoreId: number;
  note: string | null;
  userId: number;
  now: string;
  /** `[{product_id, quantity}]`: names and SKUs are copied from the catalog by the INSERT. */
  lines: { product_id: number; quantity: number }[];
}

/** The transfer and its lines, for one batch; the lines find their transfer by its (unique) number. */
export function insertTransfer(
  d1: D1Database,
  t: NewTransfer,
): { transfer: Statement<Transfer | undefined>; lines: Statement<D1Result> } {
  return {
    transfer: returningRow(
      transfers,
      d1
        .prepare(
          `INSERT INTO transfers (id, transfer_number, from_store_id, to_store_id, status, note, created_by, version, created_at, updated_at)
           VALUES (?7, ?1, ?2, ?3, 'draft', ?4, ?5, 1, ?6, ?6) RETURNING *`,
        )
        .bind(t.number, t.fromStoreId, t.toStoreId, t.note, t.userId, t.now, t.id),
    ),
    lines: statement(
      d1
        .prepare(
          `INSERT INTO transfer_lines (transfer_id, product_id, product_name, product_sku, quantity)
           SELECT (SELECT id FROM transfers WHERE transfer_number = ?1), p.id, p.name, p.sku, json_extract(j.value, '$.quantity')
           FROM json_each(?2) j JOIN products p ON p.id = json_extract(j.value, '$.product_id')`,
        )
        .bind(t.number, JSON.stringify(t.lines)),
    ),
  };
}

/**
 * Guard: fails the batch (through the status CHECK) unless the transfer is
 * still the draft of `version` that the cancel read: its webhook payload was
 * built from that read. A send (or a send undone) meanwhile: read again.
 */
export const stillDraftAt = (d1: D1Database, id: number, version: number) =>
  d1
    .prepare("UPDATE transfers SET status = 'changed' WHERE id = ?1 AND (status != 'draft' OR version != ?2)")
    .bind(id, version);

/** The CHECK `stillDraftAt` trips. */
export const DRAFT_CHANGED = "transfers_status_check";

/** A draft cancelled before anything moved (no stock, no step); RETURNING nothing when it was no longer a draft. */
export const cancelDraft = (d1: D1Database, id: number, userId: number, now: string): Statement<Transfer | undefined> =>
  returningRow(
    transfers,
    d1
      .prepare(
        `UPDATE transfers SET status = 'cancelled', cancelled_by = ?2, cancelled_at = ?3, version = version + 1, updated_at = ?3
         WHERE id = ?1 AND status = 'draft' RETURNING *`,
      )
      .bind(id, userId, now),
  );

// ---------------------------------------------------------------- holds (head office)

export interface StepHold {
  transferId: number;
  stepKey: string;
  kind: TransferStepKind;
  storeId: number;
  userId: number;
  now: string;
  expiresAt: string;
}

/**
 * The step row, pending. The status trigger refuses it unless the transfer
 * is where the step starts; the one-pending index refuses it while another
 * step is settling; its primary key refuses a step that was already taken.
 * `lines` given: what the step moves; absent (a cancel): what is in transit
 * when the batch runs, computed by the INSERT itself (RETURNING says what).
 */
export function insertStep(d1: D1Database, hold: StepHold, lines?: string): Statement<TransferStep | undefined> {
  const linesSql =
    lines === undefined
      ? `(SELECT COALESCE(json_group_array(json_object('product_id', product_id, 'quantity', sent - received - returned)), '[]')
          FROM transfer_lines WHERE transfer_id = ?1 AND sent - received - returned > 0)`
      : "?8";
  return returningRow(
    transferSteps,
    d1
      .prepare(
        `INSERT INTO transfer_steps (transfer_id, step_key, kind, store_id, status, lines, user_id, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ${linesSql}, ?5, ?6, ?7) RETURNING *`,
      )
      .bind(
        hold.transferId,
        hold.stepKey,
        hold.kind,
        hold.storeId,
        hold.userId,
        hold.expiresAt,
        hold.now,
        ...(lines === undefined ? [] : [lines]),
      ),
  );
}

/**
 * Moves the step's column of its lines by the quantities in the step row
 * itself (so the hold and its undo read the same numbers). The CHECK
 * received + returned ≤ sent refuses a receipt or return of more than is in
 * transit: the whole hold batch fails.
 */
function moveLinesByStep(d1: D1Database, transferId: number, stepKey: string, kind: TransferStepKind, sign: 1 | -1) {
  const column = STEP_COLUMN[kind];
  const stepLines = `SELECT json_extract(e.value, '$.product_id') AS product_id, json_extract(e.value, '$.quantity') AS quantity
    FROM transfer_steps s, json_each(s.lines) e WHERE s.transfer_id = ?1 AND s.step_key = ?2 AND s.status = 'pending'`;
  return statement(
    d1
      .prepare(
        `WITH step(product_id, quantity) AS (${stepLines})
         UPDATE transfer_lines SET ${column} = ${column} + ?3 * (SELECT quantity FROM step WHERE step.product_id = transfer_lines.product_id)
         WHERE transfer_id = ?1 AND product_id IN (SELECT product_id FROM step)`,
      )
      .bind(transferId, stepKey, sign),
  );
}

/** The status a step leads to, written in its hold batch (a receipt: `received` only once nothing is in transit). */
function statusOfHold(d1: D1Database, hold: StepHold) {
  switch (hold.kind) {
    case "send":
      return d1
        .prepare(
          `UPDATE transfers SET status = 'sent', sent_by = ?2, sent_at = ?3, version = version + 1, updated_at = ?3
           WHERE id = ?1 AND status = 'draft'`,
        )
        .bind(hold.transferId, hold.userId, hold.now);
    case "receive": {
      // Every receipt changes the transfer (version, updated_at); the last one also completes it.
      const complete =
        "NOT EXISTS (SELECT 1 FROM transfer_lines WHERE transfer_id = ?1 AND received + returned < sent)";
      return d1
        .prepare(
          `UPDATE transfers SET status = CASE WHEN ${complete} THEN 'received' ELSE status END,
             received_at = CASE WHEN ${complete} THEN ?2 ELSE received_at END, version = version + 1, updated_at = ?2
           WHERE id = ?1 AND status = 'sent'`,
        )
        .bind(hold.transferId, hold.now);
    }
    case "cancel":
      return d1
        .prepare(
          `UPDATE transfers SET status = 'cancelled', cancelled_by = ?2, cancelled_at = ?3, version = version + 1, updated_at = ?3
           WHERE id = ?1 AND status = 'sent'`,
        )
        .bind(hold.transferId, hold.userId, hold.now);
  }
}

/** The hold batch of a step: the pending step, its line changes, the status it leads to. */
export function holdStatements(d1: D1Database, hold: StepHold, lines?: string) {
  return {
    step: insertStep(d1, hold, lines),
    lines: moveLinesByStep(d1, hold.transferId, hold.stepKey, hold.kind, 1),
    status: statement(statusOfHold(d1, hold)),
  };
}

/**
 * Undoes a pending step whose store batch was refused (or, per the sweep,
 * never landed): its line changes reversed, the status it set put back, the
 * step row deleted, in one batch. Each statement first asks that the step is
 * still pending, so running the undo twice (the request and the sweep) undoes
 * once; safe because a transfer has at most one pending step, so the status
 * it set is still the one it left. The last statement RETURNs the deleted step.
 */
export function undoStepStatements(
  d1: D1Database,
  step: Pick<TransferStep, "transferId" | "stepKey" | "kind">,
  now: string,
) {
  const pending =
    "EXISTS (SELECT 1 FROM transfer_steps WHERE transfer_id = ?1 AND step_key = ?2 AND status = 'pending')";
  const back: Record<TransferStepKind, string> = {
    send: "status = 'draft', sent_by = NULL, sent_at = NULL",
    receive: "status = 'sent', received_at = NULL",
    cancel: "status = 'sent', cancelled_by = NULL, cancelled_at = NULL",
  };
  // A pending receipt's transfer is sent, or received when the receipt completed it.
  const from: Record<TransferStepKind, string> = {
    send: "'sent'",
    receive: "'sent', 'received'",
    cancel: "'cancelled'",
  };
  return [
    statement(
      d1
        .prepare(
          `UPDATE transfers SET ${back[step.kind]}, version = version + 1, updated_at = ?3
           WHERE id = ?1 AND status IN (${from[step.kind]}) AND ${pending}`,
        )
        .bind(step.transferId, step.stepKey, now),
    ),
    moveLinesByStep(d1, step.transferId, step.stepKey, step.kind, -1),
    returningRow(
      transferSteps,
      d1
        .prepare(
          "DELETE FROM transfer_steps WHERE transfer_id = ?1 AND step_key = ?2 AND status = 'pending' RETURNING *",
        )
        .bind(step.transferId, step.stepKey),
    ),
  ] as const;
}

/** The store batch committed: the step is applied (nothing when it was already). */
export const confirmStep = (d1: D1Database, transferId: number, stepKey: string, now: string) =>
  d1
    .prepare(
      "UPDATE transfer_steps SET status = 'applied', applied_at = ?3 WHERE transfer_id = ?1 AND step_key = ?2 AND status = 'pending'",
    )
    .bind(transferId, stepKey, now);

/** Pending steps whose hold expired before `before` (ISO), oldest first. */
export const expiredSteps = (d1: D1Database, before: string, limit: number): Statement<TransferStep[]> =>
  returningRows(
    transferSteps,
    d1
      .prepare("SELECT * FROM transfer_steps WHERE status = 'pending' AND expires_at < ?1 ORDER BY expires_at LIMIT ?2")
      .bind(before, limit),
  );

/** A step's insert refused because the transfer already has a step with that key (PK), not because another is pending. */
export const isSameStepTaken = (error: unknown) =>
  /UNIQUE constraint failed: transfer_steps\.transfer_id, transfer_steps\.step_key/.test(errorText(error));

/** The one-pending-step index refused the insert: another step of the transfer is still settling. */
export const isOtherStepPending = (error: unknown) =>
  /UNIQUE constraint failed: transfer_steps\.transfer_id(?!, )/.test(errorText(error)) ||
  /transfer_steps_one_pending/.test(errorText(error));

/** The status trigger refused the step: the transfer is not where the step starts. */
export const isStepOutOfStatus = (error: unknown) => /transfer step not allowed in this status/.test(errorText(error));

/** The store's deadline trigger refused the batch: the hold expired before it landed. */
export const isStepExpired = (error: unknown) => /transfer step expired/.test(errorText(error));

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(" | ");
}

// ---------------------------------------------------------------- the store's side

/** The step's row in the store batch that moves its stock; refused by the deadline trigger after `expiresAtMs`. */
export const insertMove = (
  d1: D1Database,
  move: {
    stockRef: string;
    transferId: number;
    stepKey: string;
    kind: TransferStepKind;
    expiresAtMs: number;
    now: string;
  },
) =>
  statement(
    d1
      .prepare(
        `INSERT INTO transfer_moves (stock_ref, transfer_id, step_key, kind, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
      )
      .bind(move.stockRef, move.transferId, move.stepKey, move.kind, move.expiresAtMs, move.now),
  );

/** Which of `refs` a store wrote (its transfer_moves rows): the sweep's answer to "did that step land?". */
export async function movesFound(d1: D1Database, refs: string[]): Promise<Set<string>> {
  const { results } = await d1
    .prepare("SELECT stock_ref FROM transfer_moves WHERE stock_ref IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(refs))
    .all<{ stock_ref: string }>();
  return new Set(results.map((row) => row.stock_ref));
}

export const moveByRef = (d1: D1Database, ref: string) =>
  returningRow(transferMoves, d1.prepare("SELECT * FROM transfer_moves WHERE stock_ref = ?1").bind(ref));

// ---------------------------------------------------------------- lists (head office)

export interface TransferFilter extends PageRequest {
  status?: Transfer["status"] | undefined;
  fromStoreId?: number | undefined;
  toStoreId?: number | undefined;
  /** Either end. */
  storeId?: number | undefined;
  productId?: number | undefined;
  /** Not an admin: only transfers with an end where the user's role is one of `roles`. */
  visibleTo?: { userId: number; roles: readonly Role[] } | undefined;
}

/** A list's row: the transfer, both ends' code and name, and its units per column. */
export type TransferListRow = Transfer & {
  from_code: string;
  from_name: string;
  to_code: string;
  to_name: string;
  line_count: number;
  units_quantity: number;
  units_sent: number;
  units_received: number;
  units_returned: number;
};

/** Newest first. A non-admin sees the transfers one of whose ends is a store where they hold a reading role. */
export function transferPage(d1: D1Database, filter: TransferFilter): Promise<Page<TransferListRow>> {
  const where = new Where();
  if (filter.status) where.and((p) => `t.status = ${p}`, filter.status);
  if (filter.fromStoreId) where.and((p) => `t.from_store_id = ${p}`, filter.fromStoreId);
  if (filter.toStoreId) where.and((p) => `t.to_store_id = ${p}`, filter.toStoreId);
  if (filter.storeId) {
    const p = where.bind(filter.storeId);
    where.and(`(t.from_store_id = ${p} OR t.to_store_id = ${p})`);
  }
  if (filter.productId) {
    where.and(
      (p) => `EXISTS (SELECT 1 FROM transfer_lines pl WHERE pl.transfer_id = t.id AND pl.product_id = ${p})`,
      filter.productId,
    );
  }
  if (filter.visibleTo) {
    const user = where.bind(filter.visibleTo.userId);
    const roles = where.bind(JSON.stringify(filter.visibleTo.roles));
    const mine = `(SELECT u.home_store_id FROM users u WHERE u.id = ${user} AND u.role IN (SELECT value FROM json_each(${roles}))
      UNION SELECT sr.store_id FROM store_roles sr WHERE sr.user_id = ${user} AND sr.role IN (SELECT value FROM json_each(${roles})))`;
    where.and(`(t.from_store_id IN ${mine} OR t.to_store_id IN ${mine})`);
  }
  return readPage(d1, {
    select: `SELECT t.*, f.code AS from_code, f.name AS from_name, d.code AS to_code, d.name AS to_name,
      (SELECT COUNT(*) FROM transfer_lines l WHERE l.transfer_id = t.id) AS line_count,
      (SELECT COALESCE(SUM(quantity), 0) FROM transfer_lines l WHERE l.transfer_id = t.id) AS units_quantity,
      (SELECT COALESCE(SUM(sent), 0) FROM transfer_lines l WHERE l.transfer_id = t.id) AS units_sent,
      (SELECT COALESCE(SUM(received), 0) FROM transfer_lines l WHERE l.transfer_id = t.id) AS units_received,
      (SELECT COALESCE(SUM(returned), 0) FROM transfer_lines l WHERE l.transfer_id = t.id) AS units_returned
      FROM transfers t JOIN stores f ON f.id = t.from_store_id JOIN stores d ON d.id = t.to_store_id`,
    from: "FROM transfers t",
    where,
    orderBy: "t.created_at DESC, t.id DESC",
    decode: (raw) => decodeRow<typeof transfers, TransferListRow>(transfers, raw),
    skip: filter.skip,
    limit: filter.limit,
  });
}
