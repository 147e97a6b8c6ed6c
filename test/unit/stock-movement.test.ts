import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MANUAL_ACTIONS, movementDelta, planMovement } from "../../src/domain/stock-movement";

describe("movementDelta", () => {
  it("adds for stock_in and return, removes for stock_out and damage, moves an adjustment as given", () => {
    expect(movementDelta("stock_in", 5)).toBe(5);
    expect(movementDelta("return", 2)).toBe(2);
    expect(movementDelta("stock_out", 3)).toBe(-3);
    expect(movementDelta("stock_out", -3)).toBe(-3);
    expect(movementDelta("damage", 4)).toBe(-4);
    expect(movementDelta("damage", -4)).toBe(-4);
    expect(movementDelta("adjustment", 7)).toBe(7);
    expect(movementDelta("adjustment", -7)).toBe(-7);
  });

  it("never changes the size of the movement, only its sign", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MANUAL_ACTIONS), fc.integer({ min: -1_000_000, max: 1_000_000 }), (action, q) => {
        expect(Math.abs(movementDelta(action, q))).toBe(Math.abs(q));
      }),
    );
  });
});

describe("planMovement", () => {
  it("takes a change: its action by default from the sign, removals sent as positive amounts", () => {
    expect(planMovement({ quantity: 5 }, 10)).toEqual({ ok: true, action: "stock_in", delta: 5 });
    expect(planMovement({ quantity: -5 }, 10)).toEqual({ ok: true, action: "stock_out", delta: -5 });
    expect(planMovement({ action: "damage", quantity: 2 }, 10)).toEqual({ ok: true, action: "damage", delta: -2 });
    expect(planMovement({ action: "adjustment", quantity: -1 }, 10)).toEqual({
      ok: true,
      action: "adjustment",
      delta: -1,
    });
  });

  it("takes a count as an adjustment by the difference to the stock", () => {
    expect(planMovement({ count: 4 }, 10)).toEqual({ ok: true, action: "adjustment", delta: -6 });
    expect(planMovement({ action: "adjustment", count: 12 }, 10)).toEqual({
      ok: true,
      action: "adjustment",
      delta: 2,
    });
  });

  it("refuses what is not a movement, saying why", () => {
    expect(planMovement({}, 10)).toEqual({ ok: false, problem: { kind: "change_or_count" } });
    expect(planMovement({ quantity: 1, count: 1 }, 10)).toEqual({ ok: false, problem: { kind: "change_or_count" } });
    expect(planMovement({ action: "stock_in", count: 3 }, 10)).toEqual({
      ok: false,
      problem: { kind: "count_not_adjustment", action: "stock_in" },
    });
    expect(planMovement({ count: 10 }, 10)).toEqual({ ok: false, problem: { kind: "count_unchanged", stock: 10 } });
    expect(planMovement({ quantity: 0 }, 10)).toEqual({ ok: false, problem: { kind: "zero_change" } });
    expect(planMovement({ action: "return", quantity: -2 }, 10)).toEqual({
      ok: false,
      problem: { kind: "negative_addition", action: "return" },
    });
  });

  it("a count always lands the stock on the count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (stock, count) => {
        const plan = planMovement({ count }, stock);
        if (count === stock) expect(plan.ok).toBe(false);
        else expect(plan.ok && stock + plan.delta).toBe(count);
      }),
    );
  });
});
