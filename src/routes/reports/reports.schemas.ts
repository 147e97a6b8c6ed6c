import { z } from "@hono/zod-openapi";
import { LocalDateQuery } from "../../lib/http/fields";
import { PaginationQuerySchema } from "../../lib/http/openapi";

/**
 * `store_id=all`: the report over every store the caller may report on
 * (services/reports-chain.ts); a store id (or none: the home store) for one.
 * `currency` picks the stores in one currency when they use several.
 */
const ChainQueryFields = {
  store_id: z
    .string()
    .regex(/^(all|[1-9]\d{0,8})$/, "A store id, or all")
    .optional()
    .openapi({ description: "A store id (default: your home store), or `all` for the chain (summed, one currency)" }),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "A currency code such as USD")
    .optional()
    .openapi({ description: "With store_id=all: only the stores in this currency (needed when they use several)" }),
};

export const RangeQuery = z.object({
  ...ChainQueryFields,
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(1096)
    .optional()
    .openapi({ description: "The last N local days, today included (default 30)" }),
  start_date: LocalDateQuery.optional().openapi({ description: "First local day (store time zone), inclusive" }),
  end_date: LocalDateQuery.optional().openapi({ description: "Last local day, inclusive (default today)" }),
  format: z.enum(["json", "csv"]).default("json"),
});

export const SalesQuery = RangeQuery.extend({
  group_by: z.enum(["hour", "day", "week", "month", "year"]).default("day"),
  format: z.enum(["json", "csv", "svg"]).default("json").openapi({ description: "svg: a bar chart of net sales" }),
});

export const LimitedRangeQuery = RangeQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export const FormatQuery = z.object({ ...ChainQueryFields, format: z.enum(["json", "csv"]).default("json") });
export const DailyQuery = FormatQuery.extend({
  date: LocalDateQuery.optional().openapi({ description: "Local day (default today)" }),
});
export const CustomersQuery = FormatQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) });

const Money = z.number();
/** What a chain-wide answer (store_id=all) carries beside the single-store shape. */
const ChainFields = {
  store_id: z.literal("all").optional().openapi({ description: "Chain-wide answers only" }),
  stores: z
    .array(z.object({ id: z.number().int(), code: z.string() }))
    .optional()
    .openapi({ description: "Chain-wide: the stores summed" }),
  currency: z.string().optional().openapi({ description: "Chain-wide: the one currency of the stores summed" }),
};
const Period = { start_date: z.string(), end_date: z.string(), time_zone: z.string(), ...ChainFields };

export const SalesReportSchema = z
  .object({
    data: z.array(
      z.object({
        period: z.string(),
        start: z.string(),
        end: z.string(),
        orders: z.number().int(),
        gross_sales: Money,
        discounts: Money,
        tax: Money,
        total_sales: Money,
        refunds: Money,
        net_sales: Money,
        average_order_value: Money,
        // The replaced API's names, kept beside today's for old dashboards (not in the CSV).
        date: z.string().openapi({ description: "Same as `period` (the replaced API's name)" }),
        total_orders: z.number().int().openapi({ description: "Same as `orders` (the replaced API's name)" }),
        total_tax: Money.openapi({ description: "Same as `tax` (the replaced API's name)" }),
        total_discount: Money.openapi({
          description: "Same as `discounts`: order discounts and redeemed points (the replaced API's name)",
        }),
      }),
    ),
    group_by: z.string(),
    days: z
      .number()
      .int()
      .openapi({ description: "Local days in the range, both ends included (the replaced API's parameter)" }),
    ...Period,
  })
  .openapi("SalesReport");

const ProductLine = z.object({
  product_id: z.number().int(),
  name: z.string(),
  sku: z.string(),
  category_id: z.number().int().nullable(),
  units_sold: z.number().int(),
  revenue: Money,
  cost: Money,
  margin: Money,
  margin_percent: z.number(),
});

export const ProductSalesReportSchema = z
  .object({
    data: z.object({
      top_by_units: z.array(ProductLine),
      top_by_revenue: z.array(ProductLine),
      categories: z.array(
        z.object({
          category_id: z.number().int().nullable(),
          category: z.string(),
          units_sold: z.number().int(),
          revenue: Money,
          margin: Money,
        }),
      ),
    }),
    limit: z.number().int(),
    ...Period,
  })
  .openapi("ProductSalesReport");

