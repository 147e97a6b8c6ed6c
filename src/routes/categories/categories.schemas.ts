import { z } from "@hono/zod-openapi";
import { BooleanQuery, multilineText, plainText, VersionField } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

export const CategorySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    is_active: z.boolean(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Category");

export const CategoryListSchema = paginatedSchema(CategorySchema, "CategoryList");

export const CreateCategorySchema = z
  .object({
    name: plainText(100, 1).openapi({ example: "Electronics" }),
    description: multilineText(1000).nullish().openapi({ example: "Computers and accessories" }),
    is_active: z.boolean().optional(),
  })
  .openapi("CategoryCreate");

export const UpdateCategorySchema = z
  .object({
    name: plainText(100, 1).optional(),
    description: multilineText(1000).nullish(),
    is_active: z.boolean().optional(),
    version: VersionField,
  })
  .strict()
  .openapi("CategoryUpdate");

export const CategoryListQuerySchema = z.object({ is_active: BooleanQuery.optional() });

export const DeleteCategoryQuerySchema = z.object({
  detach_products: BooleanQuery.optional().openapi({
    description: "Detach the category's products instead of refusing",
  }),
});

export const CategoryDeletedSchema = z
  .object({ detail: z.string(), detached_products: z.number().int() })
  .openapi("CategoryDeleted");
