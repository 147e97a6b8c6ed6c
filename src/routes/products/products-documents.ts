/** Product barcodes (images, in-store EAN-13 assignment) and printable label sheets. */
import { createRoute, type RouteHandler, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requireAuth, requirePermission } from "../../lib/auth/middleware";
import { AUTHED_ERRORS, BEARER_SECURITY, errorResponses, IdParamSchema, jsonContent } from "../../lib/http/openapi";
import { assignInStoreEan13 } from "../../services/products";
import { labelSheet, productBarcode } from "../../services/products-documents";
import { ProductSchema } from "./products.schemas";

const tags = ["products"];

export const barcode = createRoute({
  method: "get",
  path: "/{id}/barcode",
  tags,
  summary: "Barcode image (SVG or PNG), cached in R2",
  security: BEARER_SECURITY,
  middleware: [requireAuth()],
  request: {
    params: IdParamSchema,
    query: z.object({
      format: z.enum(["svg", "png"]).default("svg"),
      symbology: z
        .enum(["ean13", "code128"])
        .optional()
        .openapi({ description: "Default: EAN-13 when the product has one, else Code 128" }),
    }),
  },
  responses: {
    200: {
      description: "The image",
      content: {
        "image/svg+xml": { schema: z.string() },
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const assignBarcode = createRoute({
  method: "post",
  path: "/{id}/barcode",
  tags,
  summary: "Assign an in-store EAN-13 (prefix 20–29) to a product that has no barcode",
  security: BEARER_SECURITY,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema },
  responses: {
    200: jsonContent(ProductSchema, "The product with its new barcode"),
    ...errorResponses(...AUTHED_ERRORS, 404, 409),
  },
});

export const labels = createRoute({
  method: "get",
  path: "/labels.pdf",
  tags,
  summary: "Printable A4 sheet of shelf labels (name, price, barcode) for the chosen products",
  security: BEARER_SECURITY,
  middleware: [requireAuth()],
  request: {
    query: z.object({
      ids: z
        .string()
        .max(2000)
        .regex(/^\d+(,\d+)*$/, "A comma-separated list of product ids")
        .openapi({ example: "1,2,3" }),
    }),
  },
  responses: {
    200: {
      description: "The PDF",
      content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const barcodeHandler: RouteHandler<typeof barcode, AppEnv> = async (c) => {
  const image = await productBarcode(c.var.ctx, c.req.valid("param").id, c.req.valid("query"));
  return c.body(image.body as ArrayBuffer, 200, {
    "Content-Type": image.contentType,
    "Cache-Control": "private, max-age=86400",
    ETag: image.etag,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  }) as never;
};

export const assignBarcodeHandler: RouteHandler<typeof assignBarcode, AppEnv> = async (c) =>
  c.json(await assignInStoreEan13(c.var.ctx, c.req.valid("param").id), 200);

export const labelsHandler: RouteHandler<typeof labels, AppEnv> = async (c) => {
  const pdf = await labelSheet(c.var.ctx, c.req.valid("query").ids.split(",").map(Number));
  return c.body(pdf as unknown as ArrayBuffer, 200, {
    "Content-Type": "application/pdf",
    "Content-Disposition": 'inline; filename="labels.pdf"',
  }) as never;
};
