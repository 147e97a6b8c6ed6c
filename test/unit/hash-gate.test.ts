import { describe, it } from "vitest";
import { createHashGate, type HashGateLimits } from "../../src/lib/auth/hash-gate";
import { ApiError } from "../../src/lib/errors";

/** A stand-in for argon2 whose end the test decides; it records how many ran at once. */
function fakeHashes() {
  const started: number[] = [];
  const finish = new Map<number, (value: string) => void>();
  const fail = new Map<number, (error: Error) => void>();
  let active = 0;
  let mostAtOnce = 0;
  const hash = (id: number) => () =>
    new Promise<string>((resolve, reject) => {
      started.push(id);
      active++;
      mostAtOnce = Math.max(mostAtOnce, active);
      finish.set(id, (value) => {
        active--;
        resolve(value);
      });
      fail.set(id, (error) => {
        active--;
        reject(error);
      });
    });
  return {
    started,
    hash,
    mostAtOnce: () => mostAtOnce,
    finish: (id: number) => finish.get(id)?.(`hash-${id}`),
    fail: (id: number) => fail.get(id)?.(new Error(`hash ${id} failed`)),
  };
}

const limits = (overrides: Partial<HashGateLimits>): HashGateLimits => ({
  running: 2,
  queued: 3,
  maxWaitMs: 5000,
  pollMs: 1,
  retryAfterSeconds: 1,
  ...overrides,
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("password hash gate", () => {
  it("runs at most `running` hashes at once and starts the waiting ones in arrival order", async ({ expect }) => {
    const gate = createHashGate(limits({ running: 2, queued: 3 }));
    const fake = fakeHashes();
    const results = [1, 2, 3, 4, 5].map((id) => gate.run(fake.hash(id)));
    await settle();
    expect(fake.started).toEqual([1, 2]);
    expect(gate.load()).toEqual({ running: 2, queued: 3 });

    fake.finish(2);
    await settle();
    expect(fake.started).toEqual([1, 2, 3]);
    fake.finish(1);
    fake.finish(3);
    await settle();
    expect(fake.started).toEqual([1, 2, 3, 4, 5]);
    expect(gate.load()).toEqual({ running: 2, queued: 0 });
    fake.finish(4);
    fake.finish(5);
    expect(await Promise.all(results)).toEqual(["hash-1", "hash-2", "hash-3", "hash-4", "hash-5"]);
    expect(fake.mostAtOnce()).toBe(2);
    expect(gate.load()).toEqual({ running: 0, queued: 0 });
  });

  it("refuses past the queue with a 503 and Retry-After, without starting the hash", async ({ expect }) => {
    const gate = createHashGate(limits({ running: 2, queued: 1, retryAfterSeconds: 3 }));
    const fake = fakeHashes();
    const admitted = [1, 2, 3].map((id) => gate.run(fake.hash(id)));
    const refused = await gate.run(fake.hash(4)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE", headers: { "Retry-After": "3" } });
    await settle();
    expect(fake.started).toEqual([1, 2]);

    // Once a slot frees, the queue moves and there is room to wait again.
    fake.finish(1);
    await settle();
    expect(fake.started).toEqual([1, 2, 3]);
    const later = gate.run(fake.hash(5));
    expect(gate.load()).toEqual({ running: 2, queued: 1 });
    fake.finish(2);
    fake.finish(3);
    await settle();
    fake.finish(5);
    await Promise.all([...admitted, later]);
    expect(gate.load()).toEqual({ running: 0, queued: 0 });
  });

  it("gives up on a wait longer than maxWaitMs with the same 503", async ({ expect }) => {
    const gate = createHashGate(limits({ running: 1, queued: 2, maxWaitMs: 30 }));
    const fake = fakeHashes();
    const first = gate.run(fake.hash(1));
    const waited = await gate.run(fake.hash(2)).catch((error: unknown) => error);
    expect(waited).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect(fake.started).toEqual([1]);
    expect(gate.load()).toEqual({ running: 1, queued: 0 });
    fake.finish(1);
    await first;
  });

  it("gives the slot back when a hash throws", async ({ expect }) => {
    const gate = createHashGate(limits({ running: 1, queued: 1 }));
    const fake = fakeHashes();
    const first = gate.run(fake.hash(1));
    const second = gate.run(fake.hash(2));
    await settle();
    fake.fail(1);
    await expect(first).rejects.toThrow("hash 1 failed");
    await settle();
    expect(fake.started).toEqual([1, 2]);
    fake.finish(2);
    expect(await second).toBe("hash-2");
    expect(gate.load()).toEqual({ running: 0, queued: 0 });
  });
});
