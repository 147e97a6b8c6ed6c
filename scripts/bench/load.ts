/** One load run with autocannon, reduced to the numbers the table prints. */
import autocannon from "autocannon";

export interface LoadSpec {
  name: string;
  url: string;
  connections: number;
  seconds: number;
  /** Warm-up before measuring (default 1 s); longer where first use is costly (cold Durable Objects). */
  warmupSeconds?: number;
  /** A fixed number of requests instead of a duration (each one distinct, e.g. first renders). */
  amount?: number;

  /** Called per request to vary path and body (search terms, distinct products...). */
  request: () => { method?: string; path: string; body?: string; headers?: Record<string, string> };
}

export interface LoadResult {
  name: string;
  connections: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
}

/**
 * The Accept-Encoding the load generator sends. Tills' HTTP stacks (browsers,
 * fetch, okhttp, URLSession) all send one, so the bench does too. Sending none
 * (`--identity`) is kept for comparison: local workerd then answers with a
 * Content-Length body, and under many keep-alive connections it serves some
 * sockets far later than others (same throughput and mean, a seconds-long
 * tail), which a client with compression does not see. README has both figures.
 */
export const clientEncoding = process.argv.includes("--identity") ? null : "gzip, deflate, br";

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds }),
    ...(clientEncoding ? { headers: { "accept-encoding": clientEncoding } } : {}),

    requests: [
      {
        setupRequest: (req) => {
          const next = spec.request();
          return {
            ...req,
            method: (next.method ?? "GET") as "GET",
            path: next.path,
            body: next.body,
            headers: { ...req.headers, ...next.headers },
          };
        },
      },
    ],
  });
  return {
    name: spec.name,
    connections: spec.connections,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
