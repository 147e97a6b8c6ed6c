/**
 * Runs a money- or stock-moving handler under the Idempotency-Key rules:
 * replay an earlier answer, 422 for a reused key with another body, and
 * after a lost race with a concurrent twin, answer with the twin's result.
 * Keys live in the acting store's database, with the effect they name.
 */
import type { Context } from "hono";
import type { AppDatabase } from "../../db/client";
import { findKey, type StoredKey, storeResponse } from "../../db/idempotency-keys";
import type { AppEnv } from "../../env";
import { ApiError } from "../errors";
import {
  findReplay,
  type IdempotencyContext,
  idempotencyFrom,
  KeyCollision,
  REPLAYED_HEADER,
  replayOf,
} from "../idempotency";

/** A run's answer that is an earlier request's (found by the run's own lookup): sent with Idempotent-Replayed. */
export class Replayed<T> {
  constructor(readonly body: T) {}
}

/**
 * For a run that looks its key up itself, in parallel with its own first
 * reads (a sale, before it knows for sure which store it acts on): `find`
 * reads the key's row in that store's database; `answer`, once the caller is
 * confirmed, turns the row into the earlier answer (422 when the body differs).
 */
export interface KeyLookup<T> {
  find(db: AppDatabase): Promise<StoredKey | undefined>;
  answer(row: StoredKey): Promise<T | null>;
}

export interface IdempotentRun<T> {
  status: 200 | 201;
  /** With `lookup: "in-run"`, gets the lookup and may answer `new Replayed(earlier)`. */
  run: (idem: IdempotencyContext | null, lookup: KeyLookup<T> | null) => Promise<T | Replayed<T>>;
  /** Re-renders the resource an earlier request created, when its answer was not stored. */
  rerender: (resourceRef: string) => Promise<T | null>;
  /** "before" (default): the key is looked up before `run`, in the acting store. "in-run": `run` looks it up. */
  lookup?: "before" | "in-run";
}

export async function idempotent<T>(c: Context<AppEnv>, body: unknown, spec: IdempotentRun<T>) {
  const ctx = c.var.ctx;
  const idem = await idempotencyFrom(c, c.var.user.id, body);
  const fromReplay = async (replay: Awaited<ReturnType<typeof findReplay>>): Promise<T | null> => {
    if (!replay) return null;
    if (replay.kind === "response") return replay.body as T;
    return spec.rerender(replay.resourceRef);
  };
  const earlier = async (): Promise<T | null> => (idem ? fromReplay(await findReplay(ctx.store.db, idem)) : null);
  const replayed = (answer: T) => ({
    body: answer,
    status: spec.status,
    headers: REPLAYED_HEADER as Record<string, string>,
  });
  const inRun = spec.lookup === "in-run";
  if (!inRun) {
    const before = await earlier();
    if (before !== null) return replayed(before);
  }
  const lookup: KeyLookup<T> | null =
    idem && inRun
      ? {
          find: (db) => findKey(db, idem.userId, idem.key),
          answer: async (row) => fromReplay(replayOf(row, idem)),
        }
      : null;
  try {
    const result = await spec.run(idem, lookup);
    if (result instanceof Replayed) return replayed(result.body);
    if (idem) ctx.defer(storeResponse(ctx.store.d1, idem, spec.status, result));
    return { body: result, status: spec.status, headers: {} as Record<string, string> };
  } catch (error) {
    if (!(error instanceof KeyCollision)) throw error;
    const winner = await earlier();
    // The twin has claimed the key but its result cannot be read yet: the caller retries.
    if (winner === null) {
      throw new ApiError("CONFLICT", "A request with this Idempotency-Key is still being processed; retry it");
    }
    return replayed(winner);
  }
}
