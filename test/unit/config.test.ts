import { describe, it } from "vitest";
import { storeTimeZone } from "../../src/lib/config";

describe("storeTimeZone", () => {
  it("defaults to UTC, keeps a real zone, and names the setting when it is misspelt", ({ expect }) => {
    expect(storeTimeZone({ STORE_TIMEZONE: "" })).toBe("UTC");
    expect(storeTimeZone({ STORE_TIMEZONE: "Europe/Berlin" })).toBe("Europe/Berlin");
    expect(() => storeTimeZone({ STORE_TIMEZONE: "Europe/Berlni" })).toThrow(/STORE_TIMEZONE "Europe\/Berlni"/);
  });
});
