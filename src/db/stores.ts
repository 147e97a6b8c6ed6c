/**
 * The stores table (head office): the chain's stores and each one's database
 * binding, and the roles users hold at stores other than their home store.
 */
import { asc, eq } from "drizzle-orm";
import type { AppDatabase } from "./client";
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
