import { z } from "@hono/zod-openapi";

const Fields = z
  .record(z.string(), z.unknown())
  .nullable()
  .openapi({ description: "The fields the write changed (a creation: the record's main fields); secrets never" });

export const AuditEventSchema = z
  .object({
    id: z.number().int().openapi({ description: "Unique across the chain; its range names the database" }),
    at: z.string().openapi({ example: "2026-11-30T18:05:12.345Z" }),
    actor: z
      .object({ user_id: z.number().int().nullable(), username: z.string().nullable(), role: z.string().nullable() })
      .openapi({ description: "Who wrote it; a null user is the system (a job)" }),
    store_id: z.number().int().nullable().openapi({ description: "The store the request acted on" }),
    client_address: z.string().nullable(),
    request_id: z.string().nullable(),
    action: z.string().openapi({ example: "product.price.updated" }),
    entity: z.object({ type: z.string().openapi({ example: "product" }), id: z.number().int() }),
    before: Fields,
    after: Fields,
    reason: z.string().nullable(),
    approved_by: z.number().int().nullable().openapi({ description: "The user who approved it, when it needed one" }),
  })
  .openapi("AuditEvent");

export const AuditPageSchema = z
  .object({
    data: z.array(AuditEventSchema),
    limit: z.number().int(),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next, older page; null on the last page" }),
    has_more: z.boolean(),
  })
  .openapi("AuditEventPage");

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Keyset paging: newest first, `cursor` from the page before. */
export const AuditPagingSchema = z.object({
  cursor: z.string().min(1).max(200).optional().openapi({ description: "`next_cursor` of the page before (opaque)" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 }),
});

const Instant = (what: string) =>
  z
    .string()
    .min(10)
    .max(40)
    .optional()
    .openapi({ description: `${what} (ISO 8601 date or date-time; a bare date is midnight UTC)` });

export const AuditQuerySchema = AuditPagingSchema.extend({
  entity_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "A snake_case entity type such as product or cash_event")
    .optional()
    .openapi({ example: "product" }),
  entity_id: Id.optional(),
  actor: Id.optional().openapi({ description: "The acting user's id" }),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_.]{0,99}$/, "An action such as product.price.updated, or a prefix ending in a dot")
    .optional()
    .openapi({
      description: "One action (`product.price.updated`), or every action under a prefix ending in a dot (`product.`)",
    }),
  store_id: Id.optional().openapi({
    description: "Events of this store (also the store the request acts on: your role there must read the trail)",
  }),
  from: Instant("From this instant, inclusive"),
  to: Instant("Before this instant"),
});
