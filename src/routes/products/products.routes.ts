import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth, requirePermission, requirePermissionInBatch } from "../../lib/auth/middleware";
import { IfMatchHeaderSchema } from "../../lib/http/fields";
import {
  AUTHED_ERRORS,
  BEARER_SECURITY,
  errorResponses,
  IdParamSchema,
  jsonBody,
  jsonContent,
  PaginationQuerySchema,
} from "../../lib/http/openapi";
import {
  BarcodeImageQuerySchema,
  BarcodeParamSchema,
  CreateProductSchema,
  LabelsQuerySchema,
  ProductListQuerySchema,
  ProductListSchema,
  ProductSchema,
  SearchQuerySchema,
  SearchResultSchema,
  StorePriceSchema,
  UpdateProductSchema,
} from "./products.schemas";

const tags = ["products"];
const security = BEARER_SECURITY;

export const create = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a product (opening stock is logged as stock_in)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { body: jsonBody(CreateProductSchema) },
  responses: { 201: jsonContent(ProductSchema, "Created"), ...errorResponses(...AUTHED_ERRORS, 409) },
});

export const list = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List products with filters, sorting and pagination",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema.extend(ProductListQuerySchema.shape) },
  responses: { 200: jsonContent(ProductListSchema, "A page of products"), ...errorResponses(...AUTHED_ERRORS) },
});

export const search = createRoute({
  method: "get",
  path: "/search",
  tags,
  summary: "Ranked full-text search over name, SKU, barcode and description (prefix matches)",
  security,
  middleware: [requireAuth()],
  request: { query: SearchQuerySchema },
  responses: { 200: jsonContent(SearchResultSchema, "Best matches first"), ...errorResponses(...AUTHED_ERRORS) },
});

export const lowStock = createRoute({
  method: "get",
  path: "/low-stock",
  tags,
  summary: "Active products at or below the acting store's minimum stock level",
  security,
  middleware: [requireAuth()],
  request: { query: PaginationQuerySchema },
  responses: { 200: jsonContent(ProductListSchema, "Emptiest first"), ...errorResponses(...AUTHED_ERRORS) },
});

export const byBarcode = createRoute({
  method: "get",
  path: "/barcode/{code}",
  tags,
  summary: "Scanner lookup by exact barcode (the acting store's stock, minimum and price)",
  security,
  // The caller is confirmed in the catalog read's own batch: a scan is one round trip.
  middleware: [requirePermissionInBatch("catalog:read")],
  request: { params: BarcodeParamSchema },
  responses: { 200: jsonContent(ProductSchema, "The product"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const get = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Read a product (the acting store's stock, minimum and price)",
  security,
  // The caller is confirmed in the catalog read's own batch: one round trip.
  middleware: [requirePermissionInBatch("catalog:read")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ProductSchema, "The product"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

export const update = createRoute({
  method: "put",
  path: "/{id}",
  tags,
  summary: "Update a product (send `version` or If-Match; stock changes go through inventory)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateProductSchema) },
  responses: { 200: jsonContent(ProductSchema, "Updated"), ...errorResponses(...AUTHED_ERRORS, 404, 409) },
});

export const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Deactivate a product (it stays in history and reports but cannot be sold)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema },
  responses: { 200: jsonContent(ProductSchema, "Deactivated"), ...errorResponses(...AUTHED_ERRORS, 404) },
});

// A store's own price (the acting store's; the others keep the catalog's).
export const setStorePrice = createRoute({
  method: "put",
  path: "/{id}/store-price",
  tags,
  summary: "Set the acting store's own price for a product (its answers and its sales use it)",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema, body: jsonBody(StorePriceSchema) },
  responses: {
    200: jsonContent(ProductSchema, "The product as the store sees it"),
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export const clearStorePrice = createRoute({
  method: "delete",
  path: "/{id}/store-price",
  tags,
  summary: "Remove the acting store's own price: the catalog's price applies there again",
  security,
  middleware: [requirePermission("catalog:write")],
  request: { params: IdParamSchema },
  responses: {
    200: jsonContent(ProductSchema, "The product as the store sees it"),
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

// Barcodes (images, in-store EAN-13 assignment) and printable label sheets.
export const barcode = createRoute({
  method: "get",
  path: "/{id}/barcode",
  tags,
  summary: "Barcode image (SVG or PNG), cached in R2",
  security,
  middleware: [requireAuth()],
  request: {
    params: IdParamSchema,
    query: BarcodeImageQuerySchema,
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
  security,
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
  security,
  middleware: [requireAuth()],
  request: {
    query: LabelsQuerySchema,
  },
  responses: {
    200: {
      description: "The PDF",
      content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses(...AUTHED_ERRORS, 404),
  },
});

export type CreateRoute = typeof create;
export type ListRoute = typeof list;
export type SearchRoute = typeof search;
export type LowStockRoute = typeof lowStock;
export type ByBarcodeRoute = typeof byBarcode;
export type GetRoute = typeof get;
export type UpdateRoute = typeof update;
export type RemoveRoute = typeof remove;
export type BarcodeRoute = typeof barcode;
export type AssignBarcodeRoute = typeof assignBarcode;
export type LabelsRoute = typeof labels;
export type SetStorePriceRoute = typeof setStorePrice;
export type ClearStorePriceRoute = typeof clearStorePrice;
