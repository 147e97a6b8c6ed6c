/** Reusable zod fields with the API's rules (money, text, flags, versions). */
import { z } from "@hono/zod-openapi";
import { barcodeProblem } from "../../domain/barcode";
import { parseMoney } from "../../domain/money";
import { isDate } from "../../domain/report-range";
import { invalidField } from "../errors";

/**
 * A decimal amount with at most two places, as a number or numeric string;
 * parsed to integer cents. Negative amounts are refused.
 */
export const MoneySchema = z
  .union([z.number(), z.string().max(32)])
  .transform((value, ctx) => {
    const parsed = parseMoney(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: `Amount ${parsed.reason}` });
      return z.NEVER;
    }
    if (parsed.cents < 0) {
      ctx.addIssue({ code: "custom", message: "Amount must not be negative" });
      return z.NEVER;
    }
    return parsed.cents;
  })
  .openapi({ type: "number", example: 999.99, description: "Decimal with at most two places" });

/** Trimmed text without control characters. */
export const plainText = (max: number, min = 0) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "Control characters are not allowed");

/** Longer text where line breaks are fine (descriptions, notes, addresses). */
export const multilineText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(
      (text) => !/\p{Cc}/u.test(text.replace(/[\n\r\t]/g, "")),
      "Control characters other than line breaks and tabs are not allowed",
    );

export const BarcodeSchema = z
  .string()
  .trim()
  .superRefine((code, ctx) => {
    const problem = barcodeProblem(code);
    if (problem) ctx.addIssue({ code: "custom", message: `Barcode ${problem}` });
  })
  .openapi({
    example: "4006381333931",
    description: "EAN-13 / UPC-A with a valid check digit, or any printable code up to 64 characters",
  });

/** `true`/`false`/`1`/`0` in a query string. */
export const BooleanQuery = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

export const OptionalIdQuery = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Optimistic-concurrency version in a body; the If-Match header is the other way to send it. */
export const VersionField = z.number().int().positive().optional().openapi({
  description: "The version you read; a stale one is refused with 409. May instead be sent as If-Match.",
});

export const IfMatchHeaderSchema = z.object({
  "if-match": z
    .string()
    .max(40)
    .optional()
    .openapi({ description: 'Version you read, e.g. "3" (the If-Match header)' }),
});

/** The version a client sent, from the body or If-Match (`3`, `"3"` or `W/"3"`); 422 when they disagree. */
export function expectedVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number | undefined {
  let headerVersion: number | undefined;
  if (ifMatch !== undefined && ifMatch.trim() !== "*") {
    const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(ifMatch.trim());
    if (!match) throw invalidField(["header", "If-Match"], 'If-Match must be a version number such as "3"');
    headerVersion = Number(match[1]);
  }
  if (bodyVersion !== undefined && headerVersion !== undefined && bodyVersion !== headerVersion) {
    throw invalidField(["body", "version"], "version in the body and If-Match disagree");
  }
  return bodyVersion ?? headerVersion;
}

/** A local calendar day in a query string: YYYY-MM-DD, and a real date (2026-02-30 is refused). */
export const LocalDateQuery = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD")
  .refine(isDate, "Not a calendar date")
  .openapi({ example: "2026-11-25" });
