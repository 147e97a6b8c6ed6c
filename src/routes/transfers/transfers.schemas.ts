import { z } from "@hono/zod-openapi";
import { TRANSFER_STATUSES, TRANSFER_STEP_KINDS, TRANSFER_STEP_STATUSES } from "../../db/schema";
import { MAX_TRANSFER_LINES } from "../../domain/transfer";
import { multilineText, OptionalIdQuery } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const StoreIdSchema = z.number().int().positive().max(4_294_967_295);

const LineInputSchema = z
  .object({
    product_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ example: 42 }),
    quantity: z.number().int().positive().max(1_000_000).openapi({ example: 12 }),
  })
  .strict()
  .openapi("TransferLineInput");

const LinesSchema = z
  .array(LineInputSchema)
  .min(1)
  .max(MAX_TRANSFER_LINES)
  .openapi({ description: `1 to ${MAX_TRANSFER_LINES} lines, each product once` });

export const CreateTransferSchema = z
  .object({
    from_store_id: StoreIdSchema.openapi({ example: 1, description: "The source: you need transfers:write there" }),
    to_store_id: StoreIdSchema.openapi({ example: 2, description: "The destination: another active store" }),
    lines: LinesSchema,
    note: multilineText(500).nullish(),
  })
  .strict()
  .openapi("TransferCreate");

export const ReceiveTransferSchema = z
  .object({ lines: LinesSchema.openapi({ description: "What arrived: at most what is in transit per product" }) })
  .strict()
  .openapi("TransferReceive");

const StoreRefSchema = z.object({ id: z.number().int(), code: z.string(), name: z.string() }).openapi("TransferStore");

const header = {
  id: z.number().int(),
  transfer_number: z.string().openapi({ example: "TRF-MAIN-20261130-7F3A9C21" }),
  status: z.enum(TRANSFER_STATUSES),
  note: z.string().nullable(),
  created_by: z.number().int(),
  sent_by: z.number().int().nullable(),
  sent_at: z.string().nullable(),
  received_at: z.string().nullable(),
  cancelled_by: z.number().int().nullable(),
  cancelled_at: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  from_store: StoreRefSchema,
  to_store: StoreRefSchema,
};

const LineSchema = z
  .object({
    product_id: z.number().int(),
    product_name: z.string(),
    product_sku: z.string(),
    quantity: z.number().int().openapi({ description: "Planned on the draft; sent as is" }),
    sent: z.number().int(),
    received: z.number().int(),
    returned: z.number().int().openapi({ description: "Back at the source after a cancel" }),
    in_transit: z.number().int().openapi({ description: "sent − received − returned" }),
  })
  .openapi("TransferLine");

const LegSchema = z
  .object({
    kind: z.enum(TRANSFER_STEP_KINDS),
    step_key: z
      .string()
      .openapi({ example: "receive:3f1c…", description: "send, cancel, or receive:<Idempotency-Key>" }),
    store_id: z.number().int().openapi({ description: "The store whose stock the step moved" }),
    status: z.enum(TRANSFER_STEP_STATUSES).openapi({ description: "pending while its store batch settles" }),
    lines: z.array(z.object({ product_id: z.number().int(), quantity: z.number().int() })),
    user_id: z.number().int().nullable(),
    created_at: z.string(),
    applied_at: z.string().nullable(),
  })
  .openapi("TransferLeg");

export const TransferSchema = z
  .object({ ...header, lines: z.array(LineSchema), legs: z.array(LegSchema) })
  .openapi("Transfer");

const TransferListItemSchema = z
  .object({
    ...header,
    line_count: z.number().int(),
    units: z.object({
      quantity: z.number().int(),
      sent: z.number().int(),
      received: z.number().int(),
      returned: z.number().int(),
      in_transit: z.number().int(),
    }),
  })
  .openapi("TransferListItem");

export const TransferListSchema = paginatedSchema(TransferListItemSchema, "TransferList");

export const TransferFiltersSchema = z.object({
  status: z.enum(TRANSFER_STATUSES).optional(),
  from_store_id: OptionalIdQuery.optional(),
  to_store_id: OptionalIdQuery.optional(),
  store_id: OptionalIdQuery.optional().openapi({
    description:
      "Either end. Like every store_id, it also names the store the request acts at, so you need a role there (from_store_id and to_store_id do not)",
  }),
  product_id: OptionalIdQuery.optional(),
});
