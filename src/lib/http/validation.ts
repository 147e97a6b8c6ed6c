/**
 * Turns zod failures into the FastAPI-style 422 body that existing clients
 * parse: `detail: [{ loc: ["body", "price"], msg, type }]`.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, type ValidationIssue } from "../errors";

const LOCATION: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

export function toValidationIssues(error: z.ZodError, target: string): ValidationIssue[] {
  const where = LOCATION[target] ?? target;
  return error.issues.map((issue) => {
    const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    return {
      loc: [where, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))],
      msg: missing ? "Field required" : issue.message,
      type: missing ? "missing" : issue.code,
    };
  });
}

/** `defaultHook` for every OpenAPIHono router: one place for the 422 shape. */
export function validationHook(
  result: { success: true; data: unknown } | { success: false; error: z.ZodError; target?: string },
  _c: Context,
) {
  if (!result.success) {
    throw new ApiError("VALIDATION_ERROR", toValidationIssues(result.error, result.target ?? "body"));
  }
}
