/**
 * D1 production-limits guard: local D1 (Miniflare) runs SQL that production
 * D1 refuses, so tests and `npm run dev` go through this wrapper, which
 * refuses the same things before anything is sent:
 *
 * - more than 100 bound parameters in one statement (the highest `?N` counts,
 *   as in SQLite), also in Durable Object SQL (`ctx.storage.sql.exec`);
 * - a statement longer than 100,000 bytes;
 * - a LIKE or GLOB pattern longer than 50 bytes (the bound value or literal
 *   that the pattern operand is made of: `LIKE ?1`, `LIKE '%' || ? || '%'`);
 * - a bound string or BLOB over 2,000,000 bytes (D1's largest value and row);
 * - more than 1,000 queries in one Worker invocation (a batch of N statements
 *   counts N): a fetch, a queue batch, a cron run, or one call into a Durable
 *   Object (its RPC method or alarm).
 *
 * A refusal throws before sending, as an Error whose message reads like D1's
 * own (`D1_ERROR: D1 production limit: 140 bound parameters (max 100) in
 * "SELECT …": SQLITE_ERROR`), so `isD1Refusal` treats it as a refused batch
 * (nothing was written) and the API answers 500 without showing SQL.
 *
 * Switched on by the var `D1_ENFORCE_PRODUCTION_LIMITS = "true"` (the tests'
 * Miniflare bindings in vitest.config.ts, and .dev.vars for `npm run dev`);
 * off by default, and in production, which enforces the limits itself.
 *
 * Wiring: `guardWorker(handler)` wraps the Worker's fetch/queue/scheduled
 * (each call is one invocation; env is wrapped once per env object, and each
 * D1 binding once, so `dbFor`'s Drizzle cache keeps working);
 * `guardDurableObject(Class)` makes each call into the object an invocation
 * and gives it the guarded env; `guardSql(ctx.storage.sql, env)` caps the
 * object's own SQL. Tests that call services directly can pass
 * `guardEnv(env)` / `guardD1(env.DB)`, and `inInvocation(label, fn)` to count
 * their queries as one invocation.
 *
 * Fault injection (tests; only guarded bindings see it, so only when the
 * guard is on). State lives on globalThis, so a fault armed in a test file
 * reaches the Worker code behind `exports.default.fetch` in the same isolate:
 *
 *   import { d1Faults } from "../../src/lib/d1-guard";
 *   const fault = d1Faults.failNextBatch({ when: "after", match: (sql) => sql.some((s) => s.includes("INSERT INTO orders")) });
 *   ... the next matching `batch()` runs, then throws `D1_ERROR: Network connection lost.` (outcome unknown)
 *   expect(fault.fired).toBe(true);
 *
 * - `when: "before"`: throws without running the batch (nothing written);
 * - `when: "after"`: runs the batch (committed), then throws;
 * - `match(sql)`: the batch's SQL texts; default: any batch; `message`
 *   overrides the error text. Faults queue up: each fires once, on the first
 *   batch it matches. `d1Faults.pending()` counts those not yet fired, and
 *   `d1Faults.reset()` disarms them all (test/setup/d1-limits.ts does after
 *   every test). Only `batch()` calls (D1's or Drizzle's) are failed: every
 *   write that moves stock or money here is one batch.
 *
 * Stats (`d1LimitStats()`, `resetD1LimitStats()`, `watchD1Limits()` for a
 * stretch of one test): the largest bound-parameter count (with its SQL), the
 * most queries in one invocation (with its label), the longest statement, the
 * largest Durable Object SQL parameter count, and every refusal; the test
 * setup prints them once per test file.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export const D1_LIMITS = {
  boundParameters: 100,
  statementBytes: 100_000,
  patternBytes: 50,
  queriesPerInvocation: 1000,
  /** Largest string or BLOB (also a row): a bound value longer than this cannot be stored. */
  valueBytes: 2_000_000,
} as const;

