import { z } from "@hono/zod-openapi";
import { PRODUCT_SORTS } from "../../db/products";
import {
  BarcodeSchema,
  BooleanQuery,
  MoneySchema,
  multilineText,
  OptionalIdQuery,
  plainText,
  VersionField,
} from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const Quantity = z.number().int().min(0).max(10_000_000);

export const ProductSchema = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    barcode: z.string().nullable(),
    price: z.number(),
    cost_price: z.number(),
    stock_quantity: z.number().int(),
    min_stock_level: z.number().int(),
    is_active: z.boolean(),
    category_id: z.number().int().nullable(),
    category: z.object({ id: z.number().int(), name: z.string() }).nullable(),
    image_url: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Product");

export const ProductListSchema = paginatedSchema(ProductSchema, "ProductList");

const ImageUrl = z
  .string()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/ }))
  .nullish();

const productFields = {
  sku: plainText(64, 1).regex(/^\S+$/, "SKU must not contain spaces").openapi({ example: "PROD001" }),
  name: plainText(200, 1).openapi({ example: "Laptop" }),
  description: multilineText(2000).nullish().openapi({ example: "High-performance laptop" }),
  barcode: BarcodeSchema.nullish(),
  price: MoneySchema,
  cost_price: MoneySchema.optional(),
  min_stock_level: Quantity.optional().openapi({ example: 5 }),
  category_id: z.number().int().positive().nullish().openapi({ example: 1 }),
  image_url: ImageUrl,
  is_active: z.boolean().optional(),
};

export const CreateProductSchema = z
  .object({
    ...productFields,
    stock_quantity: Quantity.optional().openapi({ example: 50, description: "Opening stock, logged as stock_in" }),
  })
  .openapi("ProductCreate");

export const UpdateProductSchema = z
  .object({
    sku: productFields.sku.optional(),
    name: productFields.name.optional(),
    description: productFields.description,
    barcode: productFields.barcode,
    price: MoneySchema.optional(),
    cost_price: MoneySchema.optional(),
    min_stock_level: productFields.min_stock_level,
    category_id: productFields.category_id,
    image_url: productFields.image_url,
    is_active: productFields.is_active,
    version: VersionField,
    // Declared only to refuse it with a pointer to the right endpoint.
    stock_quantity: z.unknown().optional().openapi({ description: "Not writable here" }),
  })
  .superRefine((body, ctx) => {
    if (body.stock_quantity !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["stock_quantity"],
        message:
          "stock_quantity cannot be changed here; use POST /api/v1/inventory/product/{id}/adjust or POST /api/v1/inventory/logs",
      });
    }
  })
  .openapi("ProductUpdate");

export const ProductListQuerySchema = z.object({
  category_id: OptionalIdQuery.optional(),
  search: z.string().trim().min(1).max(100).optional(),
  is_active: z
    .union([BooleanQuery, z.literal("all")])
    .optional()
    .openapi({ description: "Default true; `false` for deactivated only, `all` for both" }),
  min_price: MoneySchema.optional(),
  max_price: MoneySchema.optional(),
  sort: z.enum(PRODUCT_SORTS).optional().openapi({ description: "Column, `-` prefix for descending" }),
});

export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(100).openapi({ example: "lap" }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  include_inactive: BooleanQuery.optional(),
});

export const SearchResultSchema = z
  .object({ q: z.string(), total: z.number().int(), data: z.array(ProductSchema) })
  .openapi("ProductSearchResult");

export const BarcodeParamSchema = z.object({
  code: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "code", in: "path" }, example: "4006381333931" }),
});

export const BarcodeImageQuerySchema = z.object({
  format: z.enum(["svg", "png"]).default("svg"),
  symbology: z
    .enum(["ean13", "code128"])
    .optional()
    .openapi({ description: "Default: EAN-13 when the product has one, else Code 128" }),
});

export const LabelsQuerySchema = z.object({
  ids: z
    .string()
    .max(2000)
    .regex(/^\d+(,\d+)*$/, "A comma-separated list of product ids")
    .openapi({ example: "1,2,3" }),
});

export const StorePriceSchema = z
  .object({
    price: MoneySchema.openapi({
      example: 12.5,
      description: "The acting store's own price (X-Store-Id, store_id, else the caller's home store)",
    }),
  })
  .openapi("ProductStorePrice");
