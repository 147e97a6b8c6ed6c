/** Retry delays of the queue consumers (email, store events). */

/** Seconds to wait before attempt n+1: 10, 20, 40 … capped at an hour. */
export const backoffSeconds = (attempts: number) => Math.min(3600, 10 * 2 ** Math.max(0, attempts - 1));
