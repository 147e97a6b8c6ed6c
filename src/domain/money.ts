/**
 * Money: integer minor units (cents) inside, decimals with at most two places
 * outside. Conversion parses the decimal string, never multiplies a float, so
 * 0.1 + 0.2 problems cannot reach a total.
 */

/** Largest amount accepted anywhere: 99 999 999.99 (fits any realistic till). */
export const MAX_CENTS = 9_999_999_999;

export type MoneyParseResult = { ok: true; cents: number } | { ok: false; reason: string };

const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Parses `999.99`, `"999.99"`, `5`, `"5.5"` into cents. Rejects more than two
 * decimal places, exponents, blanks and amounts above MAX_CENTS.
 */
export function parseMoney(input: number | string): MoneyParseResult {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, reason: "must be a finite number" };
    // Number → shortest round-tripping decimal text, e.g. 999.99 → "999.99".
    text = String(input);
  } else {
    text = input.trim();
  }
  if (/e/i.test(text)) return { ok: false, reason: "must be a plain decimal (no exponent)" };
  const match = DECIMAL.exec(text);
  if (!match) {
    if (/^-?\d+\.\d{3,}$/.test(text)) return { ok: false, reason: "must have at most two decimal places" };
    return { ok: false, reason: "must be a decimal number such as 12.50" };
  }
  const [, sign, whole = "0", fraction = ""] = match;
  if (whole.length > 11) return { ok: false, reason: "is too large" };
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (cents > MAX_CENTS) return { ok: false, reason: "is too large" };
  return { ok: true, cents: sign && cents !== 0 ? -cents : cents };
}

/** Cents → the API's decimal number (12345 → 123.45). Exact for every integer cent value. */
export const toDecimal = (cents: number): number => Number((cents / 100).toFixed(2));

/** Cents → "123.45" for documents and CSV. */
export const formatMoney = (cents: number): string => {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
};
