/**
 * The sweep's half of the transfer protocol (transfers-protocol.ts): a step
 * whose store batch had an unknown outcome, or whose confirm or undo was
 * lost, stays pending at the head office. Once its deadline has passed (plus
 * a minute for clocks that disagree), no store batch of it can land any more
 * (the store's transfer_moves trigger refuses it), so the store's book is
 * final: a step whose move row is there was applied; one whose move row is
 * not there never happened and is undone (its line changes and status
 * reversed, the row deleted). The stock objects settle their own holds of
 * the same ref from the store's log (their alarms).
 *
 * A step confirmed here gets its feed event in the confirm's batch, as the
 * request's own confirm would have written it (transfers-events.ts; the same
 * key, so a confirm that did land after all adds nothing). Its audit event is
 * already in the store, written by the store batch found here.
 */
import { runAlone } from "../db/batch";
import { dbFor } from "../db/client";
import { listStores } from "../db/stores";
import { confirmStep, expiredSteps, movesFound, type TransferStep, undoStepStatements } from "../db/transfers";
import { stepStockRef } from "../domain/transfer";
import type { Bindings } from "../env";
import { recordEventStatements } from "../events/record";
import { log } from "../lib/log";
import { storeDatabase } from "../stores/scope";
import { enqueueDeliveriesOf } from "../webhooks/queue";
import { transferEvent, viewOf, withStepApplied } from "./transfers-events";
import { loadTransfer } from "./transfers-view";

/** How long after a step's deadline the sweep waits before reading its store's answer as final. */
export const TRANSFER_SETTLE_GRACE_MS = 60_000;

/** Steps settled per query. */
const SWEEP_PAGE = 100;

export interface SettledSteps {
  applied: number;
  undone: number;
  /** Left pending: their store's database did not answer. */
  skipped: number;
}

export async function settlePendingTransferSteps(env: Bindings, now: Date): Promise<SettledSteps> {
  const stores = new Map((await listStores(dbFor(env.DB))).map((store) => [store.id, store]));
  const before = new Date(now.getTime() - TRANSFER_SETTLE_GRACE_MS).toISOString();
  const nowIso = now.toISOString();
  const settled: SettledSteps = { applied: 0, undone: 0, skipped: 0 };
  const skipped = new Set<string>();
  const keyOf = (step: TransferStep) => stepStockRef(step);
  for (;;) {
    const page = (await runAlone(expiredSteps(env.DB, before, SWEEP_PAGE + skipped.size))).filter(
      (step) => !skipped.has(keyOf(step)),
    );
    if (page.length === 0) break;
    for (const [storeId, steps] of groupByStore(page)) {
      try {
        const store = stores.get(storeId);
        if (!store) throw new Error(`store ${storeId} is unknown`);
        const found = await movesFound(storeDatabase(env, store), steps.map(keyOf));
        for (const step of steps) {
          if (found.has(keyOf(step))) {
            await confirmWithEvent(env, step, nowIso);
            settled.applied += 1;
          } else {
            await env.DB.batch(undoStepStatements(env.DB, step, nowIso).map((s) => s.prepared));
            settled.undone += 1;
          }
        }
      } catch (error) {
        for (const step of steps) skipped.add(keyOf(step));
        log(env, "warn", "transfer steps left pending: their store did not answer", { storeId, error: String(error) });
      }
    }
  }
  settled.skipped = skipped.size;
  return settled;
}

/** Marks a step applied with its feed event (the transfer as it now is, the step applied), then enqueues its deliveries. */
async function confirmWithEvent(env: Bindings, step: TransferStep, nowIso: string): Promise<void> {
  const loaded = await loadTransfer({ hq: { d1: env.DB, db: dbFor(env.DB) } }, 0, step.transferId);
  if (!loaded) throw new Error(`transfer ${step.transferId} of a pending step is missing`);
  const event = transferEvent(step.kind, viewOf(withStepApplied(loaded, step.stepKey, nowIso)), step.storeId, nowIso);
  await env.DB.batch([
    confirmStep(env.DB, step.transferId, step.stepKey, nowIso),
    ...recordEventStatements(env.DB, event, nowIso),
  ]);
  await enqueueDeliveriesOf(env, env.DB, [event.key]).catch((error) =>
    // Left pending: the webhook sweep sends them.
    log(env, "warn", "transfer event deliveries not enqueued", { key: event.key, error: String(error) }),
  );
}

function groupByStore(steps: TransferStep[]): Map<number, TransferStep[]> {
  const byStore = new Map<number, TransferStep[]>();
  for (const step of steps) {
    const list = byStore.get(step.storeId);
    if (list) list.push(step);
    else byStore.set(step.storeId, [step]);
  }
  return byStore;
}
