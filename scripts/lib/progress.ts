/** Progress that redraws one line on a terminal and prints every 10% elsewhere (CI logs). */
export function progress(label: string, total: number) {
  let lastDecile = -1;
  const started = Date.now();
  return (done: number) => {
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    const line = `${label}: ${done}/${total} (${rate}/s)`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${line}   ${done >= total ? "\n" : ""}`);
      return;
    }
    const decile = Math.floor((done / total) * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      console.log(line);
    }
  };
}
