import { z } from "@hono/zod-openapi";
import { SHIFT_STATUSES } from "../../db/schema";
import { MoneySchema, multilineText, OptionalIdQuery, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const IdField = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const money = z.number().openapi({ description: "Decimal currency units" });
const hidden = (what: string) =>
  z
    .number()
    .nullable()
    .openapi({ description: `${what}; null for a cashier until the shift is closed (blind count)` });

export const DenominationSchema = z
  .object({
    value: MoneySchema.refine((cents) => cents > 0, "value must be greater than zero").openapi({
      example: 20,
      description: "One note or coin, in decimal currency units (20, 0.25)",
    }),
    count: z.number().int().min(0).max(1_000_000).openapi({ example: 3 }),
  })
  .openapi("Denomination");

export const OpenShiftSchema = z
  .object({
    drawer_id: IdField.openapi({ example: 4294967297 }),
    opening_float: MoneySchema.openapi({ example: 150, description: "Cash counted into the drawer at open" }),
    notes: multilineText(500).nullish(),
    store_id: z.number().int().positive().optional().openapi({ description: "The drawer's store (default: home)" }),
  })
  .openapi("ShiftOpen");

export const CloseShiftSchema = z
  .object({
    counted_cash: MoneySchema.optional().openapi({ example: 412.5, description: "The counted sum" }),
    denominations: z
      .array(DenominationSchema)
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: "The count by note and coin; with counted_cash too, both must agree" }),
    variance_reason: plainText(300).nullish().openapi({
      description: "Required when the count differs from expected cash by more than the store's threshold",
    }),
    kept_in_drawer: MoneySchema.optional().openapi({
      description: "Left in the drawer for the next shift (its expected opening); default all that was counted",
    }),
    notes: multilineText(500).nullish(),
  })
  .refine((b) => b.counted_cash !== undefined || b.denominations !== undefined, {
    message: "Give counted_cash or denominations",
    path: ["counted_cash"],
  })
  .openapi("ShiftClose");

export const ShiftSchema = z
  .object({
    id: z.number().int(),
    store_id: z.number().int(),
    drawer_id: z.number().int(),
    drawer_name: z.string(),
    cashier_id: z.number().int(),
    status: z.enum(SHIFT_STATUSES),
    opening_float: money,
    expected_opening: hidden("What the drawer's previous shift left in it (null for its first shift)"),
    opening_variance: hidden("opening_float − expected_opening"),
    opened_at: z.string(),
    ended_at: z.string().nullable(),
    ended_by: z.number().int().nullable(),
    closed_at: z.string().nullable(),
    closed_by: z.number().int().nullable(),
    counted_cash: z.number().nullable(),
    denominations: z.array(z.object({ value: z.number(), count: z.number().int() })).nullable(),
    expected_cash: hidden("Opening float + approved cash movements (frozen at close; the running total before)"),
    variance: hidden("counted_cash − expected_cash (set at close)"),
    variance_reason: z.string().nullable(),
    kept_in_drawer: z.number().nullable(),
    first_blind_count: z.number().nullable().openapi({
      description:
        "A cashier's count of a close refused for a missing variance_reason: kept, and a cashier's recount must match it (a manager may recount)",
    }),
    z_number: z.number().int().nullable().openapi({ description: "Gapless per store, given at close" }),
    notes: z.string().nullable(),
  })
  .openapi("Shift");

export const ShiftListSchema = paginatedSchema(ShiftSchema, "ShiftList");

const DateOrTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "Use YYYY-MM-DD or an ISO timestamp (UTC)")
  .openapi({ example: "2026-11-30" });

export const ShiftListQuerySchema = z.object({
  status: z.enum(SHIFT_STATUSES).optional(),
  drawer_id: OptionalIdQuery.optional(),
  cashier_id: OptionalIdQuery.optional().openapi({ description: "Managers only; cashiers always see their own" }),
  from: DateOrTimestamp.optional().openapi({ description: "Opened at or after (UTC)" }),
  to: DateOrTimestamp.optional().openapi({ description: "Opened on or before (UTC; a date includes its day)" }),
});
