/**
 * `npm run bench -- --rtt=MS`: what a till far from its databases feels is
 * sequential remote round trips, not local CPU. With the var
 * `SIMULATED_RTT_MS` set (only the bench sets it; never in wrangler.toml),
 * every D1 call (a statement's first/all/run/raw, a batch) and every Durable
 * Object call the Worker makes waits that long before it goes out, so a
 * request's latency counts its sequential round trips. Calls made in
 * parallel wait in parallel, as they would on the network.
 */

const VAR = "SIMULATED_RTT_MS";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The simulated round-trip time of env, in ms (0: none). */
export function simulatedRtt(env: object): number {
  const value = Number((env as Record<string, unknown>)[VAR] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

const RUNS = new Set(["first", "all", "run", "raw"]);

class DelayedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly ms: number,
  ) {}

  bind(...values: unknown[]): DelayedStatement {
    return new DelayedStatement(this.inner.bind(...values), this.ms);
  }

  // first/all/run/raw, each after the round trip.
  [key: string]: unknown;
}
for (const name of RUNS) {
  Object.defineProperty(DelayedStatement.prototype, name, {
    value: async function (this: DelayedStatement, ...args: unknown[]) {
      await sleep((this as unknown as { ms: number }).ms);
      const inner = this.inner as unknown as Record<string, (...a: unknown[]) => unknown>;
      return inner[name]?.apply(this.inner, args);
    },
  });
}

const unwrap = (statements: D1PreparedStatement[]) =>
  statements.map((s) => (s instanceof DelayedStatement ? s.inner : s));

function delayedDatabase(d1: D1Database | D1DatabaseSession, ms: number): D1Database {
  return new Proxy(d1, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => new DelayedStatement(target.prepare(sql), ms);
      if (key === "batch")
        return async (statements: D1PreparedStatement[]) => {
          await sleep(ms);
          return target.batch(unwrap(statements));
        };
      if (key === "withSession")
        return (constraint?: string) => delayedDatabase((target as D1Database).withSession(constraint), ms);
      if (key === "exec" || key === "dump")
        return async (...args: unknown[]) => {
          await sleep(ms);
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[key]?.apply(target, args);
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as D1Database;
}

/**
 * A stub whose every method call waits first. A plain object, not a Proxy
 * over the stub: an RPC stub's methods are resolved by the runtime at call
 * time (`stub.reserve(...)`), so each call is made on the stub itself.
 */
function delayedStub(stub: object, ms: number): object {
  const methods = stub as Record<string, (...a: unknown[]) => unknown>;
  return new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === "symbol" || key === "then") return undefined;
        return async (...args: unknown[]) => {
          await sleep(ms);
          return methods[key]?.(...args);
        };
      },
    },
  );
}

function delayedNamespace(namespace: DurableObjectNamespace, ms: number): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, key) {
      if (key === "get")
        return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
          delayedStub(target.get(id, options), ms);
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const isD1 = (value: unknown): value is D1Database =>
  typeof value === "object" && value !== null && typeof (value as D1Database).batch === "function";
const isNamespace = (value: unknown): value is DurableObjectNamespace =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as DurableObjectNamespace).idFromName === "function" &&
  typeof (value as DurableObjectNamespace).get === "function";

const delayedEnvs = new WeakMap<object, object>();

/** env whose D1 bindings and Durable Object namespaces wait SIMULATED_RTT_MS per call (env itself when unset). */
export function withSimulatedLatency<E extends object>(env: E): E {
  const ms = simulatedRtt(env);
  if (ms === 0) return env;
  const cached = delayedEnvs.get(env);
  if (cached) return cached as E;
  const swapped = new Map<PropertyKey, unknown>();
  for (const key of Object.keys(env)) {
    const value = (env as Record<string, unknown>)[key];
    if (isD1(value)) swapped.set(key, delayedDatabase(value, ms));
    else if (isNamespace(value)) swapped.set(key, delayedNamespace(value, ms));
  }
  const delayed = new Proxy(env, {
    get: (target, key, receiver) => (swapped.has(key) ? swapped.get(key) : Reflect.get(target, key, receiver)),
  });
  delayedEnvs.set(env, delayed);
  return delayed as E;
}
