import { z } from "@hono/zod-openapi";
import { escapeLike } from "../../domain/search";
import { BooleanQuery, multilineText, plainText, VersionField } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";
import { EmailSchema, PhoneSchema } from "../users/users.schemas";

export const CustomerSchema = z
  .object({
    id: z.number().int(),
    first_name: z.string(),
    last_name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    address: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    zip_code: z.string().nullable(),
    country: z.string().nullable(),
    notes: z.string().nullable(),
    loyalty_points: z.number().int(),
    total_spent: z.number(),
    is_active: z.boolean(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Customer");

export const CustomerListSchema = paginatedSchema(CustomerSchema, "CustomerList");

const fields = {
  first_name: plainText(100, 1).openapi({ example: "Jane" }),
  last_name: plainText(100, 1).openapi({ example: "Smith" }),
  email: EmailSchema.nullish(),
  phone: PhoneSchema,
  address: multilineText(300).nullish(),
  city: plainText(100).nullish(),
  state: plainText(100).nullish(),
  zip_code: plainText(20).nullish(),
  country: plainText(100).nullish(),
  notes: multilineText(1000).nullish().openapi({ description: "Free text for staff" }),
  is_active: z.boolean().optional(),
};

// loyalty_points and total_spent are not accepted: points move through the
// ledger endpoint, spending through orders.
export const CreateCustomerSchema = z.object(fields).openapi("CustomerCreate");

export const UpdateCustomerSchema = z
  .object({
    ...fields,
    first_name: fields.first_name.optional(),
    last_name: fields.last_name.optional(),
    version: VersionField,
  })
  .openapi("CustomerUpdate");

const ActiveFilter = z
  .union([BooleanQuery, z.literal("all")])
  .optional()
  .openapi({ description: "Default true; `false` for deactivated only, `all` for both" });

export const CustomerListQuerySchema = z.object({ is_active: ActiveFilter });

/**
 * LIKE patterns are capped at 50 bytes in D1; `%q%` must fit, with q as the
 * service escapes it (a backslash before each %, _ and \).
 */
export const CustomerSearchQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .refine(
      (q) => new TextEncoder().encode(escapeLike(q)).length <= 48,
      "q must be at most 48 bytes (%, _ and \\ count twice)",
    )
    .openapi({ example: "smith" }),
  is_active: ActiveFilter,
});

const Points = z.coerce
  .number()
  .int()
  .min(-1_000_000)
  .max(1_000_000)
  .refine((points) => points !== 0, "points must not be zero")
  .openapi({
    example: 120,
    description: "Positive adds, negative removes; at most LOYALTY_MAX_MANUAL_ADJUSTMENT (default 10 000) either way",
  });

const Reason = plainText(200, 1).openapi({ example: "welcome bonus", description: "Why; kept on the ledger row" });

// Both fields are optional here only because older clients send them in the
// query string instead; the handler requires `points` from one place or the
// other, and a `reason` whenever `points` comes in the body.
export const LoyaltyAdjustSchema = z
  .object({
    points: Points.optional().openapi({ description: "Required (here, or as the deprecated ?points=)" }),
    reason: Reason.optional().openapi({
      description:
        "Required with `points` in the body (422 without one): kept on the ledger row. Only the deprecated ?points= form may leave it out",
    }),
  })
  .openapi("LoyaltyAdjust");

/** The replaced API's query form, kept for older clients: `?points=120` (optionally `&reason=…`). */
export const LoyaltyAdjustQuerySchema = z.object({
  points: Points.optional().openapi({
    param: { deprecated: true },
    description: "Deprecated: send `points` in the JSON body",
  }),
  reason: Reason.optional().openapi({
    param: { deprecated: true },
    description:
      "Deprecated: send `reason` in the JSON body. Optional here: without it the ledger row records that the deprecated form was used",
  }),
});

export const LedgerEntrySchema = z
  .object({
    id: z.number().int(),
    customer_id: z.number().int(),
    delta: z.number().int(),
    balance_after: z.number().int(),
    reason: z.string(),
    user_id: z.number().int().nullable(),
    order_id: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi("LoyaltyLedgerEntry");

export const LoyaltyResultSchema = z
  .object({
    customer_id: z.number().int(),
    loyalty_points: z.number().int(),
    delta: z.number().int(),
    entry: LedgerEntrySchema,
  })
  .openapi("LoyaltyResult");

export const LedgerListSchema = paginatedSchema(LedgerEntrySchema, "LoyaltyLedger");
