/**
 * Turns what a cashier types into a safe FTS5 query. User text never reaches
 * MATCH as syntax: it is split into letter/digit tokens, each quoted, and
 * tokens of two or more characters become prefix queries ("lap" → "lap"*).
 */
export const MAX_SEARCH_TOKENS = 8;

export function tokenize(text: string): string[] {
  return (
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, MAX_SEARCH_TOKENS);
}

/** null when the text holds nothing searchable. */
export function toFtsQuery(text: string): string | null {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  // One-character prefixes would match most of a large catalog; keep them exact.
  return tokens.map((token) => (token.length >= 2 ? `"${token}"*` : `"${token}"`)).join(" ");
}

/** Escapes a LIKE pattern's wildcards (used with `ESCAPE '\'`). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
