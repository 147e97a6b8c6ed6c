import { describe, it } from "vitest";
import { escapeLike, toFtsQuery, tokenize } from "../../src/domain/search";

describe("search query building", () => {
  it("quotes tokens and makes prefixes of two or more characters", ({ expect }) => {
    expect(toFtsQuery("lap")).toBe('"lap"*');
    expect(toFtsQuery("Gaming Laptop")).toBe('"gaming"* "laptop"*');
    expect(toFtsQuery("a")).toBe('"a"');
  });

  it("never lets FTS syntax through", ({ expect }) => {
    expect(toFtsQuery('lap" OR name:*')).toBe('"lap"* "or"* "name"*');
    expect(toFtsQuery("NEAR(a b)")).toBe('"near"* "a" "b"');
    expect(toFtsQuery("'; DROP TABLE products; --")).toBe('"drop"* "table"* "products"*');
    expect(toFtsQuery("***")).toBeNull();
    expect(tokenize("one two three four five six seven eight nine ten")).toHaveLength(8);
  });

  it("escapes LIKE wildcards", ({ expect }) => {
    expect(escapeLike("50%_off\\")).toBe("50\\%\\_off\\\\");
  });
});
