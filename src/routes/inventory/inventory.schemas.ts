import { z } from "@hono/zod-openapi";
import { INVENTORY_ACTIONS } from "../../db/schema";
import { MANUAL_ACTIONS } from "../../domain/stock-movement";
import { LocalDateQuery, multilineText, OptionalIdQuery, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

export const MovementSchema = z
  .object({
    action: z.enum(MANUAL_ACTIONS).optional().openapi({ example: "stock_in" }),
    quantity_change: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .optional()
      .openapi({ example: 5, description: "Signed change; stock_out/damage may send a positive amount" }),
    new_quantity: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .optional()
      .openapi({ description: "Absolute count (action adjustment)" }),
    reference_number: plainText(64).nullish().openapi({ example: "PO-1" }),
    notes: multilineText(500).nullish().openapi({ example: "delivery" }),
  })
  .openapi("StockMovement");

export const LogCreateSchema = MovementSchema.extend({
  product_id: z
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ example: 4, description: "Or ?product_id= as older clients send it" }),
}).openapi("InventoryLogCreate");

export const LogSchema = z
  .object({
    id: z.number().int(),
    product_id: z.number().int(),
    user_id: z.number().int().nullable(),
    action: z.enum(INVENTORY_ACTIONS),
    quantity_change: z.number().int(),
    quantity_before: z.number().int(),
    quantity_after: z.number().int(),
    reference_number: z.string().nullable(),
    notes: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("InventoryLog");

export const MovementResultSchema = LogSchema.extend({ stock_quantity: z.number().int() }).openapi(
  "StockMovementResult",
);
export const LogListSchema = paginatedSchema(LogSchema, "InventoryLogList");

export const LogFiltersSchema = z.object({
  product_id: OptionalIdQuery.optional(),
  action: z.enum(INVENTORY_ACTIONS).optional(),
  user_id: OptionalIdQuery.optional(),
  start_date: LocalDateQuery.optional().openapi({ description: "First local day, inclusive" }),
  end_date: LocalDateQuery.optional().openapi({ description: "Last local day, inclusive" }),
});

export const SummaryQuerySchema = z.object({
  start_date: LocalDateQuery.optional(),
  end_date: LocalDateQuery.optional(),
});

export const SummarySchema = z
  .object({
    by_action: z.array(
      z.object({
        action: z.string(),
        entries: z.number().int(),
        units_in: z.number().int(),
        units_out: z.number().int(),
      }),
    ),
    active_products: z.number().int(),
    total_products: z
      .number()
      .int()
      .openapi({ description: "Same as `active_products` (the replaced API's name, as in GET /reports/inventory)" }),
    units_on_hand: z.number().int(),
    value_at_cost: z.number(),
    value_at_retail: z.number(),
    low_stock_count: z.number().int(),
    out_of_stock_count: z.number().int(),
  })
  .openapi("InventorySummary");

const ReconcileRowSchema = z.object({
  product_id: z.number().int(),
  book: z.number().int(),
  log_sum: z.number().int(),
  object_available: z.number().int().nullable(),
  object_open_entries: z.number().int(),
});

export const ReconcileSchema = z
  .object({
    store_id: z.number().int().openapi({ description: "The store whose book, log and objects were compared" }),
    checked: z.number().int(),
    in_step: z.number().int(),
    drift: z.array(ReconcileRowSchema),
    in_flight: z.array(ReconcileRowSchema),
  })
  .openapi("Reconciliation");

export const ReconcileQuerySchema = z.object({ product_id: OptionalIdQuery.optional() });

export const ProductIdQuerySchema = z.object({ product_id: OptionalIdQuery.optional() });

export const ResyncSchema = z
  .object({ ok: z.boolean(), available: z.number().int().nullable() })
  .openapi("StockResync");
