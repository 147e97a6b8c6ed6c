/** A store's cash drawers: named tills (unique per store, any case), active or not. */
import { auditAt, auditStatement, changedFields, LAST_INSERTED } from "../audit/record";
import { Batch, statement } from "../db/batch";
import {
  type CashDrawer,
  type DrawerRow,
  findDrawerRow,
  insertDrawer,
  isDuplicateDrawerName,
  pageOfDrawers,
  updateDrawer,
} from "../db/cash-drawers";
import { mapPage } from "../db/paging";
import { ApiError, notFound } from "../lib/errors";
import type { ServiceContext } from "./context";

export interface DrawerView {
  id: number;
  store_id: number;
  name: string;
  active: boolean;
  /** The drawer's shift that is not closed yet (null when none). */
  current_shift: { id: number; status: NonNullable<DrawerRow["shift_status"]>; cashier_id: number } | null;
  created_at: string;
  updated_at: string;
}

const toDrawerView = (row: DrawerRow, storeId: number): DrawerView => ({
  id: row.id,
  store_id: storeId,
  name: row.name,
  active: row.active,
  current_shift:
    row.shift_id === null
      ? null
      : { id: row.shift_id, status: row.shift_status ?? "open", cashier_id: row.shift_cashier_id ?? 0 },
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

const duplicate = (name: string) =>
  new ApiError("DUPLICATE", `A cash drawer named "${name}" already exists at this store`);

export async function getDrawer(ctx: ServiceContext, id: number): Promise<DrawerView> {
  const row = await findDrawerRow(ctx.store.d1, id);
  if (!row) throw notFound("Cash drawer");
  return toDrawerView(row, ctx.store.id);
}

export async function listDrawers(
  ctx: ServiceContext,
  q: { skip: number; limit: number; active?: boolean | undefined },
) {
  return mapPage(await pageOfDrawers(ctx.store.d1, q), (row) => toDrawerView(row, ctx.store.id));
}

export async function createDrawer(ctx: ServiceContext, name: string): Promise<DrawerView> {
  const { d1, idBase } = ctx.store;
  const batch = new Batch(d1);
  const drawer = batch.add(insertDrawer(d1, name, ctx.now().toISOString(), idBase));
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: "cash_drawer.created",
        entityType: "cash_drawer",
        entityId: LAST_INSERTED,
        after: { name, active: true },
      }),
    ),
  );
  batch.refuseOn(isDuplicateDrawerName, () => duplicate(name));
  await batch.commit();
  const id = drawer.value?.id;
  if (id === undefined) throw new Error("drawer missing from a committed insert");
  return getDrawer(ctx, id);
}

/**
 * What a change of a drawer is called in the audit trail: (de)activating
 * alone has its own name, anything else (a rename, both at once) is an update.
 */
function drawerAction(changed: Record<string, unknown>): string {
  const fields = Object.keys(changed);
  if (fields.length === 1 && fields[0] === "active") {
    return changed.active ? "cash_drawer.activated" : "cash_drawer.deactivated";
  }
  return "cash_drawer.updated";
}

/** Renames or (de)activates; a drawer with a shift that is not closed stays active (409). */
export async function changeDrawer(
  ctx: ServiceContext,
  id: number,
  change: { name?: string | undefined; active?: boolean | undefined },
): Promise<DrawerView> {
  const { d1 } = ctx.store;
  const before = await findDrawerRow(d1, id);
  if (!before) throw notFound("Cash drawer");
  const fields = changedFields({ name: before.name, active: before.active }, change);
  const batch = new Batch(d1);
  const row = batch.add(updateDrawer(d1, id, change, ctx.now().toISOString()));
  // Only when the update matched: a deactivation refused for an unclosed shift writes nothing.
  batch.add(
    statement(
      auditStatement(d1, auditAt(ctx, "store"), {
        action: drawerAction(fields.after),
        entityType: "cash_drawer",
        entityId: id,
        ...fields,
        onlyIfChanged: true,
      }),
    ),
  );
  batch.refuseOn(
    (error) => change.name !== undefined && isDuplicateDrawerName(error),
    () => duplicate(change.name ?? ""),
  );
  await batch.commit();
  const updated: CashDrawer | undefined = row.value;
  if (!updated) {
    const shiftId = await findDrawerRow(d1, id).then((row) => row?.shift_id ?? null);
    // No unclosed shift: late cash waits for the drawer's next shift, which a retired drawer never opens.
    const why =
      shiftId === null
        ? "has late cash waiting for its next shift; open and close a shift on it first"
        : "has a shift that is not closed; close it first";
    throw new ApiError("INVALID_STATE", `Cash drawer ${before.name} ${why}`, { extra: { shift_id: shiftId } });
  }
  return getDrawer(ctx, id);
}
