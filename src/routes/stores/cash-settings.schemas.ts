import { z } from "@hono/zod-openapi";
import { MoneySchema } from "../../lib/http/fields";

export const CashSettingsSchema = z
  .object({
    store_id: z.number().int(),
    requires_shift: z.boolean().openapi({
      description:
        "true: a cash payment or refund with no open shift to attach to is refused (409 NO_OPEN_SHIFT). false (default): attached when a shift is open, else recorded without one",
    }),
    variance_reason_threshold: z
      .number()
      .openapi({ description: "A close whose |variance| is above this needs a reason" }),
    paid_out_approval_threshold: z
      .number()
      .openapi({ description: "A cashier's paid-out above this waits for a manager's approval" }),
    updated_at: z.string(),
  })
  .openapi("CashSettings");

export const UpdateCashSettingsSchema = z
  .object({
    requires_shift: z.boolean().optional(),
    variance_reason_threshold: MoneySchema.optional().openapi({ example: 5 }),
    paid_out_approval_threshold: MoneySchema.optional().openapi({ example: 50 }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: "Give at least one setting",
    path: ["requires_shift"],
  })
  .openapi("CashSettingsUpdate");

export const StoreIdParamSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(999_999_999)
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});