/** The var that switches the guard on. */
export const ENFORCE_VAR = "D1_ENFORCE_PRODUCTION_LIMITS";

export interface FaultOptions {
  /** "before": throw without running; "after": run the batch, then throw (an unknown outcome). */
  when: "before" | "after";
  /** Which batch to fail, by its statements' SQL; default: the next batch. */
  match?: (sql: string[]) => boolean;
  /** Default `D1_ERROR: Network connection lost.` */
  message?: string;
}

export interface ArmedFault {
  /** True once the fault has failed a batch. */
  readonly fired: boolean;
  /** The SQL of the batch it failed. */
  readonly sql: string[] | null;
}

export interface D1LimitStats {
  /** Largest bound-parameter count of a D1 statement, and that statement (shortened). */
  maxParams: { count: number; sql: string };
  /** Most D1 queries in one invocation, and what the invocation was (`GET /api/v1/orders`, `cron 30 2 * * *`). */
  maxQueries: { count: number; invocation: string };
  /** Largest bound-parameter count in Durable Object SQL. */
  maxObjectSqlParams: { count: number; sql: string };
  /** Longest D1 statement, in bytes. */
  maxStatementBytes: { bytes: number; sql: string };
  /** Every refusal, in order (a refusal that code catches and hides still shows here). */
  violations: string[];
}

interface Invocation {
  label: string;
  queries: number;
  /** The Durable Object whose call this is (its own inner calls stay in it). */
  owner?: object;
}

interface Fault extends FaultOptions {
  fired: boolean;
  sql: string[] | null;
}

interface GuardState {
  scope: AsyncLocalStorage<Invocation>;
  faults: Fault[];
  stats: D1LimitStats;
  /** Stats of open `watchD1Limits()` calls, updated beside the file's. */
  watchers: Set<D1LimitStats>;
}

const emptyStats = (): D1LimitStats => ({
  maxParams: { count: 0, sql: "" },
  maxQueries: { count: 0, invocation: "" },
  maxObjectSqlParams: { count: 0, sql: "" },
  maxStatementBytes: { bytes: 0, sql: "" },
  violations: [],
});

// One state per isolate, whichever copy of this module a caller imported
// (the tests' module graph and the Worker's may load it separately).
const STATE_KEY = Symbol.for("pos-api.d1-guard");
const globals = globalThis as Record<symbol, GuardState | undefined>;
globals[STATE_KEY] ??= {
  scope: new AsyncLocalStorage<Invocation>(),
  faults: [],
  stats: emptyStats(),
  watchers: new Set(),
};
const state: GuardState = globals[STATE_KEY];

/** Applies a record to the file's stats and to every open watch. */
const record = (update: (stats: D1LimitStats) => void) => {
  update(state.stats);
  for (const stats of state.watchers) update(stats);
};

// ---------------------------------------------------------------------------
// Activation

/** Whether env asks for the guard; a value other than "true"/"false"/blank fails loudly, naming the var. */
export function limitsEnforced(env: object): boolean {
  const value = (env as Record<string, unknown>)[ENFORCE_VAR];
  if (value === undefined || value === null || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new Error(`${ENFORCE_VAR} must be "true" or "false", not ${JSON.stringify(value)}`);
}

const isD1Binding = (value: unknown): value is D1Database =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as D1Database).prepare === "function" &&
  typeof (value as D1Database).batch === "function" &&
  typeof (value as D1Database).exec === "function";

const guardedEnvs = new WeakMap<object, object>();

/**
 * env with every D1 binding guarded, when env asks for it (else env itself).
 * Made once per env object; the guarded bindings are made once per binding.
 */
