import { z } from "@hono/zod-openapi";
import { ORDER_STATUSES } from "../../db/schema";
import { LocalDateQuery, MoneySchema, multilineText, OptionalIdQuery, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

export const OrderItemInputSchema = z.object({
  product_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ example: 1 }),
  quantity: z.number().int().min(1).max(10_000).openapi({ example: 2 }),
  discount: MoneySchema.optional().openapi({ example: 10, description: "Amount off the whole line" }),
  unit_price: MoneySchema.optional().openapi({ description: "Price override (manager/admin only)" }),
});

/** Read by the store resolution (like X-Store-Id); listed so the document shows it. */
const StoreIdField = z
  .number()
  .int()
  .positive()
  .optional()
  .openapi({ description: "The store that sells (default: X-Store-Id, else your home store)" });

export const CreateOrderSchema = z
  .object({
    customer_id: z.number().int().positive().nullish().openapi({ example: 1 }),
    order_items: z.array(OrderItemInputSchema).min(1).max(100),
    tax: MoneySchema.optional().openapi({ example: 15.5, description: "Tax amount (not a rate)" }),
    discount: MoneySchema.optional().openapi({ example: 5, description: "Amount off the subtotal" }),
    notes: multilineText(500).nullish(),
    redeem_points: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .optional()
      .openapi({ description: "Loyalty points to turn into a discount (needs customer_id)" }),
    store_id: StoreIdField,
  })
  .openapi("OrderCreate");

export const UpdateOrderSchema = z
  .object({
    customer_id: z.number().int().positive().nullish(),
    notes: multilineText(500).nullish(),
    tax: MoneySchema.optional(),
    discount: MoneySchema.optional(),
    status: z.enum(ORDER_STATUSES).optional().openapi({ description: "Only `cancelled` can be set here" }),
  })
  .openapi("OrderUpdate");

export const CancelOrderSchema = z
  .object({
    reason: plainText(300, 1)
      .optional()
      .openapi({ example: "customer changed their mind", description: "Kept in the audit trail" }),
  })
  .openapi("OrderCancel");

const OrderItemSchema = z.object({
  id: z.number().int(),
  product_id: z.number().int(),
  product_name: z.string(),
  product_sku: z.string(),
  quantity: z.number().int(),
  unit_price: z.number(),
  discount: z.number(),
  subtotal: z.number(),
  refunded_quantity: z.number().int(),
});

export const OrderSchema = z
  .object({
    id: z.number().int(),
    order_number: z.string().openapi({ example: "ORD-MAIN-20261125-7F3A9C21" }),
    customer_id: z.number().int().nullable(),
    user_id: z.number().int(),
    status: z.enum(ORDER_STATUSES),
    subtotal: z.number(),
    tax: z.number(),
    discount: z.number(),
    points_redeemed: z.number().int(),
    points_discount: z.number(),
    points_earned: z.number().int().openapi({ description: "Added to the customer when the order completes" }),
    total: z.number(),
    notes: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    completed_at: z.string().nullable(),
    order_items: z.array(OrderItemSchema),
    customer: z
      .object({ id: z.number().int(), first_name: z.string(), last_name: z.string(), email: z.string().nullable() })
      .nullable(),
    cashier: z.object({ id: z.number().int(), username: z.string(), full_name: z.string().nullable() }).nullable(),
    payments_summary: z.object({
      payment_count: z.number().int(),
      paid_amount: z.number(),
      refunded_amount: z.number(),
      remaining_amount: z.number(),
    }),
  })
  .openapi("Order");

export const OrderListSchema = paginatedSchema(OrderSchema, "OrderList");

export const OrderListQuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  customer_id: OptionalIdQuery.optional(),
  user_id: OptionalIdQuery.optional(),
  start_date: LocalDateQuery.optional().openapi({ description: "First local day (store time zone), inclusive" }),
  end_date: LocalDateQuery.optional().openapi({ description: "Last local day (store time zone), inclusive" }),
  store_id: OptionalIdQuery.optional().openapi({
    description: "The store whose orders to list (default: X-Store-Id, else your home store)",
  }),
});

export const OrderNumberParamSchema = z.object({
  order_number: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: "order_number", in: "path" }, example: "ORD-MAIN-20261125-7F3A9C21" }),
});

export const CustomerParamSchema = z.object({
  customer_id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "customer_id", in: "path" }, example: 1 }),
});

export const InvoiceLinkSchema = z
  .object({
    url: z.string().openapi({ description: "Signed link; works without a token until expires_at" }),
    expires_at: z.string(),
    key: z.string(),
    rendered: z.boolean().openapi({ description: "false when the stored PDF for this order state was reused" }),
  })
  .openapi("InvoiceLink");
