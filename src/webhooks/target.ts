/**
 * Where webhooks may be sent (README "Webhooks", outbound safety). A receiver
 * URL is checked when an endpoint is created or changed and again before
 * every request, so a URL that became unsafe (a setting changed) is never
 * called: HTTPS only; no credentials in the URL; no host that names this
 * machine, the private network or the cloud's metadata service, whether by
 * name (`localhost`, `*.localhost`, `*.local`, `*.internal`) or by IP literal
 * (private, loopback, link-local, CGNAT, unique-local, multicast,
 * unspecified, reserved; IPv4 and IPv6, IPv4-mapped and NAT64 included).
 * `allowLoopback` (WEBHOOK_ALLOW_LOOPBACK, tests and local runs) lets
 * loopback receivers in, over http:// too; never private or link-local ones.
 *
 * The URL parser normalises IPv4 spellings first (`0x7f.1`, `2130706433` and
 * `127.1` all become 127.0.0.1), so the checks see the address a request
 * would reach. A public name that resolves to a private address is not
 * caught here: Workers' fetch does not reach private networks anyway.
 */

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string };

type AddressKind = "public" | "loopback" | "blocked";

interface Range {
  /** The first address of the range as 32 bits (IPv4) or 8 groups of 16 bits (IPv6). */
  start: number[];
  bits: number;
  kind: Exclude<AddressKind, "public">;
  name: string;
}

const V4_RANGES: Range[] = [
  { start: [0, 0, 0, 0], bits: 8, kind: "blocked", name: "unspecified (0.0.0.0/8)" },
  { start: [10, 0, 0, 0], bits: 8, kind: "blocked", name: "private (10.0.0.0/8)" },
  { start: [100, 64, 0, 0], bits: 10, kind: "blocked", name: "carrier-grade NAT (100.64.0.0/10)" },
  { start: [127, 0, 0, 0], bits: 8, kind: "loopback", name: "loopback (127.0.0.0/8)" },
  { start: [169, 254, 0, 0], bits: 16, kind: "blocked", name: "link-local (169.254.0.0/16)" },
  { start: [172, 16, 0, 0], bits: 12, kind: "blocked", name: "private (172.16.0.0/12)" },
  { start: [192, 0, 0, 0], bits: 24, kind: "blocked", name: "IETF protocol assignments (192.0.0.0/24)" },
  { start: [192, 0, 2, 0], bits: 24, kind: "blocked", name: "documentation (192.0.2.0/24)" },
  { start: [192, 168, 0, 0], bits: 16, kind: "blocked", name: "private (192.168.0.0/16)" },
  { start: [198, 18, 0, 0], bits: 15, kind: "blocked", name: "benchmarking (198.18.0.0/15)" },
  { start: [198, 51, 100, 0], bits: 24, kind: "blocked", name: "documentation (198.51.100.0/24)" },
  { start: [203, 0, 113, 0], bits: 24, kind: "blocked", name: "documentation (203.0.113.0/24)" },
  { start: [224, 0, 0, 0], bits: 4, kind: "blocked", name: "multicast (224.0.0.0/4)" },
  { start: [240, 0, 0, 0], bits: 4, kind: "blocked", name: "reserved or broadcast (240.0.0.0/4)" },
];

const V6_RANGES: Range[] = [
  { start: [0, 0, 0, 0, 0, 0, 0, 0], bits: 128, kind: "blocked", name: "unspecified (::)" },
  { start: [0, 0, 0, 0, 0, 0, 0, 1], bits: 128, kind: "loopback", name: "loopback (::1)" },
  { start: [0xfc00, 0, 0, 0, 0, 0, 0, 0], bits: 7, kind: "blocked", name: "unique-local (fc00::/7)" },
  { start: [0xfe80, 0, 0, 0, 0, 0, 0, 0], bits: 10, kind: "blocked", name: "link-local (fe80::/10)" },
  { start: [0xfec0, 0, 0, 0, 0, 0, 0, 0], bits: 10, kind: "blocked", name: "site-local (fec0::/10)" },
  { start: [0xff00, 0, 0, 0, 0, 0, 0, 0], bits: 8, kind: "blocked", name: "multicast (ff00::/8)" },
  { start: [0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], bits: 32, kind: "blocked", name: "documentation (2001:db8::/32)" },
  { start: [0x0100, 0, 0, 0, 0, 0, 0, 0], bits: 64, kind: "blocked", name: "discard-only (100::/64)" },
  // Transition tunnels that carry an IPv4 address inside (at other offsets than the last 32 bits):
  // no real receiver sits behind one, and each could wrap a private address.
  { start: [0x2002, 0, 0, 0, 0, 0, 0, 0], bits: 16, kind: "blocked", name: "6to4 (2002::/16)" },
  { start: [0x2001, 0, 0, 0, 0, 0, 0, 0], bits: 32, kind: "blocked", name: "Teredo (2001::/32)" },
  { start: [0x64, 0xff9b, 1, 0, 0, 0, 0, 0], bits: 48, kind: "blocked", name: "local-use NAT64 (64:ff9b:1::/48)" },
];

