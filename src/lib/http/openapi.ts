/**
 * Shared OpenAPI pieces: the error body, error responses declared once and
 * spread into routes, JSON content helpers and the security requirement.
 */
import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "../errors";

/** Every code an error body can carry: the keys of errors.ts's code → status map, the one list. */
const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const ValidationIssueSchema = z
  .object({
    loc: z.array(z.union([z.string(), z.number()])),
    msg: z.string(),
    type: z.string(),
  })
  .openapi("ValidationIssue");

export const ErrorSchema = z
  .object({
    detail: z.union([z.string(), z.array(ValidationIssueSchema)]),
    code: z.enum(ERROR_CODES).openapi({ example: "NOT_FOUND" }),
    request_id: z.string(),
  })
  .openapi("Error");

const DESCRIPTIONS = {
  400: "Bad request",
  401: "Missing, invalid, expired or revoked token",
  403: "Authenticated, but the role may not do this",
  404: "Not found",
  409: "Conflict with the current state (duplicate, stale version, insufficient stock)",
  413: "Body larger than the limit",
  415: "Unsupported media type",
  422: "Validation error (detail is a list of {loc, msg, type})",
  429: "Too many requests (see Retry-After)",
  500: "Unexpected error",
  503: "A dependency is unavailable",
} as const;

type ErrorStatus = keyof typeof DESCRIPTIONS;

const errorResponse = (status: ErrorStatus) => ({
  description: DESCRIPTIONS[status],
  content: { "application/json": { schema: ErrorSchema } },
});

/** Error responses for a route; 422 and 500 are always included. */
export function errorResponses<S extends ErrorStatus = never>(...statuses: S[]) {
  const all = [...new Set<ErrorStatus>([...statuses, 422, 500])];
  return Object.fromEntries(all.map((status) => [status, errorResponse(status)])) as Record<
    S | 422 | 500,
    ReturnType<typeof errorResponse>
  >;
}

/** Errors every authenticated route can answer with. */
export const AUTHED_ERRORS = [400, 401, 403, 413, 415, 429] as const;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  content: { "application/json": { schema } },
  required: true,
  ...(description ? { description } : {}),
});

/** Either scheme works: a pasted bearer token, or Swagger UI's OAuth2 password form. */
export const BEARER_SECURITY: Record<string, string[]>[] = [{ OAuth2Password: [] }, { Bearer: [] }];

export const IdParamSchema = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

export const paginatedSchema = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      total: z.number().int(),
      skip: z.number().int(),
      limit: z.number().int(),
      data: z.array(item),
    })
    .openapi(name);

export const PaginationQuerySchema = z.object({
  skip: z.coerce.number().int().min(0).max(1_000_000_000).default(0).openapi({ example: 0 }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ example: 100 }),
});

export const MessageSchema = z.object({ detail: z.string() }).openapi("Message");
