import { z } from "@hono/zod-openapi";
import { PAYMENT_METHODS, PAYMENT_STATUSES } from "../../db/schema";
import { MoneySchema, multilineText, OptionalIdQuery, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const positiveId = () => z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * Where the money was taken: optional, for tills that know about shifts
 * (clients that do not send neither and work as before).
 */
const tenderPlaceFields = (words: { drawer: string; shift: string }) => ({
  drawer_id: positiveId()
    .optional()
    .openapi({
      example: 4294967297,
      description: `${words.drawer}: the tender counts on that drawer's open shift. Must be an active drawer of this store. With neither drawer_id nor shift_id, the shift you have open at this store counts it, if any; at a store whose cash settings require a shift, cash with no open shift is refused (409 NO_OPEN_SHIFT, nothing recorded)`,
    }),
  shift_id: positiveId()
    .optional()
    .openapi({
      description: `${words.shift} (a shift of this store; with drawer_id, a shift of that drawer). When it has ended or closed, the tender is late: it counts on the same drawer's open shift (or waits for its next one) and late_of_shift_id names this shift`,
    }),
});

/** The shift a tender counted on, in every payment and refund answer. */
const tenderShiftFields = {
  shift_id: z.number().int().nullable().openapi({
    description:
      "The shift the tender counted on; null when it counted on none (no shift open and the store does not require one) or, when late, waits for its drawer's next shift",
  }),
  late_of_shift_id: z.number().int().nullable().openapi({
    description:
      "Set when the tender named a shift that had already ended or closed: that shift. It is then an adjustment on shift_id (or on the drawer's next shift)",
  }),
};

export const CreatePaymentSchema = z
  .object({
    order_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ example: 4294967297 }),
    payment_method: z.enum(PAYMENT_METHODS).openapi({ example: "credit_card" }),
    amount: MoneySchema.openapi({ example: 1500.0 }),
    amount_tendered: MoneySchema.optional().openapi({ description: "Cash handed over (change is returned)" }),
    status: z.enum(["completed", "pending"]).optional().openapi({
      description:
        "Default completed; pending awaits confirmation (its tender counts on the confirmer's open shift when confirmed)",
    }),
    transaction_id: plainText(100, 1).nullish().openapi({ example: "TXN-001" }),
    reference_number: plainText(100).nullish(),
    notes: multilineText(500).nullish(),
    ...tenderPlaceFields({ drawer: "The cash drawer the money went into", shift: "The shift the till sells on" }),
  })
  .refine((body) => body.amount > 0, { message: "Amount must be greater than zero", path: ["amount"] })
  .openapi("PaymentCreate");

export const UpdatePaymentSchema = z
  .object({
    reference_number: plainText(100).nullish(),
    notes: multilineText(500).nullish(),
    status: z.enum(PAYMENT_STATUSES).optional().openapi({ description: "pending → completed | failed only" }),
    ...tenderPlaceFields({
      drawer: "On confirmation (pending → completed), the cash drawer the money went into (else your open shift)",
      shift: "On confirmation, the shift the money was taken on (else your open shift)",
    }),
  })
  .openapi("PaymentUpdate");

export const RefundSchema = z
  .object({
    amount: MoneySchema.optional().openapi({
      example: 5.0,
      description: "Default: all that remains refundable (or the items' value)",
    }),
    reason: plainText(300, 1).openapi({ example: "damaged item" }),
    items: z
      .array(
        z.object({
          order_item_id: z.number().int().positive(),
          quantity: z.number().int().min(1).max(10_000),
          restock: z.boolean().optional().openapi({ description: "Put the goods back on the shelf" }),
        }),
      )
      .max(100)
      .optional(),
    ...tenderPlaceFields({ drawer: "The cash drawer the refund is paid from", shift: "The shift the till refunds on" }),
  })
  .refine((body) => body.amount === undefined || body.amount > 0, {
    message: "Amount must be greater than zero",
    path: ["amount"],
  })
  .openapi("RefundCreate");

export const PaymentSchema = z
  .object({
    id: z.number().int(),
    order_id: z.number().int(),
    payment_method: z.enum(PAYMENT_METHODS),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number(),
    amount_tendered: z.number().nullable(),
    change_due: z.number(),
    refunded_amount: z.number(),
    refundable_amount: z.number(),
    transaction_id: z.string().nullable(),
    reference_number: z.string().nullable(),
    notes: z.string().nullable(),
    user_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    ...tenderShiftFields,
  })
  .openapi("Payment");

export const PaymentResultSchema = PaymentSchema.extend({
  order_status: z.string(),
  remaining_amount: z.number(),
}).openapi("PaymentResult");

export const PaymentListSchema = paginatedSchema(PaymentSchema, "PaymentList");

export const RefundResultSchema = z
  .object({
    id: z.number().int(),
    payment_id: z.number().int(),
    order_id: z.number().int(),
    amount: z.number(),
    reason: z.string(),
    user_id: z.number().int().nullable(),
    points_reversed: z
      .number()
      .int()
      .openapi({
        description:
          "Loyalty points the refunded money earned, to be taken back from the customer. The head office takes them " +
          "shortly after (through the store's outbox), as far as the customer still has them; the loyalty ledger " +
          "records any already spent",
      }),
    points_unreversed: z.number().int().openapi({
      description: "Kept for older clients: 0 (points that could not be taken back are recorded in the loyalty ledger)",
    }),
    items: z.array(
      z.object({
        order_item_id: z.number().int(),
        product_id: z.number().int(),
        quantity: z.number().int(),
        restock: z.boolean(),
      }),
    ),
    created_at: z.string(),
    payment_status: z.string(),
    order_status: z.string(),
    refundable_amount: z.number(),
    ...tenderShiftFields,
  })
  .openapi("RefundResult");

export const PaymentListQuerySchema = z.object({
  order_id: OptionalIdQuery.optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  payment_method: z.enum(PAYMENT_METHODS).optional(),
});

export const OrderIdParamSchema = z.object({
  order_id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "order_id", in: "path" }, example: 1 }),
});

export const PaymentStatusSchema = z
  .object({
    order_id: z.number().int(),
    order_total: z.number(),
    paid_amount: z.number(),
    remaining_amount: z.number(),
    is_fully_paid: z.boolean(),
  })
  .openapi("OrderPaymentStatus");
