/**
 * The one place errors become responses: `{ detail, code, request_id }`.
 * Anything unexpected is logged with the request id and answered with a
 * plain 500 that never shows SQL or a stack.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../../env";
import { isCheckViolation, uniqueViolation } from "../db-errors";
import { ApiError, type ErrorCode } from "../errors";
import { log } from "../log";

const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

/** Maps errors thrown by Hono itself (validators, body limit) into ApiErrors. */
function fromHttpException(error: HTTPException): ApiError {
  if (error.status === 400 && /malformed json/i.test(error.message)) {
    // FastAPI clients expect an unparsable body to be a 422 like any other.
    return new ApiError("VALIDATION_ERROR", [
      { loc: ["body"], msg: "Malformed JSON in request body", type: "json_invalid" },
    ]);
  }
  if (error.status === 400 && /malformed formdata/i.test(error.message)) {
    return new ApiError("VALIDATION_ERROR", [{ loc: ["body"], msg: "Malformed form body", type: "form_invalid" }]);
  }
  const code = HTTP_EXCEPTION_CODES[error.status] ?? "BAD_REQUEST";
  return new ApiError(code, error.message || code);
}

/** Constraint failures that slipped past a service's own checks are conflicts, not crashes. */
function fromDatabaseError(error: Error): ApiError | null {
  const unique = uniqueViolation(error);
  if (unique)
    return new ApiError("DUPLICATE", `A record with this ${unique.replace(/^\w+?_|_unique$/g, "")} already exists`);
  if (isCheckViolation(error)) return new ApiError("CONFLICT", "The change would break a data rule");
  return null;
}

export function renderError(c: Context<AppEnv>, error: ApiError) {
  const body = { detail: error.detail, code: error.code, request_id: c.get("requestId") ?? "", ...error.extra };
  // RFC 6750: every 401 names the scheme the client should use.
  const headers = error.status === 401 ? { "WWW-Authenticate": "Bearer", ...error.headers } : error.headers;
  return c.json(body, error.status, headers);
}

export function onError(error: Error, c: Context<AppEnv>) {
  if (error instanceof ApiError) return renderError(c, error);
  if (error instanceof HTTPException) return renderError(c, fromHttpException(error));
  const fromDb = fromDatabaseError(error);
  if (fromDb) return renderError(c, fromDb);
  log(c.env, "error", "unhandled error", {
    request_id: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    error: error.message,
    stack: error.stack,
  });
  return renderError(c, new ApiError("INTERNAL_ERROR", "Internal server error"));
}
