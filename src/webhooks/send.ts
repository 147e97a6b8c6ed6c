/**
 * One webhook request, as the delivery consumer and `POST
 * /webhook-endpoints/{id}/test` both make it (README "Webhooks"): a POST of
 * the signed JSON body, 10-second timeout, redirects not followed (a 3xx is a
 * failure: a receiver may not send us elsewhere), and at most about 1 KB of
 * the answer read before the stream is cancelled, so a receiver can neither
 * hold the consumer nor fill its memory. Never throws: every outcome is a
 * `SendResult`.
 */
import { type SignedHeaders, signedHeaders } from "./signing";

export const SEND_TIMEOUT_MS = 10_000;
/** How much of the receiver's answer is kept (and read at all). */
export const EXCERPT_BYTES = 1024;

export interface SendResult {
  /** 2xx: delivered. */
  ok: boolean;
  /** The receiver's status (null: no answer: timeout, refused connection, unsafe target). */
  statusCode: number | null;
  /** The first bytes of the answer's body, as text. */
  excerpt: string | null;
  /** Why it failed, for people (null when delivered). */
  error: string | null;
  durationMs: number;
}

export type Fetcher = (input: Request) => Promise<Response>;

/** Reads at most `limit` bytes of a body, then cancels the rest. */
async function readExcerpt(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | null> {
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Whatever is left is never read; cancelling also releases the connection.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

const describe = (error: unknown): string => {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${SEND_TIMEOUT_MS / 1000} seconds`;
  }
  return `request failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
};

/** POSTs `body` to `url` with the Standard Webhooks headers signed by `secrets` at `at`. */
export async function sendSigned(
  url: URL,
  message: { id: string; body: string; secrets: readonly string[]; at: Date },
  fetcher: Fetcher = (request) => fetch(request),
): Promise<SendResult & { headers: SignedHeaders }> {
  const headers = await signedHeaders(message.secrets, message.id, message.at, message.body);
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const signal = AbortSignal.timeout(SEND_TIMEOUT_MS);
    const response = await fetcher(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "pos-api-webhooks/1", ...headers },
        body: message.body,
        redirect: "manual",
        signal,
      }),
    );
    const excerpt = await readExcerpt(response.body, EXCERPT_BYTES);
    const ok = response.status >= 200 && response.status < 300;
    let error: string | null = null;
    if (response.status >= 300 && response.status < 400) {
      error = `redirect (${response.status}) not followed${response.headers.get("location") ? ` to ${response.headers.get("location")}` : ""}`;
    } else if (!ok) error = `receiver answered ${response.status}`;
    return { ok, statusCode: response.status, excerpt, error, durationMs: elapsed(), headers };
  } catch (error) {
    return { ok: false, statusCode: null, excerpt: null, error: describe(error), durationMs: elapsed(), headers };
  }
}