export function guardEnv<E extends object>(env: E): E {
  const cached = guardedEnvs.get(env);
  if (cached) return cached as E;
  let result: object = env;
  if (limitsEnforced(env)) {
    const swapped = new Map<PropertyKey, D1Database>();
    for (const key of Object.keys(env)) {
      const value = (env as Record<string, unknown>)[key];
      if (isD1Binding(value)) swapped.set(key, guardD1(value));
    }
    result = new Proxy(env, {
      get: (target, key, receiver) => swapped.get(key) ?? Reflect.get(target, key, receiver),
    });
  }
  guardedEnvs.set(env, result);
  guardedEnvs.set(result, result);
  return result as E;
}

// ---------------------------------------------------------------------------
// Invocations

/** Runs `fn` as one invocation: the D1 queries it makes (and its continuations make) are counted together. */
export function inInvocation<T>(label: string, fn: () => T, owner?: object): T {
  return state.scope.run(owner ? { label, queries: 0, owner } : { label, queries: 0 }, fn);
}

type Handler<A extends unknown[], R> = ((...args: A) => R) | undefined;

/**
 * The Worker's handlers, each call one invocation with env guarded (when env
 * asks for it; otherwise the handler runs as it was, at the cost of one
 * WeakMap lookup).
 */
export function guardWorker<H extends ExportedHandler<never>>(handler: H): H {
  type Any = ExportedHandler<object>;
  const h = handler as unknown as Any;
  const wrap = <A extends [unknown, object, ...unknown[]], R>(
    fn: Handler<A, R>,
    label: (first: A[0]) => string,
  ): Handler<A, R> =>
    fn &&
    ((...args: A) => {
      if (typeof args[1] !== "object" || args[1] === null) return fn.apply(handler, args);
      const env = guardEnv(args[1]);
      if (env === args[1]) return fn.apply(handler, args);
      const call = [args[0], env, ...args.slice(2)] as unknown as A;
      return inInvocation(label(args[0]), () => fn.apply(handler, call));
    });
  const guarded: Any = { ...h };
  if (h.fetch)
    guarded.fetch = wrap(h.fetch, (request) => {
      const req = request as Request;
      return `${req.method} ${new URL(req.url).pathname}`;
    }) as Any["fetch"];
  if (h.queue) guarded.queue = wrap(h.queue, (batch) => `queue ${(batch as MessageBatch).queue}`) as Any["queue"];
  if (h.scheduled)
    guarded.scheduled = wrap(
      h.scheduled,
      (controller) => `cron ${(controller as ScheduledController).cron}`,
    ) as Any["scheduled"];
  return guarded as unknown as H;
}

/** Guarded objects, and whether their env switched the guard on. */
const enforcedObjects = new WeakMap<object, boolean>();

// biome-ignore lint/suspicious/noExplicitAny: a Durable Object class takes (ctx, env) and any methods.
type ObjectClass = abstract new (ctx: DurableObjectState, env: any) => object;

/**
 * A Durable Object class whose every call (RPC method, fetch, alarm) is one
 * invocation and whose env is guarded, when env asks for it.
 */
export function guardDurableObject<C extends ObjectClass>(Base: C): C {
  // biome-ignore lint/suspicious/noExplicitAny: the subclass forwards whatever the base takes.
  const Concrete = Base as unknown as new (ctx: DurableObjectState, env: any) => object;
  class Guarded extends Concrete {
    constructor(ctx: DurableObjectState, env: object) {
      super(ctx, guardEnv(env));
      enforcedObjects.set(this, limitsEnforced(env));
    }
  }
  const name = Base.name;
  const seen = new Set<string>();
  for (let proto = Base.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || seen.has(key)) continue;
      seen.add(key);
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      const method = descriptor?.value;
      if (typeof method !== "function") continue;
      Object.defineProperty(Guarded.prototype, key, {
        ...descriptor,
        value: function (this: object, ...args: unknown[]) {
          // A call from outside (RPC, alarm) is an invocation; the object's calls to its own methods are not.
          if (!enforcedObjects.get(this) || state.scope.getStore()?.owner === this) return method.apply(this, args);
          return inInvocation(`${name}.${key}`, () => method.apply(this, args), this);
        },
      });
    }
  }
  Object.defineProperty(Guarded, "name", { value: name });
  return Guarded as unknown as C;
}

