/**
 * Outbound safety (src/webhooks/target.ts): the URLs a webhook may not go
 * to, IPv4 and IPv6 (mapped, NAT64, odd spellings the URL parser
 * normalises), names of this machine or a private network, credentials,
 * plain http; and what WEBHOOK_ALLOW_LOOPBACK lets in (loopback only).
 */
import { describe, expect, it } from "vitest";
import { checkTarget } from "../../src/webhooks/target";

const strict = { allowLoopback: false };
const loopbackAllowed = { allowLoopback: true };

const BLOCKED: [url: string, why: RegExp][] = [
  ["http://hooks.example.com/x", /https/],
  ["ftp://hooks.example.com/x", /https/],
  ["https://user:pass@hooks.example.com/x", /credentials/],
  ["https://token@hooks.example.com/x", /credentials/],
  ["https://127.0.0.1/x", /loopback/],
  ["https://127.8.9.10/x", /loopback/],
  ["https://0x7f.1/x", /loopback/],
  // Tunnels wrapping an IPv4 address (here 10.0.0.1 / 127.0.0.1) elsewhere than the last 32 bits.
  ["https://[2002:a00:1::1]/x", /6to4/],
  ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x", /Teredo/],
  ["https://[64:ff9b:1::7f00:1]/x", /local-use NAT64/],
  ["https://2130706433/x", /loopback/],
  ["https://localhost/x", /localhost/],
  ["https://LOCALHOST./x", /localhost/],
  ["https://api.localhost/x", /localhost/],
  ["https://10.1.2.3/x", /private/],
  ["https://172.16.0.1/x", /private/],
  ["https://172.31.255.255/x", /private/],
  ["https://192.168.1.1/x", /private/],
  ["https://169.254.169.254/latest/meta-data", /link-local/],
  ["https://100.64.0.1/x", /carrier-grade NAT/],
  ["https://100.127.255.254/x", /carrier-grade NAT/],
  ["https://0.0.0.0/x", /unspecified/],
  ["https://0/x", /unspecified/],
  ["https://224.0.0.1/x", /multicast/],
  ["https://239.255.255.250/x", /multicast/],
  ["https://255.255.255.255/x", /broadcast/],
  ["https://[::1]/x", /loopback/],
  ["https://[0:0:0:0:0:0:0:1]/x", /loopback/],
  ["https://[::]/x", /unspecified/],
  ["https://[fe80::1]/x", /link-local/],
  ["https://[fc00::1]/x", /unique-local/],
  ["https://[fd12:3456:789a::1]/x", /unique-local/],
  ["https://[ff02::1]/x", /multicast/],
  ["https://[::ffff:127.0.0.1]/x", /IPv4 inside IPv6: loopback/],
  ["https://[::ffff:10.0.0.1]/x", /IPv4 inside IPv6: private/],
  ["https://[::ffff:169.254.169.254]/x", /IPv4 inside IPv6: link-local/],
  ["https://[64:ff9b::192.168.0.1]/x", /IPv4 inside IPv6: private/],
  ["https://printer.local/x", /\.local/],
  ["https://metadata.google.internal/x", /\.internal/],
  ["https://intranet/x", /single-label/],
  ["not a url", /absolute URL/],
];

const ALLOWED = [
  "https://hooks.example.com/pos",
  "https://hooks.example.com:8443/pos?team=1",
  "https://8.8.8.8/x",
  "https://172.32.0.1/x",
  "https://100.128.0.1/x",
  "https://[2606:4700::1111]/x",
  "https://[::ffff:8.8.8.8]/x",
];

describe("webhook targets", () => {
  it.each(BLOCKED)("refuses %s", (url, why) => {
    const check = checkTarget(url, strict);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(why);
  });

  it.each(ALLOWED)("accepts %s", (url) => {
    expect(checkTarget(url, strict).ok).toBe(true);
  });

  it("with WEBHOOK_ALLOW_LOOPBACK, lets loopback in (http too) and nothing private", () => {
    for (const url of ["http://127.0.0.1:8788/hook", "https://[::1]/x", "http://localhost:9000/x"]) {
      expect(checkTarget(url, loopbackAllowed).ok, url).toBe(true);
    }
    for (const url of [
      "https://10.0.0.1/x",
      "https://169.254.169.254/x",
      "https://[fe80::1]/x",
      "https://192.168.0.10/x",
      "http://hooks.example.com/x",
      "http://10.0.0.1/x",
    ]) {
      expect(checkTarget(url, loopbackAllowed).ok, url).toBe(false);
    }
  });
});
