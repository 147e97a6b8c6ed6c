import { describe, it } from "vitest";
import { addressKey } from "../../src/lib/http/client-address";

describe("throttling address keys", () => {
  it("keeps IPv4 addresses and unwraps IPv4-mapped IPv6", ({ expect }) => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("keys IPv6 by its /64, however the address is written", ({ expect }) => {
    const key = "2001:db8:abcd:12::/64";
    for (const ip of [
      "2001:db8:abcd:12::1",
      "2001:0DB8:ABCD:0012:ffff:ffff:ffff:fffe",
      "2001:db8:abcd:12:0:0:0:99",
      "2001:db8:abcd:0012::",
    ]) {
      expect(addressKey(ip), ip).toBe(key);
    }
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("2001:db8:abcd:13::1")).not.toBe(key);
  });
});
