import { z } from "@hono/zod-openapi";
import { SHIFT_STATUSES } from "../../db/schema";
import { BooleanQuery, plainText } from "../../lib/http/fields";
import { paginatedSchema } from "../../lib/http/openapi";

const DrawerName = plainText(60, 1).openapi({ example: "Till 1", description: "Unique at the store (any case)" });

export const CreateDrawerSchema = z
  .object({
    name: DrawerName,
    store_id: z.number().int().positive().optional().openapi({ description: "The store (default: home)" }),
  })
  .openapi("CashDrawerCreate");

export const UpdateDrawerSchema = z
  .object({
    name: DrawerName.optional(),
    active: z.boolean().optional().openapi({ description: "false is refused (409) while a shift on it is not closed" }),
  })
  .refine((b) => b.name !== undefined || b.active !== undefined, { message: "Give name or active", path: ["name"] })
  .openapi("CashDrawerUpdate");

export const DrawerSchema = z
  .object({
    id: z.number().int(),
    store_id: z.number().int(),
    name: z.string(),
    active: z.boolean(),
    current_shift: z
      .object({ id: z.number().int(), status: z.enum(SHIFT_STATUSES), cashier_id: z.number().int() })
      .nullable()
      .openapi({ description: "The drawer's shift that is not closed yet" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("CashDrawer");

export const DrawerListSchema = paginatedSchema(DrawerSchema, "CashDrawerList");

export const DrawerListQuerySchema = z.object({ active: BooleanQuery.optional() });
