import type { PendingUserCheck } from "../../src/lib/auth/middleware";
/**
 * Counts sequential remote round trips: D1 bindings and the stock objects'
 * namespace wrapped so every call records when it started and ended, as
 * positions in one sequence of events (clocks in workerd stand still between
 * I/O, so times could not order them). A call that started after another
 * ended had to wait for it; the longest such chain is the number of round
 * trips a caller felt.
 */

export interface RemoteCall {
  /** "head office batch", "store first", "stock reserve", … */
  what: string;
  /** The first SQL text, for D1 calls. */
  sql?: string | undefined;
  started: number;
  ended: number;
  /** 1 for calls that waited on no other, n+1 for a call that waited on a depth-n call. */
  depth: number;
}

export interface CallLog {
  calls: RemoteCall[];
  time<T>(what: string, sql: string | undefined, work: () => Promise<T>): Promise<T>;
  /** The position now: calls that start later are after this point. */
  mark(): number;
  clear(): void;
}

export function callLog(): CallLog {
  let position = 0;
  const calls: RemoteCall[] = [];
  return {
    calls,
    async time(what, sql, work) {
      const call: RemoteCall = { what, sql, started: ++position, ended: Number.POSITIVE_INFINITY, depth: 0 };
      calls.push(call);
      try {
        return await work();
      } finally {
        call.ended = ++position;
      }
    },
    mark: () => ++position,
    clear() {
      calls.length = 0;
    },
  };
}

/** Fills each call's depth; answers the deepest. */
export function sequentialDepth(calls: RemoteCall[]): number {
  const ordered = [...calls].sort((a, b) => a.started - b.started);
  for (const call of ordered) {
    const waitedOn = ordered.filter((other) => other.ended < call.started);
    call.depth = 1 + Math.max(0, ...waitedOn.map((other) => other.depth));
  }
  return Math.max(0, ...ordered.map((call) => call.depth));
}

const REAL = Symbol("real statement");

function timedStatement(real: D1PreparedStatement, label: string, sql: string, log: CallLog): D1PreparedStatement {
  return new Proxy(real, {
    get(target, key) {
      if (key === REAL) return target;
      if (key === "bind") return (...values: unknown[]) => timedStatement(target.bind(...values), label, sql, log);
      if (key === "first" || key === "all" || key === "run" || key === "raw") {
        const method = Reflect.get(target, key) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => log.time(`${label} ${key}`, sql, () => method.apply(target, args));
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A D1 binding whose every call is logged under `label` ("head office", "store"). */
export function timedD1(d1: D1Database, label: string, log: CallLog): D1Database {
  return new Proxy(d1, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => timedStatement(target.prepare(sql), label, sql, log);
      if (key === "batch")
        return (statements: D1PreparedStatement[]) =>
          log.time(`${label} batch`, undefined, () => target.batch(statements.map(realStatement)));
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const realStatement = (s: D1PreparedStatement): D1PreparedStatement =>
  (s as unknown as Record<symbol, D1PreparedStatement | undefined>)[REAL] ?? s;

/** The stock objects' namespace with every call to an object logged ("stock reserve", "stock commit", …). */
export function timedStockNamespace<T extends object>(namespace: T, log: CallLog): T {
  return new Proxy(namespace, {
    get(target, key) {
      if (key === "get")
        return (id: DurableObjectId) => {
          const stub = (target as unknown as DurableObjectNamespace).get(id) as unknown as Record<string, unknown>;
          return new Proxy(stub, {
            get(s, method) {
              const value = Reflect.get(s, method);
              if (typeof method !== "string" || typeof value !== "function") return value;
              return (...args: unknown[]) =>
                log.time(`stock ${method}`, undefined, () => Reflect.apply(value, s, args) as Promise<unknown>);
            },
          });
        };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The pending check a route with `requirePermissionInBatch` hands its
 * service: the claims of `token` (decoded here, as the middleware verified
 * them), the permission, and no store named.
 */
export function pendingCheckOf(
  account: { id: number; token: string },
  permission: PendingUserCheck["permission"],
): PendingUserCheck {
  const claims = JSON.parse(atob((account.token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")));
  return {
    claims: {
      userId: account.id,
      tokenVersion: claims.tv,
      role: claims.role,
      sessionId: claims.sid,
      homeStoreId: claims.hs,
    },
    permission,
    asked: {},
  };
}
