/** The sales report as an SVG bar chart (net sales per bucket), for browsers and emails. */
const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function salesChartSvg(
  rows: { period: string; net_sales: number; orders: number }[],
  title: string,
  currency: string,
): string {
  const width = 960;
  const height = 360;
  const left = 70;
  const bottom = 50;
  const top = 40;
  const plotW = width - left - 20;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...rows.map((r) => r.net_sales));
  const barW = plotW / Math.max(1, rows.length);
  const money = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: currency || "USD",
    maximumFractionDigits: 0,
  });
  const bars = rows
    .map((r, i) => {
      const h = Math.max(0, (r.net_sales / max) * plotH);
      const x = left + i * barW;
      return `<rect x="${(x + barW * 0.1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(0.5, barW * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="#2f6fdf"><title>${esc(r.period)}: ${esc(money.format(r.net_sales))} (${r.orders} orders)</title></rect>`;
    })
    .join("");
  const every = Math.max(1, Math.ceil(rows.length / 12));
  const labels = rows
    .map((r, i) =>
      i % every === 0
        ? `<text x="${(left + i * barW + barW / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="10" text-anchor="middle">${esc(r.period)}</text>`
        : "",
    )
    .join("");
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const y = top + plotH - f * plotH;
      return `<line x1="${left}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${esc(money.format(max * f))}</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="${left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>${ticks}${bars}${labels}</svg>`;
}
