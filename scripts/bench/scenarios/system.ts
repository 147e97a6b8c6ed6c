import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

export const systemScenarios = (ctx: BenchContext): LoadSpec[] => [
  { name: "GET /health", url: ctx.url, connections: 10, seconds: ctx.seconds, request: () => ({ path: "/health" }) },
  {
    name: "POST /auth/login",
    url: ctx.url,
    connections: 1,
    seconds: ctx.seconds,
    request: () => ({
      method: "POST",
      path: "/api/v1/auth/login",
      body: JSON.stringify({ username: "manager1", password: "manager123" }),
      headers: { "Content-Type": "application/json" },
    }),
  },
];