function countQueries(n: number, sql: string) {
  const invocation = state.scope.getStore();
  if (!invocation) return;
  invocation.queries += n;
  record((stats) => {
    if (invocation.queries > stats.maxQueries.count)
      stats.maxQueries = { count: invocation.queries, invocation: invocation.label };
  });
  if (invocation.queries > D1_LIMITS.queriesPerInvocation)
    refuse(
      "D1",
      `${invocation.queries} queries in one invocation (max ${D1_LIMITS.queriesPerInvocation}) by ${invocation.label}`,
      sql,
    );
}

// ---------------------------------------------------------------------------
// Statement checks

interface Analysis {
  /** The highest parameter index the SQL uses. */
  variables: number;
  bytes: number;
  /** Statements in the text (exec runs several). */
  statements: number;
  /** Per LIKE/GLOB operand: its string literals' bytes, and the parameter indexes it uses. */
  patterns: { keyword: string; literalBytes: number; params: number[] }[];
}

/** UTF-8 length without encoding (bound values can be large). */
function byteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

type Token =
  | { kind: "param"; index: number }
  | { kind: "string"; bytes: number }
  | { kind: "word"; upper: string }
  | { kind: "punct"; text: string };

const WORD = /[A-Za-z_\u0080-\uffff]/;
const WORD_REST = /[A-Za-z0-9_$\u0080-\uffff]/;

/** A small SQLite tokenizer: enough to find parameters, literals and keywords outside strings and comments. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const named = new Map<string, number>();
  let highest = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i] as string;
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      let j = i + 1;
      let value = "";
      for (;;) {
        const end = sql.indexOf(close, j);
        if (end < 0) {
          value += sql.slice(j);
          j = n;
          break;
        }
        value += sql.slice(j, end);
        if (close !== "]" && sql[end + 1] === close) {
          value += close;
          j = end + 2;
        } else {
          j = end + 1;
          break;
        }
      }
      if (ch === "'") tokens.push({ kind: "string", bytes: byteLength(value) });
      else tokens.push({ kind: "word", upper: "" }); // a quoted identifier
      i = j;
    } else if (ch === "?") {
      let j = i + 1;
      while (j < n && (sql[j] as string) >= "0" && (sql[j] as string) <= "9") j++;
      const index = j > i + 1 ? Number(sql.slice(i + 1, j)) : highest + 1;
      highest = Math.max(highest, index);
      tokens.push({ kind: "param", index });
      i = j;
    } else if ((ch === ":" || ch === "@" || ch === "$") && WORD.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (j < n && WORD_REST.test(sql[j] as string)) j++;
      const name = sql.slice(i, j);
      let index = named.get(name);
      if (index === undefined) {
        index = highest + 1;
        named.set(name, index);
      }
      highest = Math.max(highest, index);
      tokens.push({ kind: "param", index });
      i = j;
    } else if (WORD.test(ch)) {
      let j = i + 1;
      while (j < n && WORD_REST.test(sql[j] as string)) j++;
      tokens.push({ kind: "word", upper: sql.slice(i, j).toUpperCase() });
      i = j;
    } else if (ch === "|" && sql[i + 1] === "|") {
      tokens.push({ kind: "punct", text: "||" });
      i += 2;
    } else if (ch === " " || ch === "\n" || ch === "\t" || ch === "\r") {
      i++;
    } else {
      tokens.push({ kind: "punct", text: ch });
      i++;
    }
  }
  return tokens;
}

/** Words that end a LIKE/GLOB operand at its own nesting depth. */
const OPERAND_END = new Set([
  "ESCAPE",
  "AND",
  "OR",
  "THEN",
  "ELSE",
  "END",
  "WHEN",
  "ORDER",
  "GROUP",
  "HAVING",
  "LIMIT",
  "OFFSET",
  "UNION",
  "EXCEPT",
  "INTERSECT",
  "COLLATE",
  "IS",
  "NOT",
  "AS",
  "FROM",
  "WHERE",
  "ON",
  "JOIN",
  "LEFT",
  "INNER",
  "CROSS",
  "RETURNING",
  "WINDOW",
]);

