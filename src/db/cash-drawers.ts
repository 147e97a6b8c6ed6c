/** The cash_drawers table: a store's tills, each with at most one shift that is not closed. */
import { returningRow, type Statement } from "./batch";
import { readPage, Where } from "./paging";
import { decodeRow, type Row } from "./rows";
import { cashDrawers, type ShiftStatus } from "./schema";
import { errorText } from "./shifts";

export type CashDrawer = Row<typeof cashDrawers>;

/** A drawer with the shift on it that is not closed yet, if any. */
export type DrawerRow = CashDrawer & {
  shift_id: number | null;
  shift_status: ShiftStatus | null;
  shift_cashier_id: number | null;
};

const DRAWER_SELECT = `SELECT d.*, s.id AS shift_id, s.status AS shift_status, s.cashier_id AS shift_cashier_id
  FROM cash_drawers d LEFT JOIN shifts s ON s.drawer_id = d.id AND s.status != 'closed'`;

const decodeDrawer = (raw: unknown) => decodeRow<typeof cashDrawers, DrawerRow>(cashDrawers, raw);

export async function findDrawerRow(d1: D1Database, id: number): Promise<DrawerRow | undefined> {
  const raw = await d1.prepare(`${DRAWER_SELECT} WHERE d.id = ?1`).bind(id).first();
  return raw ? decodeDrawer(raw) : undefined;
}

export function pageOfDrawers(d1: D1Database, q: { skip: number; limit: number; active?: boolean | undefined }) {
  const where = new Where();
  if (q.active !== undefined) where.and((p) => `d.active = ${p}`, q.active ? 1 : 0);
  return readPage(d1, {
    select: DRAWER_SELECT,
    from: "FROM cash_drawers d",
    where,
    orderBy: "lower(d.name), d.id",
    skip: q.skip,
    limit: q.limit,
    decode: decodeDrawer,
  });
}

/** A new drawer with the next id of the store's range. */
export const insertDrawer = (d1: D1Database, name: string, now: string, idBase: number) =>
  returningRow(
    cashDrawers,
    d1
      .prepare(
        `INSERT INTO cash_drawers (id, name, active, created_at, updated_at)
         VALUES ((SELECT COALESCE(MAX(id), ?3) + 1 FROM cash_drawers), ?1, 1, ?2, ?2) RETURNING *`,
      )
      .bind(name, now, idBase),
  );

/**
 * Renames and (de)activates a drawer. Deactivating touches nothing while the
 * drawer has a shift that is not closed, or late cash waiting for its next
 * shift (no row RETURNed): the open that races it sees the drawer still
 * active, or this one sees its shift.
 */
export const updateDrawer = (
  d1: D1Database,
  id: number,
  change: { name?: string | undefined; active?: boolean | undefined },
  now: string,
): Statement<CashDrawer | undefined> =>
  returningRow(
    cashDrawers,
    d1
      .prepare(
        `UPDATE cash_drawers SET name = COALESCE(?2, name), active = COALESCE(?3, active), updated_at = ?4
         WHERE id = ?1
           AND (COALESCE(?3, 1) = 1 OR (NOT EXISTS (SELECT 1 FROM shifts WHERE drawer_id = ?1 AND status != 'closed')
                                        AND NOT EXISTS (SELECT 1 FROM cash_events WHERE drawer_id = ?1 AND shift_id IS NULL)))
         RETURNING *`,
      )
      .bind(id, change.name ?? null, change.active === undefined ? null : change.active ? 1 : 0, now),
  );

export const isDuplicateDrawerName = (error: unknown) =>
  /cash_drawers_name_unique|cash_drawers\.name/.test(errorText(error));
