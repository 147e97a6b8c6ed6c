import { describe, it } from "vitest";
import { jsonDepth } from "../../src/lib/http/json-depth";

describe("jsonDepth", () => {
  it("counts objects and arrays, not brackets inside strings or escaped quotes", ({ expect }) => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(jsonDepth('{"a":"\\"[[[[","b":[]}')).toBe(2);
    expect(jsonDepth('["\\\\",[[]]]')).toBe(3);
    expect(jsonDepth(`${"[".repeat(500)}${"]".repeat(500)}`)).toBe(500);
  });
});
