/**
 * Numbers of documents a store writes (orders, transfers): readable,
 * unique enough, and carrying the store's code so any reader knows which
 * store's database holds the record. PREFIX-<CODE>-YYYYMMDD-<HEX8>, the date in UTC.
 */
export function storeDocumentNumber(
  prefix: string,
  now: Date,
  storeCode: string,
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(4)),
): string {
  const date = now.toISOString().slice(0, 10).replaceAll("-", "");
  const hex = [...random]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
  return `${prefix}-${storeCode}-${date}-${hex}`;
}
