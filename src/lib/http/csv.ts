/** CSV (RFC 4180) from flat rows; cells that a spreadsheet would run as a formula are defused. */
const cell = (value: unknown): string => {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const header = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [header.map(cell).join(","), ...rows.map((row) => header.map((key) => cell(row[key])).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
