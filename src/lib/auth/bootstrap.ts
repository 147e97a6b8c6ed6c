/**
 * The first account becomes admin, so on a fresh deployment it must not go to
 * whoever calls /auth/register first: it needs the one-time BOOTSTRAP_TOKEN
 * secret, sent as X-Bootstrap-Token. Without that secret, the first admin
 * comes from `npm run admin:create` (local or --remote database).
 */
import { ApiError } from "../errors";

const encoder = new TextEncoder();

/** Compares without an early exit, so response time says nothing about how much matched. */
async function sameSecret(presented: string, expected: string): Promise<boolean> {
  // Comparing digests gives equal lengths; the loop never stops early.
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}

export async function assertBootstrapToken(expected: string | undefined, presented: string | undefined) {
  if (!expected) {
    throw new ApiError(
      "FORBIDDEN",
      "No account exists yet and BOOTSTRAP_TOKEN is not set: create the first admin with `npm run admin:create`, or set the BOOTSTRAP_TOKEN secret and send it as X-Bootstrap-Token",
    );
  }
  if (!presented || !(await sameSecret(presented, expected))) {
    throw new ApiError(
      "FORBIDDEN",
      "The first account needs the X-Bootstrap-Token header with the BOOTSTRAP_TOKEN secret",
    );
  }
}
