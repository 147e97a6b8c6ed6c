/**
 * Barcode rules. A 12-digit code is a UPC-A and a 13-digit code an EAN-13:
 * both must carry a correct check digit. Anything else printable up to 64
 * characters (internal codes, Code 128 labels such as "1234567890") is accepted.
 */

/** GS1 check digit for the given digits (without the check digit). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  // Weights alternate 3, 1 starting from the rightmost digit of the body.
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

export const hasValidCheckDigit = (code: string): boolean =>
  /^\d+$/.test(code) && code.length >= 2 && gs1CheckDigit(code.slice(0, -1)) === Number(code.at(-1));

export type BarcodeKind = "ean13" | "upca" | "other";

export function barcodeKind(code: string): BarcodeKind {
  if (/^\d{13}$/.test(code)) return "ean13";
  if (/^\d{12}$/.test(code)) return "upca";
  return "other";
}

/** null when valid, otherwise the reason. */
export function barcodeProblem(code: string): string | null {
  if (code.length === 0 || code.length > 64) return "must be 1 to 64 characters";
  if (!/^[\x21-\x7e]+$/.test(code)) return "must be printable ASCII without spaces";
  const kind = barcodeKind(code);
  if (kind !== "other" && !hasValidCheckDigit(code)) {
    return `is not a valid ${kind === "ean13" ? "EAN-13" : "UPC-A"}: wrong check digit (expected ${gs1CheckDigit(code.slice(0, -1))})`;
  }
  return null;
}
