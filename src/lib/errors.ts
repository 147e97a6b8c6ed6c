/**
 * One error model for the whole API: a closed list of codes, one code → status
 * map, one error class, rendered by one `onError` as
 * `{ detail, code, request_id }`.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  PAYMENT_EXCEEDS_BALANCE: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  LINK_INVALID: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  DUPLICATE: 409,
  VERSION_CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  INVALID_STATE: 409,
  /** Another step of the transfer is still settling (one at a time); retry shortly. */
  TRANSFER_BUSY: 409,
  /** Cash needs an open shift at this store (cash settings) and none was found for the request. */
  NO_OPEN_SHIFT: 409,
  /** The drawer already has a shift that is not closed, or the cashier already has one open. */
  SHIFT_ALREADY_OPEN: 409,
  /** The shift has a paid-out waiting for a manager: approve or reject it before closing. */
  PENDING_APPROVALS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The count differs from expected cash by more than the store's threshold: say why. */
  VARIANCE_REASON_REQUIRED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One entry of a FastAPI-style validation error list. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly detail: string | ValidationIssue[];
  readonly headers: Record<string, string>;
  /** Extra machine-readable fields merged into the body (e.g. `available`). */
  readonly extra: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    detail: string | ValidationIssue[],
    options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(typeof detail === "string" ? detail : "Validation failed");
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.detail = detail;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

export const notFound = (what: string) => new ApiError("NOT_FOUND", `${what} not found`);

/** A 422 for one field, shaped like the zod-derived ones. */
export const invalidField = (loc: (string | number)[], msg: string, type = "value_error") =>
  new ApiError("VALIDATION_ERROR", [{ loc, msg, type }]);
