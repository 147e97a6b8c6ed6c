/** Categories: unique names, versioned updates, deletion that protects products. */
import { and, asc, count, eq, sql } from "drizzle-orm";
import type { AppDatabase } from "../db/client";
import { categories, products } from "../db/schema";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import { explainMissedUpdate } from "./versioning";

export type CategoryRow = typeof categories.$inferSelect;

export const toCategoryView = (row: CategoryRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  is_active: row.isActive,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

const duplicateName = (error: unknown) =>
  uniqueViolation(error)
    ? new ApiError("DUPLICATE", "A category with this name already exists", { extra: { field: "name" } })
    : null;

export interface CategoryInput {
  name: string;
  description?: string | null | undefined;
  is_active?: boolean | undefined;
}

export async function createCategory(db: AppDatabase, input: CategoryInput): Promise<CategoryRow> {
  const now = isoNow();
  try {
    const [row] = await db
      .insert(categories)
      .values({
        name: input.name,
        description: input.description ?? null,
        isActive: input.is_active ?? true,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  } catch (error) {
    throw duplicateName(error) ?? error;
  }
}

export async function listCategories(
  db: AppDatabase,
  query: { skip: number; limit: number; is_active?: boolean | undefined },
) {
  const where = query.is_active === undefined ? undefined : eq(categories.isActive, query.is_active);
  const [rows, totals] = await db.batch([
    db.select().from(categories).where(where).orderBy(asc(categories.name)).limit(query.limit).offset(query.skip),
    db.select({ total: count() }).from(categories).where(where),
  ]);
  return { rows, total: totals[0]?.total ?? 0 };
}

export async function getCategory(db: AppDatabase, id: number): Promise<CategoryRow> {
  const row = await db.select().from(categories).where(eq(categories.id, id)).get();
  if (!row) throw notFound("Category");
  return row;
}

export async function updateCategory(
  db: AppDatabase,
  id: number,
  change: Partial<CategoryInput>,
  expected: number | undefined,
): Promise<CategoryRow> {
  try {
    const [row] = await db
      .update(categories)
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.is_active !== undefined ? { isActive: change.is_active } : {}),
        version: sql`${categories.version} + 1`,
        updatedAt: isoNow(),
      })
      .where(and(eq(categories.id, id), expected === undefined ? undefined : eq(categories.version, expected)))
      .returning();
    if (row) return row;
  } catch (error) {
    throw duplicateName(error) ?? error;
  }
  return explainMissedUpdate(
    "Category",
    expected,
    async () => (await getCategory(db, id).catch(() => undefined))?.version,
  );
}

/**
 * Deletes a category. While products still point at it the answer is 409,
 * unless `detach` is set: then they lose the category in the same batch.
 */
export async function deleteCategory(db: AppDatabase, id: number, detach: boolean) {
  await getCategory(db, id);
  const inUse = await db.select({ n: count() }).from(products).where(eq(products.categoryId, id)).get();
  const productCount = inUse?.n ?? 0;
  if (productCount > 0 && !detach) {
    throw new ApiError(
      "CONFLICT",
      `Category still has ${productCount} product(s); move them first or delete with ?detach_products=true`,
      { extra: { product_count: productCount } },
    );
  }
  const now = isoNow();
  await db.batch([
    db
      .update(products)
      .set({ categoryId: null, updatedAt: now, version: sql`${products.version} + 1` })
      .where(eq(products.categoryId, id)),
    db.delete(categories).where(eq(categories.id, id)),
  ]);
  return { detached_products: productCount };
}
