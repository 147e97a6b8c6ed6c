/**
 * `npm run bench:backup`: runs the nightly backup as a scheduled event inside
 * workerd (the built Worker on Miniflare) against the bench database with a
 * million order lines, and reports its duration and workerd's peak memory.
 */
import { execFileSync } from "node:child_process";
import { prepareState } from "./state";
import { buildBundle, startWorker } from "./worker";

const lines = Number(process.argv.find((a) => a.startsWith("--history="))?.slice(10) ?? 1_000_000);
await buildBundle();
const stateDir = await prepareState(100_000, lines);
const { mf } = await startWorker(stateDir);

const rssOfWorkerd = () => {
  try {
    const out = execFileSync("ps", ["-C", "workerd", "-o", "rss="], { encoding: "utf8" });
    return Math.max(0, ...out.split("\n").map((v) => Number(v.trim()) || 0));
  } catch {
    return 0;
  }
};
let peak = rssOfWorkerd();
const baseline = peak;
const sampler = setInterval(() => {
  peak = Math.max(peak, rssOfWorkerd());
}, 100);
const worker = await mf.getWorker();
const started = Date.now();
// A scheduled time of its own, so every probe writes a fresh backup.
const result = await worker.scheduled({
  cron: "30 2 * * *",
  scheduledTime: new Date(Date.UTC(2000, 0, 1, 2, 30) + (Date.now() % 86_400_000)),
});
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
console.log(
  `backup outcome: ${result.outcome}; ${seconds.toFixed(1)} s; workerd RSS ${Math.round(baseline / 1024)} MiB before, peak ${Math.round(peak / 1024)} MiB`,
);
await mf.dispose();
