/**
 * The stores table (head office): the chain's stores and each one's database
 * binding, and the roles users hold at stores other than their home store.
 */
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import type { Row } from "./rows";
import { STORE_ID_SPAN, storeRoles, stores } from "./schema";

export type Store = Row<typeof stores>;
export type StoreRole = Row<typeof storeRoles>;

/** The store whose database handed out `id` (an order's, a payment's, a refund's, a log row's). */
export const storeOfId = (id: number): number => Math.floor(id / STORE_ID_SPAN);

/** The first id a store's database hands out is this + 1. */
export const idBase = (storeId: number): number => storeId * STORE_ID_SPAN;

export const listStores = (db: AppDatabase): Promise<Store[]> => db.select().from(stores).orderBy(asc(stores.id));

export const findStore = async (db: AppDatabase, id: number): Promise<Store | undefined> =>
  (await db.select().from(stores).where(eq(stores.id, id)).limit(1))[0];

export const findStoreByCode = async (db: AppDatabase, code: string): Promise<Store | undefined> =>
  (await db.select().from(stores).where(eq(stores.code, code)).limit(1))[0];

export const rolesOfUser = (db: AppDatabase, userId: number): Promise<StoreRole[]> =>
  db.select().from(storeRoles).where(eq(storeRoles.userId, userId)).orderBy(asc(storeRoles.storeId));

/** Stores the user works at: their home store and the stores where they hold a role. */
const worksAt = (userId: number): SQL =>
  sql`(${stores.id} IN (SELECT home_store_id FROM users WHERE id = ${userId}) OR ${stores.id} IN (SELECT store_id FROM store_roles WHERE user_id = ${userId}))`;

/** A page of stores by id: all of them, or (`visibleTo`) those the user works at. */
export const storePage = (
  db: AppDatabase,
  query: PageRequest & { visibleTo?: number | undefined },
): Promise<Page<Store>> =>
  pageOf(db, stores, {
    where: query.visibleTo === undefined ? undefined : worksAt(query.visibleTo),
    orderBy: [asc(stores.id)],
    skip: query.skip,
    limit: query.limit,
  });

/** The store, if `userId` works there (home store or a role). */
export const findStoreVisibleTo = async (db: AppDatabase, id: number, userId: number): Promise<Store | undefined> =>
  db
    .select()
    .from(stores)
    .where(and(eq(stores.id, id), worksAt(userId)))
    .get();

/**
 * INSERTs a store at version 1 (UNIQUE code and binding refuse a duplicate),
 * with `audit` (its audit event, the row being SQLite's last_insert_rowid()) in the same batch.
 */
export async function insertStore(
  db: AppDatabase,
  values: typeof stores.$inferInsert,
  audit: BatchItem<"sqlite">,
): Promise<Store> {
  const [[row]] = await db.batch([db.insert(stores).values(values).returning(), audit]);
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** Which of `ids` are stores (for validating a user's home store and roles). */
export async function existingStoreIds(db: AppDatabase, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: stores.id })
    .from(stores)
    .where(inArray(stores.id, ids.slice(0, 90)));
  return new Set(rows.map((row) => row.id));
}
