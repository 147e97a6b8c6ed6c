/**
 * Runs a money- or stock-moving handler under the Idempotency-Key rules:
 * replay an earlier answer, 422 for a reused key with another body, and
 * after a lost race with a concurrent twin, answer with the twin's result.
 */
import type { Context } from "hono";
import { storeResponse } from "../../db/idempotency-keys";
import type { AppEnv } from "../../env";
import { ApiError } from "../errors";
import { findReplay, type IdempotencyContext, idempotencyFrom, KeyCollision, REPLAYED_HEADER } from "../idempotency";

export interface IdempotentRun<T> {
  status: 200 | 201;
  run: (idem: IdempotencyContext | null) => Promise<T>;
  /** Re-renders the resource an earlier request created, when its answer was not stored. */
  rerender: (resourceRef: string) => Promise<T | null>;
}

export async function idempotent<T>(c: Context<AppEnv>, body: unknown, spec: IdempotentRun<T>) {
  const idem = await idempotencyFrom(c, c.var.user.id, body);
  const earlier = async (): Promise<T | null> => {
    if (!idem) return null;
    const replay = await findReplay(c.var.ctx.db, idem);
    if (!replay) return null;
    if (replay.kind === "response") return replay.body as T;
    return spec.rerender(replay.resourceRef);
  };
  const before = await earlier();
  if (before !== null) return { body: before, status: spec.status, headers: REPLAYED_HEADER as Record<string, string> };
  try {
    const result = await spec.run(idem);
    if (idem) c.var.ctx.defer(storeResponse(c.var.ctx.d1, idem, spec.status, result));
    return { body: result, status: spec.status, headers: {} as Record<string, string> };
  } catch (error) {
    if (!(error instanceof KeyCollision)) throw error;
    const winner = await earlier();
    // The twin has claimed the key but its result cannot be read yet: the caller retries.
    if (winner === null) {
      throw new ApiError("CONFLICT", "A request with this Idempotency-Key is still being processed; retry it");
    }
    return { body: winner, status: spec.status, headers: REPLAYED_HEADER as Record<string, string> };
  }
}
