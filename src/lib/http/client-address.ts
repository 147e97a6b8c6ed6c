/**
 * The caller's address as throttles key it. Cloudflare sets CF-Connecting-IP
 * on every request that reaches a Worker from outside (a client cannot forge
 * it); it is absent only for calls from inside (tests, service bindings).
 */
import type { Context } from "hono";

/**
 * IPv4 as is; IPv6 by its /64 prefix, since one subscriber usually holds a
 * whole /64 and could otherwise rotate through 2^64 addresses. An IPv4-mapped
 * IPv6 address counts as the IPv4 one.
 */
export function addressKey(raw: string): string {
  const ip = raw.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!/^[0-9a-f:]+$/.test(ip) || !ip.includes(":")) return ip.slice(0, 64);
  const [head = "", tail] = ip.split("::", 2);
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0"),
          ...tailGroups,
        ];
  const prefix = groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "") || "0");
  while (prefix.length < 4) prefix.push("0");
  return `${prefix.join(":")}::/64`;
}

/** The caller's throttling address, or null when Cloudflare named none. */
export function clientAddress(c: Context): string | null {
  const header = c.req.header("CF-Connecting-IP");
  return header ? addressKey(header) : null;
}
