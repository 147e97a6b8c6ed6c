import { z } from "@hono/zod-openapi";
import { WEBHOOK_DELIVERY_STATUSES } from "../../db/schema-webhooks";
import { OptionalIdQuery } from "../../lib/http/fields";

export const DeliveryQuerySchema = z.object({
  endpoint_id: OptionalIdQuery.optional(),
  event_id: OptionalIdQuery.optional(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  cursor: OptionalIdQuery.optional().openapi({ description: "next_cursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    endpoint_id: z.number().int(),
    event: z.object({ id: z.number().int(), type: z.string() }),
    webhook_id: z.string().openapi({ description: "The webhook-id header: the same on every retry and redelivery" }),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).openapi({
      description:
        "pending (waiting for its next attempt), sending (an attempt in flight), delivered (2xx), dead (out of attempts, or its endpoint disabled, inactive or deleted)",
    }),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_response_excerpt: z.string().nullable().openapi({ description: "The first KB of the last answer" }),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookDelivery");

export const DeliveryListSchema = z
  .object({
    data: z.array(DeliverySchema),
    next_cursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null: last page" }),
  })
  .openapi("WebhookDeliveryList");
