/**
 * Password hashing with argon2id (@noble/hashes) at OWASP's recommended row:
 * m = 19 MiB, t = 2, p = 1. Hashes are PHC strings, so the parameters travel
 * with each hash and `needsRehash` can upgrade old ones at the next login.
 *
 * Pure JS, no Node or Workers APIs: the seed script uses the same module.
 */
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { passwordHashGate } from "./hash-gate";

export interface Argon2Params {
  m: number;
  t: number;
  p: number;
}

export const CURRENT_PARAMS: Argon2Params = { m: 19456, t: 2, p: 1 };
const HASH_BYTES = 32;
const SALT_BYTES = 16;

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
const fromB64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

const derive = (password: string, salt: Uint8Array, params: Argon2Params) =>
  // Every hash waits for a slot of the isolate's gate (hash-gate.ts): each
  // one holds m KiB of memory until it ends. The async variant yields to the
  // event loop between passes, so one hash does not starve other requests.
  passwordHashGate.run(() => argon2idAsync(password, salt, { ...params, dkLen: HASH_BYTES, asyncTick: 25 }));

export async function hashPassword(password: string, params: Argon2Params = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params);
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${toB64(salt)}$${toB64(hash)}`;
}

interface ParsedHash {
  params: Argon2Params;
  salt: Uint8Array;
  hash: Uint8Array;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parse(phc: string): ParsedHash | null {
  const match = PHC.exec(phc);
  if (!match) return null;
  const [, m, t, p, salt, hash] = match;
  try {
    return {
      params: { m: Number(m), t: Number(t), p: Number(p) },
      salt: fromB64(salt ?? ""),
      hash: fromB64(hash ?? ""),
    };
  } catch {
    return null;
  }
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parse(phc);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.params);
  return constantTimeEqual(candidate, parsed.hash);
}

/** True when the stored hash was made with other parameters than today's. */
export function needsRehash(phc: string, params: Argon2Params = CURRENT_PARAMS): boolean {
  const parsed = parse(phc);
  if (!parsed) return true;
  return parsed.params.m !== params.m || parsed.params.t !== params.t || parsed.params.p !== params.p;
}

/**
 * The check run when the username does not exist, so a miss costs the same
 * argon2 time (and hash slot) as a wrong password. Always false. A fixed salt
 * is fine: nothing is stored or compared. (It used to verify against a hash
 * made once per isolate; awaiting that shared promise from concurrent
 * requests crossed workerd's request contexts.)
 */
const DECOY_SALT = new Uint8Array(SALT_BYTES);
export async function verifyDecoy(password: string): Promise<false> {
  await derive(password, DECOY_SALT, CURRENT_PARAMS);
  return false;
}
