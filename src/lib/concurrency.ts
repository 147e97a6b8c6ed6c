/**
 * Bounded fan-out: work over many stores' databases (a chain report's live
 * days, a page of orders from several stores) runs a few at a time, so one
 * request never opens a connection per store at once.
 */

/** Runs `work` over `items`, at most `limit` at a time; results in the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
