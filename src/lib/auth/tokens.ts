/**
 * Access and refresh tokens: HS256 JWTs through jose, with the algorithm
 * pinned and `iss`/`aud`/`exp` checked on every verify. The `typ` claim keeps
 * a refresh token from being used as an access token and vice versa.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import type { AuthConfig } from "../config";
import { ApiError } from "../errors";

const ALGORITHM = "HS256";
const encoder = new TextEncoder();
// An imported CryptoKey per secret: jose would otherwise import raw bytes on every call.
const keyCache = new Map<string, Promise<CryptoKey>>();
const keyFor = (secret: string): Promise<CryptoKey> => {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(secret, key);
  }
  return key;
};

export interface AccessClaims {
  sub: string;
  role: string;
  /** users.token_version when issued. */
  tv: number;
  /**
   * The sign-in (session) the token belongs to: the family id of its refresh
   * tokens. Revoking that family (logout, refresh-token reuse) ends it.
   */
  sid: string;
  /**
   * The holder's home store when issued: the store a request that names none
   * acts on, known before the per-request check reads the user (selling
   * starts its store reads in parallel with that check, which confirms it).
   * Absent from tokens issued before stores existed.
   */
  hs?: number | undefined;
}

export interface RefreshClaims {
  sub: string;
  jti: string;
  fam: string;
}

export async function signAccessToken(config: AuthConfig, claims: AccessClaims, now = new Date()) {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({
    typ: "access",
    role: claims.role,
    tv: claims.tv,
    sid: claims.sid,
    ...(claims.hs ? { hs: claims.hs } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.accessTtlSeconds)
    .sign(await keyFor(config.secret));
}

export async function signRefreshToken(config: AuthConfig, claims: RefreshClaims, now = new Date()) {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ typ: "refresh", fam: claims.fam })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.refreshTtlSeconds)
    .sign(await keyFor(config.secret));
}

async function verify(config: AuthConfig, token: string, typ: "access" | "refresh") {
  try {
    const { payload } = await jwtVerify(token, await keyFor(config.secret), {
      algorithms: [ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ["exp", "iat", "sub"],
    });
    if (payload.typ !== typ) throw new ApiError("TOKEN_INVALID", `Not an ${typ} token`);
    return payload;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const detail = error instanceof errors.JWTExpired ? "Token has expired" : "Could not validate credentials";
    throw new ApiError("TOKEN_INVALID", detail, { headers: { "WWW-Authenticate": "Bearer" } });
  }
}

export async function verifyAccessToken(config: AuthConfig, token: string): Promise<AccessClaims> {
  const payload = await verify(config, token, "access");
  if (
    typeof payload.sub !== "string" ||
    typeof payload.tv !== "number" ||
    typeof payload.role !== "string" ||
    typeof payload.sid !== "string"
  ) {
    throw new ApiError("TOKEN_INVALID", "Could not validate credentials");
  }
  const hs = typeof payload.hs === "number" && Number.isSafeInteger(payload.hs) ? payload.hs : undefined;
  return { sub: payload.sub, role: payload.role, tv: payload.tv, sid: payload.sid, hs };
}

export async function verifyRefreshToken(config: AuthConfig, token: string): Promise<RefreshClaims> {
  const payload = await verify(config, token, "refresh");
  if (typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.fam !== "string") {
    throw new ApiError("TOKEN_INVALID", "Could not validate credentials");
  }
  return { sub: payload.sub, jti: payload.jti, fam: payload.fam };
}

/** Hex SHA-256, for storing refresh tokens without storing the tokens. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
