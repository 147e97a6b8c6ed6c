/**
 * The order in which the nightly audit retention visits the databases: a
 * run whose budget ends before the last database must not leave the same
 * ones behind every night.
 */
import { describe, expect, it } from "vitest";
import { inTurn } from "../../src/jobs/audit-retention";

const DAY = 86_400_000;

describe("audit retention's order of databases", () => {
  it("starts one database further each night, visiting all of them every night", () => {
    const databases = ["head-office", "store-MAIN", "store-EAST", "store-WEST"];
    const night = Date.UTC(2026, 10, 30, 2, 30);
    const firsts = new Set<string>();
    for (let n = 0; n < databases.length; n++) {
      const order = inTurn(databases, new Date(night + n * DAY));
      expect([...order].sort()).toEqual([...databases].sort());
      firsts.add(order[0] as string);
    }
    expect(firsts.size).toBe(databases.length);
    expect(inTurn(databases, new Date(night))).toEqual(inTurn(databases, new Date(night + 3_600_000)));
    expect(inTurn([], new Date(night))).toEqual([]);
  });
});