function analyse(sql: string): Analysis {
  const tokens = tokenize(sql);
  let variables = 0;
  let statements = 0;
  let sawContent = false;
  const patterns: Analysis["patterns"] = [];
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t] as Token;
    if (token.kind === "param") variables = Math.max(variables, token.index);
    if (token.kind === "punct" && token.text === ";") {
      if (sawContent) statements++;
      sawContent = false;
      continue;
    }
    sawContent = true;
    if (token.kind !== "word" || (token.upper !== "LIKE" && token.upper !== "GLOB")) continue;
    // The operand: everything up to a word or punctuation that ends it at depth 0.
    const pattern = { keyword: token.upper, literalBytes: 0, params: [] as number[] };
    let depth = 0;
    for (let u = t + 1; u < tokens.length; u++) {
      const next = tokens[u] as Token;
      if (next.kind === "punct") {
        if (next.text === "(") depth++;
        else if (next.text === ")") {
          if (depth === 0) break;
          depth--;
        } else if (depth === 0 && (next.text === "," || next.text === ";" || next.text === "=" || next.text === "<"))
          break;
      } else if (next.kind === "word" && depth === 0 && OPERAND_END.has(next.upper)) break;
      else if (next.kind === "string") pattern.literalBytes += next.bytes;
      else if (next.kind === "param") pattern.params.push(next.index);
    }
    patterns.push(pattern);
  }
  if (sawContent) statements++;
  return { variables, bytes: byteLength(sql), statements, patterns };
}

const analyses = new Map<string, Analysis>();
function analysisOf(sql: string): Analysis {
  let analysis = analyses.get(sql);
  if (!analysis) {
    analysis = analyse(sql);
    // Statements built with literal values are one-offs: keep only short texts.
    if (sql.length <= 4000) {
      if (analyses.size >= 2000) analyses.clear();
      analyses.set(sql, analysis);
    }
  }
  return analysis;
}

const valueBytes = (value: unknown): number => {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string") return byteLength(value);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return String(value).length;
};

const shorten = (sql: string) => {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
};

/** A limit production would enforce was crossed. */
export class D1LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "D1LimitError";
  }
}

function refuse(where: "D1" | "Durable Object SQL", what: string, sql: string): never {
  const message = `D1_ERROR: ${where} production limit: ${what} in "${shorten(sql)}": SQLITE_ERROR`;
  record((stats) => stats.violations.push(message));
  throw new D1LimitError(message);
}

/** Throws when the statement would be refused by production; records the stats. */
function check(sql: string, params: readonly unknown[], where: "D1" | "Durable Object SQL") {
  const analysis = analysisOf(sql);
  const count = Math.max(analysis.variables, params.length);
  record((stats) => {
    const key = where === "D1" ? "maxParams" : "maxObjectSqlParams";
    if (count > stats[key].count) stats[key] = { count, sql: shorten(sql) };
    if (where === "D1" && analysis.bytes > stats.maxStatementBytes.bytes)
      stats.maxStatementBytes = { bytes: analysis.bytes, sql: shorten(sql) };
  });
  if (count > D1_LIMITS.boundParameters)
    refuse(where, `${count} bound parameters (max ${D1_LIMITS.boundParameters})`, sql);
  if (analysis.bytes > D1_LIMITS.statementBytes)
    refuse(where, `statement of ${analysis.bytes} bytes (max ${D1_LIMITS.statementBytes})`, sql);
  for (const value of params) {
    // Only a long value can be too long: count bytes past the cheap bound.
    const long = typeof value === "string" ? value.length * 3 > D1_LIMITS.valueBytes : value instanceof ArrayBuffer;
    const bytes = long || ArrayBuffer.isView(value) ? valueBytes(value) : 0;
    if (bytes > D1_LIMITS.valueBytes) refuse(where, `bound value of ${bytes} bytes (max ${D1_LIMITS.valueBytes})`, sql);
  }
  for (const pattern of analysis.patterns) {
    let bytes = pattern.literalBytes;
    for (const index of pattern.params) bytes += valueBytes(params[index - 1]);
    if (bytes > D1_LIMITS.patternBytes)
      refuse(where, `${pattern.keyword} pattern of ${bytes} bytes (max ${D1_LIMITS.patternBytes})`, sql);
  }
}

