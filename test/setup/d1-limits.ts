// Runs before each test file: the D1 limits guard (src/lib/d1-guard.ts) starts
// the file with fresh figures and no armed faults, and prints the file's
// largest bound-parameter count and queries per invocation at the end.
import { afterAll, afterEach, beforeAll } from "vitest";
import { d1Faults, formatD1LimitStats, resetD1LimitStats } from "../../src/lib/d1-guard";

beforeAll(() => {
  resetD1LimitStats();
  d1Faults.reset();
});
afterEach(() => d1Faults.reset());
afterAll(() => console.log(formatD1LimitStats()));
