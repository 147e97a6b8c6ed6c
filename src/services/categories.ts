/** Categories: unique names, versioned updates, deletion that protects products. */
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
import { updateVersioned } from "../db/versioned";
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
  try {
    const row = await insertCategory(ctx.hq.db, {
      name: input.name,
      description: input.description ?? null,
      isActive: input.is_active ?? true,
      createdAt: now,
      updatedAt: now,
    });
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
  const row = await updateVersioned(ctx.hq.db, categories, {
    what: "Category",
    id,
    expected,
    set: { name: change.name, description: change.description, isActive: change.is_active },
    now: isoNow(ctx.now()),
    onError: duplicateName,
  });
  return toCategoryView(row);
}

/**
 * Deletes a category. While products still point at it the answer is 409,
 * unless `detach` is set: then they lose the category in the same batch.
 */
export async function deleteCategory(ctx: ServiceContext, id: number, detach: boolean) {
  await existingCategory(ctx, id);
  const productCount = await productsInCategory(ctx.hq.db, id);
  if (productCount > 0 && !detach) {
    throw new ApiError(
      "CONFLICT",
      `Category still has ${productCount} product(s); move them first or delete with ?detach_products=true`,
      { extra: { product_count: productCount } },
    );
  }
  await deleteCategoryDetaching(ctx.hq.db, id, isoNow(ctx.now()));
  return { detail: "Category deleted", detached_products: productCount };
}
