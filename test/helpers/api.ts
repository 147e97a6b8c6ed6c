/** Small HTTP helpers: every request goes through the Worker's real fetch handler. */
import { exports } from "cloudflare:workers";

export const BASE = "http://pos.test";

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw body (sent as-is with the given headers). */
  raw?: BodyInit;
}

export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  return exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
}

/** Calls and parses JSON, failing loudly when the status is not the expected one. */
export async function expectJson<T = Record<string, unknown>>(
  response: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const res = await response;
  const text = await res.text();
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** BOOTSTRAP_TOKEN as vitest.config.ts sets it: the very first registration presents it. */
export const BOOTSTRAP_HEADERS = { "X-Bootstrap-Token": "test-bootstrap-token-0123456789abcdef" };

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

export const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  expectJson<Tokens>(call("POST", "/api/v1/auth/login", { body: { username, password }, headers }), 200);
