/**
 * A per-isolate cap on concurrent password hashes. One argon2id run at
 * OWASP's parameters holds 19 MiB for its whole duration, and an isolate has
 * 128 MB: a burst of sign-ins would otherwise take the isolate (and every
 * request sharing it) down. A few hashes run at once, a short queue waits for
 * a slot, and anything past the queue is refused at once with a 503 and
 * `Retry-After`, which costs nothing.
 *
 * Waiters poll on their own timer instead of being woken by the request that
 * frees a slot: workerd runs a promise's continuation in the context of the
 * request that resolves it, so a hand-off between requests would run one
 * request's hash inside another's (and fail with "Cannot perform I/O on
 * behalf of a different request").
 */
import { ApiError } from "../errors";

export interface HashGateLimits {
  /** Hashes allowed to run at once. */
  running: number;
  /** Callers allowed to wait for a slot; the next one is refused. */
  queued: number;
  /** Longest wait in the queue before giving up with the 503. */
  maxWaitMs: number;
  /** How often a waiter looks for a free slot. */
  pollMs: number;
  /** What the 503 tells the client to wait. */
  retryAfterSeconds: number;
}

export interface HashGate {
  /** Runs `task` when a slot is free (waiters in arrival order); throws the 503 when it cannot. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** How many tasks hold a slot and how many wait (for tests and metrics). */
  load(): { running: number; queued: number };
}

export const busyError = (retryAfterSeconds: number) =>
  new ApiError("SERVICE_UNAVAILABLE", "Too many password checks in progress; try again shortly", {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const gate = createHashGate({ running: 2, queued: 8, maxWaitMs: 5000, pollMs: 10, retryAfterSeconds: 1 });
 * const hash = await gate.run(() => argon2idAsync(password, salt, params));
 */
export function createHashGate(limits: HashGateLimits): HashGate {
  let running = 0;
  // One token per waiter; only the head may take a free slot, so newcomers cannot overtake.
  const waiting: object[] = [];

  async function waitForSlot() {
    if (waiting.length >= limits.queued) throw busyError(limits.retryAfterSeconds);
    const me = {};
    waiting.push(me);
    try {
      const deadline = Date.now() + limits.maxWaitMs;
      while (waiting[0] !== me || running >= limits.running) {
        if (Date.now() >= deadline) throw busyError(limits.retryAfterSeconds);
        await sleep(limits.pollMs);
      }
    } finally {
      waiting.splice(waiting.indexOf(me), 1);
    }
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= limits.running || waiting.length > 0) await waitForSlot();
      running++;
      try {
        return await task();
      } finally {
        running--;
      }
    },
    load: () => ({ running, queued: waiting.length }),
  };
}

/**
 * The isolate's gate for argon2: two hashes at a time (38 MiB), eight more
 * waiting (four hash times at most, well under a second in production; the
 * ten-second limit is a safety net for a stalled isolate).
 */
export const PASSWORD_HASH_LIMITS: HashGateLimits = {
  running: 2,
  queued: 8,
  maxWaitMs: 10_000,
  pollMs: 10,
  retryAfterSeconds: 1,
};
export const passwordHashGate = createHashGate(PASSWORD_HASH_LIMITS);