export const PaymentMethodsReportSchema = z
  .object({
    data: z.array(
      z.object({
        payment_method: z.string(),
        count: z.number().int(),
        amount: Money,
        refunds: Money,
        refund_count: z.number().int(),
        net_amount: Money,
      }),
    ),
    ...Period,
  })
  .openapi("PaymentMethodsReport");

export const InventoryReportSchema = z
  .object({
    data: z.object({
      total_products: z.number().int(),
      low_stock_count: z.number().int(),
      out_of_stock_count: z.number().int(),
      units_on_hand: z.number().int(),
      total_inventory_value: Money,
      value_at_cost: Money,
      value_at_retail: Money,
      products_not_stocked: z.number().int().openapi({
        description:
          "Active catalog products this store has no stock row for (never stocked here): counted in total_products, as out of stock and as low",
      }),
    }),
    ...ChainFields,
  })
  .openapi("InventoryReport");

export const DailySummarySchema = z
  .object({
    data: z.object({
      date: z.string(),
      total_orders: z.number().int(),
      completed_orders: z.number().int(),
      cancelled_orders: z.number().int(),
      total_sales: Money,
      total_received: Money,
      refunds: Money,
      pending_amount: Money,
    }),
    date: z.string(),
    time_zone: z.string(),
    ...ChainFields,
  })
  .openapi("DailySummary");

export const CustomersReportSchema = z
  .object({
    data: z.array(
      z.object({
        customer_id: z.number().int(),
        name: z.string(),
        email: z.string().nullable(),
        total_spent: Money,
        order_count: z.number().int(),
        loyalty_points: z.number().int(),
      }),
    ),
    limit: z.number().int(),
    ...ChainFields,
  })
  .openapi("CustomersReport");

export const CashiersReportSchema = z
  .object({
    data: z.array(
      z.object({
        user_id: z.number().int(),
        username: z.string(),
        full_name: z.string().nullable(),
        orders: z.number().int(),
        sales: Money,
        refunds: Money,
        refund_count: z.number().int(),
        net_sales: Money,
        average_order_value: Money,
      }),
    ),
    ...Period,
  })
  .openapi("CashiersReport");

/** A stored daily report as GET /reports/daily lists it. */
const DailyReportSummary = z.object({
  store_id: z.number().int(),
  date: z.string(),
  time_zone: z.string(),
  emailed: z.number().int(),
  created_at: z.string(),
});

export const DailyReportsQuery = PaginationQuerySchema;

export const DailyReportsPageSchema = z.object({
  total: z.number().int(),
  skip: z.number().int(),
  limit: z.number().int(),
  data: z.array(DailyReportSummary),
});

export const DailyReportParams = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
    .openapi({ param: { name: "date", in: "path" } }),
});

export const StoredDailyReportSchema = z.object({ data: z.record(z.string(), z.unknown()), date: z.string() });

export const CashVarianceQuery = RangeQuery.extend({
  group_by: z
    .enum(["cashier", "store"])
    .default("cashier")
    .openapi({ description: "One row per cashier, or per store (chain-wide: each store of store_id=all)" }),
});

export const CashVarianceReportSchema = z
  .object({
    data: z.array(
      z.object({
        user_id: z.number().int().nullable().openapi({ description: "group_by=cashier" }),
        username: z.string().nullable(),
        full_name: z.string().nullable(),
        store_id: z.number().int().nullable().openapi({ description: "group_by=store" }),
        store_code: z.string().nullable(),
        shifts: z.number().int().openapi({ description: "Shifts closed in the range (local day of the close)" }),
        expected: Money,
        counted: Money,
        variance: Money.openapi({ description: "Σ (counted − expected): overs and shorts net out" }),
        absolute_variance: Money.openapi({ description: "Σ |variance|: overs and shorts both count" }),
        shifts_with_variance: z.number().int(),
        worst_variance: Money.openapi({ description: "The variance of largest size, signed" }),
        worst_shift_id: z.number().int().nullable(),
      }),
    ),
    group_by: z.enum(["cashier", "store"]),
    ...Period,
  })
  .openapi("CashVarianceReport");
