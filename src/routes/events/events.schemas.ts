import { z } from "@hono/zod-openapi";
import { EVENT_TYPES, isEventType } from "../../events/types";

/** `type=order.completed,refund.created`: one or more known event types. */
const TypeListQuery = z
  .string()
  .max(500)
  .transform((value, ctx) => {
    const types = [
      ...new Set(
        value
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = types.filter((t) => !isEventType(t));
    if (types.length === 0 || unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `Unknown event type${unknown.length > 1 ? "s" : ""} ${unknown.join(", ") || "(none given)"}; known: ${EVENT_TYPES.join(", ")}`,
      });
      return z.NEVER;
    }
    return types;
  });

export const FeedQuerySchema = z.object({
  after: z
    .string()
    .regex(/^(0|[1-9]\d{0,15})$/, "Not a cursor of this feed: pass a next_cursor (an event id) as it was given")
    .optional()
    .openapi({ description: "A `next_cursor` from an earlier page: the events recorded after it", example: "42" }),
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ example: 100 }),
  type: TypeListQuery.optional().openapi({
    description: `Only these types, comma-separated: ${EVENT_TYPES.join(", ")}`,
    example: "order.completed,refund.created",
  }),
});

export const FeedItemSchema = z
  .object({
    id: z.number().int().openapi({ description: "The event's id: also `data.event_id` of its webhook deliveries" }),
    type: z.enum(EVENT_TYPES),
    store_id: z.number().int().nullable().openapi({ description: "The store it happened at (null: the head office)" }),
    resource: z.object({
      type: z.string().openapi({ example: "order" }),
      id: z.number().int(),
      version: z.number().int().nullable().openapi({ description: "The resource's version, when it has one" }),
    }),
    data: z.unknown().openapi({
      description:
        "The resource as the API returns it (GET /orders/{id}, /payments/{id}, …), read when the head office recorded the event",
    }),
    occurred_at: z.string().openapi({ description: "When it happened (the store's write)" }),
    recorded_at: z.string().openapi({ description: "When the head office recorded it" }),
  })
  .openapi("FeedEvent");

export const FeedPageSchema = z
  .object({
    data: z.array(FeedItemSchema),
    next_cursor: z.string().nullable().openapi({
      description:
        "Pass as `after` for the next page; on the last page, to poll for what comes next (null: empty feed)",
    }),
    has_more: z.boolean(),
  })
  .openapi("FeedPage");
