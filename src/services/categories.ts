/**
 * Categories: unique names, versioned updates, deletion that protects
 * products. Every write records its audit event in its own batch.
 */
import { auditAt, auditInsert, auditStatement, changedFields, LAST_INSERTED } from "../audit/record";
import {
  type Category,
  categoryPage,
  deleteCategoryDetaching,
  findCategory,
  insertCategory,
  productsInCategory,
} from "../db/categories";
import { mapPage, type Page, type PageRequest } from "../db/paging";
import { categories } from "../db/schema";
import { updateVersionedWith } from "../db/versioned";
import { uniqueViolation } from "../lib/db-errors";
import { ApiError, notFound } from "../lib/errors";
import { isoNow } from "../lib/time";
import type { ServiceContext } from "./context";

export const toCategoryView = (row: Category) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  is_active: row.isActive,
  version: row.version,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export type CategoryView = ReturnType<typeof toCategoryView>;

/** What a category's audit events record. */
const auditFields = (row: Pick<Category, "name" | "description" | "isActive">) => ({
  name: row.name,
  description: row.description,
  is_active: row.isActive,
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

export async function createCategory(ctx: ServiceContext, input: CategoryInput): Promise<CategoryView> {
  const now = isoNow(ctx.now());
  const values = {
    name: input.name,
    description: input.description ?? null,
    isActive: input.is_active ?? true,
    createdAt: now,
    updatedAt: now,
  };
  try {
    const [[row]] = await ctx.hq.db.batch([
      insertCategory(ctx.hq.db, values),
      auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
        action: "category.created",
        entityType: "category",
        entityId: LAST_INSERTED,
        after: auditFields(values),
      }),
    ]);
    if (!row) throw new Error("insert returned no row");
    return toCategoryView(row);
  } catch (error) {
    throw duplicateName(error) ?? error;
  }
}

export async function listCategories(
  ctx: ServiceContext,
  query: PageRequest & { is_active?: boolean | undefined },
): Promise<Page<CategoryView>> {
  const page = await categoryPage(ctx.hq.db, { skip: query.skip, limit: query.limit, isActive: query.is_active });
  return mapPage(page, toCategoryView);
}

async function existingCategory(ctx: ServiceContext, id: number): Promise<Category> {
  const row = await findCategory(ctx.hq.db, id);
  if (!row) throw notFound("Category");
  return row;
}

export async function getCategory(ctx: ServiceContext, id: number): Promise<CategoryView> {
  return toCategoryView(await existingCategory(ctx, id));
}

/** A versioned update: 409 VERSION_CONFLICT when `expected` is stale, 409 DUPLICATE for a taken name. */
export async function updateCategory(
  ctx: ServiceContext,
  id: number,
  change: Partial<CategoryInput>,
  expected: number | undefined,
): Promise<CategoryView> {
  const row = await updateVersionedWith(
    ctx.hq,
    categories,
    {
      what: "Category",
      id,
      expected,
      set: { name: change.name, description: change.description, isActive: change.is_active },
      now: isoNow(ctx.now()),
      onError: duplicateName,
    },
    (current, next) => [
      auditStatement(ctx.hq.d1, auditAt(ctx, "hq"), {
        action: "category.updated",
        entityType: "category",
        entityId: id,
        ...changedFields(auditFields(current), auditFields(next)),
      }),
    ],
  );
  return toCategoryView(row);
}

/**
 * Deletes a category. While products still point at it the answer is 409,
 * unless `detach` is set: then they lose the category in the same batch.
 */
export async function deleteCategory(ctx: ServiceContext, id: number, detach: boolean) {
  const category = await existingCategory(ctx, id);
  const productCount = await productsInCategory(ctx.hq.db, id);
  if (productCount > 0 && !detach) {
    throw new ApiError(
      "CONFLICT",
      `Category still has ${productCount} product(s); move them first or delete with ?detach_products=true`,
      { extra: { product_count: productCount } },
    );
  }
  await deleteCategoryDetaching(
    ctx.hq.db,
    id,
    isoNow(ctx.now()),
    // Only if this request's DELETE removed it (a racing delete records its own event).
    auditInsert(ctx.hq.db, auditAt(ctx, "hq"), {
      action: "category.deleted",
      entityType: "category",
      entityId: id,
      before: { ...auditFields(category), product_count: productCount },
      after: null,
      onlyIfChanged: true,
    }),
  );
  return { detail: "Category deleted", detached_products: productCount };
}
