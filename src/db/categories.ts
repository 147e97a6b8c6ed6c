/**
 * The categories table: simple reads and writes through Drizzle. Versioned
 * updates go through `updateVersionedWith` (db/versioned.ts), with their audit events.
 */
import { asc, count, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppDatabase } from "./client";
import { type Page, type PageRequest, pageOf } from "./paging";
import type { Row } from "./rows";
import { categories, products } from "./schema";

export type Category = Row<typeof categories>;

/**
 * INSERTs a category at version 1 (a UNIQUE on its lower-cased name refuses
 * a duplicate), RETURNING it; not awaited here: run it in a `db.batch` with its audit event.
 */
export const insertCategory = (
  db: AppDatabase,
  values: Pick<Category, "name" | "description" | "isActive" | "createdAt" | "updatedAt">,
) => db.insert(categories).values(values).returning();

/** Categories by name, all or only the active (or inactive) ones. */
export const categoryPage = (
  db: AppDatabase,
  query: PageRequest & { isActive?: boolean | undefined },
): Promise<Page<Category>> =>
  pageOf(db, categories, {
    where: query.isActive === undefined ? undefined : eq(categories.isActive, query.isActive),
    orderBy: [asc(categories.name)],
    skip: query.skip,
    limit: query.limit,
  });

export const findCategory = (db: AppDatabase, id: number): Promise<Category | undefined> =>
  db.select().from(categories).where(eq(categories.id, id)).get();

export async function categoryExists(db: AppDatabase, id: number): Promise<boolean> {
  return (await db.select({ id: categories.id }).from(categories).where(eq(categories.id, id)).get()) !== undefined;
}

/** How many products (active or not) point at the category. */
export async function productsInCategory(db: AppDatabase, id: number): Promise<number> {
  const row = await db.select({ n: count() }).from(products).where(eq(products.categoryId, id)).get();
  return row?.n ?? 0;
}

/**
 * Deletes the category and, in the same batch, takes it off every product
 * still in it (a new version of each). `after` (its audit event) runs right
 * after the DELETE, so SQLite's changes() there is the DELETE's.
 */
export async function deleteCategoryDetaching(
  db: AppDatabase,
  id: number,
  now: string,
  after: BatchItem<"sqlite">,
): Promise<void> {
  await db.batch([
    db
      .update(products)
      .set({ categoryId: null, updatedAt: now, version: sql`${products.version} + 1` })
      .where(eq(products.categoryId, id)),
    db.delete(categories).where(eq(categories.id, id)),
    after,
  ]);
}
