/**
 * A nesting limit for JSON bodies. No request body of this API nests more
 * than a few levels (an order's lines are three), so anything deeper is
 * hostile or broken; refusing it before parsing keeps a pathological body from
 * costing parser and validator time, and gives the caller a clear 422.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { ApiError } from "../errors";

export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** The deepest nesting of objects and arrays in `text`, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) inString = true;
    else if (ch === OPEN_OBJECT || ch === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) depth--;
  }
  return deepest;
}

/** Refuses JSON bodies nested deeper than `maxDepth` with a 422 naming the limit. */
export const limitJsonDepth = (maxDepth = MAX_JSON_DEPTH): MiddlewareHandler<AppEnv> =>
  async function limitJsonDepthMiddleware(c, next) {
    const type = c.req.header("Content-Type") ?? "";
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && /^application\/(.+\+)?json/i.test(type)) {
      // Read once: Hono caches the text, and the validators parse from that cache.
      if (jsonDepth(await c.req.text()) > maxDepth) {
        throw new ApiError("VALIDATION_ERROR", [
          { loc: ["body"], msg: `JSON nested deeper than ${maxDepth} levels`, type: "json_too_deep" },
        ]);
      }
    }
    await next();
  };