/** IPv6 prefixes whose last 32 bits are an IPv4 address, judged as that address. */
const V4_EMBEDDING_PREFIXES: { start: number[]; bits: number }[] = [
  { start: [0, 0, 0, 0, 0, 0xffff, 0, 0], bits: 96 }, // IPv4-mapped ::ffff:a.b.c.d
  { start: [0, 0, 0, 0, 0, 0, 0, 0], bits: 96 }, // IPv4-compatible ::a.b.c.d (deprecated)
  { start: [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], bits: 96 }, // NAT64 64:ff9b::a.b.c.d
];

/** Whether `address` (as `unit`-bit parts) starts with the first `bits` bits of `start`. */
function inPrefix(address: number[], start: number[], bits: number, unit: number): boolean {
  let left = bits;
  for (let i = 0; i < address.length && left > 0; i++) {
    const take = Math.min(unit, left);
    const shift = unit - take;
    if ((address[i] ?? 0) >> shift !== (start[i] ?? 0) >> shift) return false;
    left -= take;
  }
  return true;
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

/**
 * 8 groups of 16 bits, from a URL's IPv6 host without brackets. The URL
 * parser always serialises IPv6 in hex groups (`::ffff:7f00:1`, never a
 * dotted tail), so anything else is refused as unreadable.
 */
function parseIPv6(host: string): number[] | null {
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const known = head.length + rest.length;
  const fill = halves.length === 2 ? 8 - known : 0;
  if (fill < 0 || (halves.length === 1 && known !== 8)) return null;
  return [
    ...head.map((g) => Number.parseInt(g, 16)),
    ...Array<number>(fill).fill(0),
    ...rest.map((g) => Number.parseInt(g, 16)),
  ];
}

function classifyIPv4(bytes: number[]): { kind: AddressKind; name: string } {
  const range = V4_RANGES.find((r) => inPrefix(bytes, r.start, r.bits, 8));
  return range ? { kind: range.kind, name: range.name } : { kind: "public", name: "public" };
}

function classifyIPv6(groups: number[]): { kind: AddressKind; name: string } {
  const range = V6_RANGES.find((r) => inPrefix(groups, r.start, r.bits, 16));
  if (range) return { kind: range.kind, name: range.name };
  if (V4_EMBEDDING_PREFIXES.some((p) => inPrefix(groups, p.start, p.bits, 16))) {
    const [hi = 0, lo = 0] = groups.slice(6);
    const inner = classifyIPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    return { kind: inner.kind, name: `IPv4 inside IPv6: ${inner.name}` };
  }
  return { kind: "public", name: "public" };
}

/** Names that only mean something on this machine or a private network. */
function classifyName(host: string): { kind: AddressKind; name: string } {
  if (host === "localhost" || host.endsWith(".localhost")) return { kind: "loopback", name: "localhost" };
  if (host.endsWith(".local")) return { kind: "blocked", name: "a .local (mDNS) name" };
  if (host === "internal" || host.endsWith(".internal")) return { kind: "blocked", name: "an .internal name" };
  if (!host.includes(".")) return { kind: "blocked", name: "a single-label (intranet) name" };
  return { kind: "public", name: "public" };
}

/** What a URL's host is: an IPv4 or IPv6 literal, or a name. */
export function classifyHost(hostname: string): { kind: AddressKind; name: string } {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIPv6(host.slice(1, -1));
    return groups ? classifyIPv6(groups) : { kind: "blocked", name: "an IPv6 address it cannot read" };
  }
  const v4 = parseIPv4(host);
  if (v4) return classifyIPv4(v4);
  // Digits and dots only, yet not four bytes: not an address the parser would have produced.
  if (/^[\d.]+$/.test(host)) return { kind: "blocked", name: "a malformed IPv4 address" };
  return classifyName(host);
}

/** Whether webhooks may be sent to `raw`: the parsed URL, or why not. */
export function checkTarget(raw: string, options: { allowLoopback: boolean }): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not an absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `must use https (got ${url.protocol.replace(/:$/, "")})` };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials (user:password@)" };
  if (url.hash) return { ok: false, reason: "must not have a #fragment" };
  const host = classifyHost(url.hostname);
  if (host.kind === "blocked") return { ok: false, reason: `must not target ${host.name} (${url.hostname})` };
  if (host.kind === "loopback" && !options.allowLoopback) {
    return { ok: false, reason: `must not target ${host.name} (${url.hostname})` };
  }
  // http:// only for a loopback receiver, and only where loopback is allowed (tests, local runs).
  if (url.protocol === "http:" && !(options.allowLoopback && host.kind === "loopback")) {
    return { ok: false, reason: "must use https" };
  }
  return { ok: true, url };
}