// ---------------------------------------------------------------------------
// The D1 wrapper

/** What workerd's own prepared statements carry (used when a raw one reaches a guarded batch). */
interface RawStatementShape {
  statement?: unknown;
  params?: unknown;
}

class GuardedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    readonly params: readonly unknown[],
  ) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new GuardedStatement(this.inner.bind(...values), this.sql, values) as unknown as D1PreparedStatement;
  }

  private before() {
    check(this.sql, this.params, "D1");
    countQueries(1, this.sql);
  }

  // async: a refusal rejects the promise, as D1's own errors do.
  async first(...args: [string?]) {
    this.before();
    return (this.inner.first as (...a: unknown[]) => Promise<unknown>)(...args.filter((a) => a !== undefined));
  }

  async run() {
    this.before();
    return this.inner.run();
  }

  async all() {
    this.before();
    return this.inner.all();
  }

  async raw(...args: [{ columnNames?: boolean }?]) {
    this.before();
    return (this.inner.raw as (...a: unknown[]) => Promise<unknown>)(...args.filter((a) => a !== undefined));
  }
}

function unwrap(statement: D1PreparedStatement): {
  inner: D1PreparedStatement;
  sql: string;
  params: readonly unknown[];
} {
  if (statement instanceof GuardedStatement) return statement;
  const shape = statement as unknown as RawStatementShape;
  return {
    inner: statement,
    sql: typeof shape.statement === "string" ? shape.statement : "",
    params: Array.isArray(shape.params) ? shape.params : [],
  };
}

async function guardedBatch<T>(
  run: (statements: D1PreparedStatement[]) => Promise<D1Result<T>[]>,
  statements: D1PreparedStatement[],
): Promise<D1Result<T>[]> {
  const parts = statements.map(unwrap);
  for (const part of parts) check(part.sql, part.params, "D1");
  const sql = parts.map((part) => part.sql);
  countQueries(parts.length, sql[0] ?? "");
  const index = state.faults.findIndex((fault) => !fault.match || fault.match(sql));
  const fault = index >= 0 ? state.faults[index] : undefined;
  if (!fault) return run(parts.map((part) => part.inner));
  state.faults.splice(index, 1);
  fault.fired = true;
  fault.sql = sql;
  const error = new Error(fault.message ?? "D1_ERROR: Network connection lost.");
  if (fault.when === "after") await run(parts.map((part) => part.inner));
  throw error;
}

class GuardedSession {
  constructor(private readonly inner: D1DatabaseSession) {}

  prepare(sql: string): D1PreparedStatement {
    return new GuardedStatement(this.inner.prepare(sql), sql, []) as unknown as D1PreparedStatement;
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return guardedBatch((s) => this.inner.batch<T>(s), statements);
  }

  getBookmark() {
    return this.inner.getBookmark();
  }
}

class GuardedD1 {
  constructor(readonly inner: D1Database) {}

  prepare(sql: string): D1PreparedStatement {
    return new GuardedStatement(this.inner.prepare(sql), sql, []) as unknown as D1PreparedStatement;
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return guardedBatch((s) => this.inner.batch<T>(s), statements);
  }

