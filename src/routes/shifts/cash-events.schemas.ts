import { z } from "@hono/zod-openapi";
import { CASH_APPROVALS, CASH_EVENT_KINDS, PAYMENT_METHODS } from "../../db/schema";
import { MoneySchema, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

export const ManualCashEventSchema = z
  .object({
    kind: z.enum(["paid_in", "paid_out", "drop", "no_sale"]).openapi({ example: "paid_out" }),
    amount: MoneySchema.optional().openapi({
      example: 12.5,
      description: "Greater than zero; 0 or omitted for no_sale",
    }),
    reason: plainText(300)
      .nullish()
      .openapi({ example: "milk for the staff room", description: "Required for paid_in and paid_out" }),
  })
  .superRefine((b, ctx) => {
    if (b.kind === "no_sale") {
      if (b.amount !== undefined && b.amount !== 0) {
        ctx.addIssue({ code: "custom", path: ["amount"], message: "A no_sale moves no cash: omit amount or send 0" });
      }
    } else if (b.amount === undefined || b.amount <= 0) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: `A ${b.kind} needs an amount greater than zero` });
    }
    if ((b.kind === "paid_in" || b.kind === "paid_out") && !b.reason) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: `A ${b.kind} needs a reason` });
    }
  })
  .openapi("ManualCashEvent");

export const CashEventSchema = z
  .object({
    id: z.number().int(),
    shift_id: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The shift it counts on (null: waits for the drawer's next shift)" }),
    drawer_id: z.number().int().nullable(),
    kind: z.enum(CASH_EVENT_KINDS),
    payment_method: z.enum(PAYMENT_METHODS).nullable(),
    amount: z.number(),
    tendered: z.number().nullable(),
    change_given: z.number().nullable(),
    cash_delta: z.number().openapi({ description: "Its effect on the drawer's cash (signed)" }),
    payment_id: z.number().int().nullable(),
    refund_id: z.number().int().nullable(),
    order_id: z.number().int().nullable(),
    user_id: z.number().int(),
    reason: z.string().nullable(),
    approval: z.enum(CASH_APPROVALS).openapi({ description: "Only approved events count in expected cash" }),
    approved_by: z.number().int().nullable(),
    approved_at: z.string().nullable(),
    late_of_shift_id: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The shift it happened in, when it arrived after that shift stopped selling" }),
    created_at: z.string(),
  })
  .openapi("CashEvent");

export const CashEventListSchema = paginatedSchema(CashEventSchema, "CashEventList");

export const EventParamsSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path" } }),
  event_id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "event_id", in: "path" } }),
});
