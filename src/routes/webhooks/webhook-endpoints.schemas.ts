import { z } from "@hono/zod-openapi";
import { EVENT_TYPES } from "../../events/types";
import { plainText, VersionField } from "../../lib/http/fields";

const Url = z.string().trim().min(1).max(2048).openapi({
  example: "https://accounting.example.com/hooks/pos",
  description:
    "HTTPS only; no credentials; no private, loopback, link-local or other internal address (422 with the reason)",
});

const EventTypes = z
  .array(z.union([z.enum(EVENT_TYPES), z.literal("*")]))
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((types) => !types.includes("*") || types.length === 1, 'Use "*" alone (every type) or list the types')
  .refine((types) => new Set(types).size === types.length, "An event type is listed twice")
  .openapi({ example: ["order.completed", "refund.created"], description: `Event types, or ["*"] for all` });

const Description = plainText(200).nullable().openapi({ example: "Accounting sync" });

export const CreateEndpointSchema = z
  .object({
    url: Url,
    description: Description.optional(),
    event_types: EventTypes,
    is_active: z.boolean().optional().openapi({ description: "Default true" }),
  })
  .strict()
  .openapi("WebhookEndpointCreate");

export const UpdateEndpointSchema = z
  .object({
    url: Url.optional(),
    description: Description.optional(),
    event_types: EventTypes.optional(),
    is_active: z.boolean().optional().openapi({
      description: "true on a disabled endpoint re-activates it and clears disabled_at, disabled_reason, failing_since",
    }),
    version: VersionField,
  })
  .strict()
  .openapi("WebhookEndpointUpdate");

export const EndpointSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()),
    is_active: z.boolean(),
    failing_since: z.string().nullable().openapi({ description: "First failed attempt since the last success" }),
    disabled_at: z.string().nullable().openapi({ description: "When continued failures disabled it" }),
    disabled_reason: z.string().nullable(),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .openapi({ description: "After a rotation, the old secret also signs until then" }),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookEndpoint");

export const EndpointWithSecretSchema = EndpointSchema.extend({
  secret: z.string().openapi({
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    description: "Shown only in this answer: keep it to verify signatures",
  }),
}).openapi("WebhookEndpointWithSecret");

export const EndpointListSchema = z.object({ data: z.array(EndpointSchema) }).openapi("WebhookEndpointList");

export const TestResultSchema = z
  .object({
    ok: z.boolean().openapi({ description: "The receiver answered 2xx" }),
    webhook_id: z.string(),
    status_code: z.number().int().nullable(),
    response_excerpt: z.string().nullable().openapi({ description: "The first KB of the answer" }),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .openapi("WebhookTestResult");
