/** Reports over the filled sales history, one client at a time (their targets are latencies). */
import type { LoadSpec } from "../load";
import type { BenchContext } from "../run";

export function reportScenarios(ctx: BenchContext): LoadSpec[] {
  const headers = { Authorization: `Bearer ${ctx.token}` };
  const base = { url: ctx.url, seconds: ctx.seconds, connections: 1 };
  let day = 0;
  return [
    {
      ...base,
      name: "report: sales 365 days by day",
      request: () => ({ path: "/api/v1/reports/sales?days=365&group_by=day", headers }),
    },
    {
      ...base,
      name: "report: sales 30 days by day",
      request: () => ({ path: "/api/v1/reports/sales?days=30&group_by=day", headers }),
    },
    {
      ...base,
      name: "report: products-sales 30 days",
      request: () => ({ path: "/api/v1/reports/products-sales?days=30&limit=10", headers }),
    },
    {
      ...base,
      name: "report: daily-summary",
      request: () => {
        day = (day + 37) % 700;
        const date = new Date(Date.now() - day * 86_400_000).toISOString().slice(0, 10);
        return { path: `/api/v1/reports/daily-summary?date=${date}`, headers };
      },
    },
  ];
}