  async exec(sql: string): Promise<D1ExecResult> {
    const analysis = analysisOf(sql);
    // exec runs its statements one by one (no parameters); each must fit.
    if (analysis.bytes > D1_LIMITS.statementBytes)
      for (const statement of sql.split(/;\s*\n/)) check(statement, [], "D1");
    else check(sql, [], "D1");
    countQueries(Math.max(1, analysis.statements), sql);
    return this.inner.exec(sql);
  }

  withSession(constraintOrBookmark?: string): D1DatabaseSession {
    return new GuardedSession(this.inner.withSession(constraintOrBookmark)) as unknown as D1DatabaseSession;
  }

  async dump(): Promise<ArrayBuffer> {
    countQueries(1, "dump()");
    return this.inner.dump();
  }
}

const guardedBindings = new WeakMap<D1Database, D1Database>();

/** The D1 binding behind the guard, made once per binding (always guards: the caller chose to). */
export function guardD1(d1: D1Database): D1Database {
  if (d1 instanceof GuardedD1) return d1 as unknown as D1Database;
  let guarded = guardedBindings.get(d1);
  if (!guarded) {
    guarded = new GuardedD1(d1) as unknown as D1Database;
    guardedBindings.set(d1, guarded);
  }
  return guarded;
}

// ---------------------------------------------------------------------------
// Durable Object SQL

/** `ctx.storage.sql` with the 100-parameter, statement-length and pattern caps, when env asks for them. */
export function guardSql(sql: SqlStorage, env: object): SqlStorage {
  if (!limitsEnforced(env)) return sql;
  const exec = sql.exec.bind(sql);
  return new Proxy(sql, {
    get(target, key) {
      if (key === "exec")
        return (query: string, ...bindings: unknown[]) => {
          check(query, bindings, "Durable Object SQL");
          return exec(query, ...bindings);
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// ---------------------------------------------------------------------------
// Faults and stats (tests)

export const d1Faults = {
  /** Fails the next guarded batch that `match` accepts; see the header comment. */
  failNextBatch(options: FaultOptions): ArmedFault {
    const fault: Fault = { ...options, fired: false, sql: null };
    state.faults.push(fault);
    return {
      get fired() {
        return fault.fired;
      },
      get sql() {
        return fault.sql;
      },
    };
  },
  /** Faults armed and not yet fired. */
  pending(): number {
    return state.faults.length;
  },
  /** Disarms every fault. */
  reset(): void {
    state.faults.length = 0;
  },
};

/** The figures since the last reset (the test setup resets them per file). */
export const d1LimitStats = (): D1LimitStats => structuredClone(state.stats);

export function resetD1LimitStats() {
  state.stats = emptyStats();
}

/**
 * Figures for a stretch of a test, without disturbing the file's:
 * `const watch = watchD1Limits(); …; watch.stop(); watch.stats.maxQueries`.
 */
export function watchD1Limits(): { readonly stats: D1LimitStats; stop(): void } {
  const stats = emptyStats();
  state.watchers.add(stats);
  return { stats, stop: () => void state.watchers.delete(stats) };
}

/** One line for logs: `d1 limits: max params N (sql…), max queries/invocation M (label), …`. */
export function formatD1LimitStats(stats: D1LimitStats = state.stats): string {
  const parts = [
    `max params ${stats.maxParams.count} (${stats.maxParams.sql || "-"})`,
    `max queries/invocation ${stats.maxQueries.count} (${stats.maxQueries.invocation || "-"})`,
    `longest statement ${stats.maxStatementBytes.bytes} bytes (${stats.maxStatementBytes.sql || "-"})`,
    `object sql max params ${stats.maxObjectSqlParams.count} (${stats.maxObjectSqlParams.sql || "-"})`,
  ];
  const first = stats.violations[0];
  if (first) parts.push(`${stats.violations.length} refused (first: ${first})`);
  return `d1 limits: ${parts.join(", ")}`;
}
