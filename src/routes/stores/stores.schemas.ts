import { z } from "@hono/zod-openapi";
import { STORE_STATUSES } from "../../db/schema";
import { plainText, VersionField } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const CodeSchema = z
  .string()
  .regex(/^[A-Z0-9]{1,12}$/, "Use 1 to 12 upper-case letters or digits")
  .openapi({ example: "WEST", description: "Short and unique; part of every order number (ORD-WEST-…)" });

const AddressLinesSchema = z
  .array(plainText(120))
  .max(6)
  .openapi({ example: ["12 High Street", "Westville 11111"], description: "Printed under the name on documents" });

const PhoneSchema = z
  .string()
  .trim()
  .max(32)
  .regex(/^[0-9+()\-. ]*$/, "Use digits, spaces and + ( ) - .")
  .nullish()
  .openapi({ example: "+1 555 0142" });

const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .openapi({ example: "Europe/Berlin", description: "IANA time zone: the store's days, report buckets, documents" });

const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "Use an ISO 4217 code such as EUR")
  .openapi({ example: "EUR" });

const StatusSchema = z.enum(STORE_STATUSES).openapi({ description: "Inactive stores refuse everyone but admins" });

const BindingSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,62}$/, "A Worker binding name such as STORE_WEST")
  .openapi({ example: "STORE_WEST", description: "The Worker's D1 binding of the store's database" });

const DatabaseNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Lower-case letters, digits and '-'")
  .openapi({ example: "pos-store-west" });

export const StoreSchema = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    address_lines: z.array(z.string()),
    phone: z.string().nullable(),
    time_zone: z.string(),
    currency: z.string(),
    status: z.enum(STORE_STATUSES),
    binding: z.string(),
    database_name: z.string(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Store");

export const StoreListSchema = paginatedSchema(StoreSchema, "StoreList");

export const CreateStoreSchema = z
  .object({
    code: CodeSchema,
    name: plainText(100, 1).openapi({ example: "West End Shop" }),
    address_lines: AddressLinesSchema.optional(),
    phone: PhoneSchema,
    time_zone: TimeZoneSchema,
    currency: CurrencySchema,
    status: StatusSchema.optional(),
    binding: BindingSchema.optional().openapi({ description: "Default STORE_<CODE>; the Worker must have it" }),
    database_name: DatabaseNameSchema.optional().openapi({ description: "Default pos-store-<code>" }),
  })
  .strict()
  .openapi("StoreCreate");

export const UpdateStoreSchema = z
  .object({
    code: CodeSchema.optional().openapi({ description: "Cannot change: 422 when it differs" }),
    name: plainText(100, 1).optional(),
    address_lines: AddressLinesSchema.optional(),
    phone: PhoneSchema,
    time_zone: TimeZoneSchema.optional(),
    currency: CurrencySchema.optional(),
    status: StatusSchema.optional(),
    binding: BindingSchema.optional().openapi({ description: "Cannot change: 422 when it differs" }),
    database_name: DatabaseNameSchema.optional(),
    version: VersionField,
  })
  .strict()
  .openapi("StoreUpdate");
